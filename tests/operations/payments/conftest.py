import pytest

from tests.operations.payments.localstripe import LocalStripeProcess


@pytest.fixture(scope="session")
def localstripe():
    server = LocalStripeProcess()
    yield server
    server.stop()


@pytest.fixture
def stripe_keys(settings, localstripe):
    """The platform's test keys, pointed at localstripe (what make run does)."""
    for name, value in localstripe.env().items():
        setattr(settings, name, value)
    return localstripe


@pytest.fixture
def alpha(org_a, in_schema):
    with in_schema(org_a):
        yield org_a
