"""The database wrapper's health check (config/postgresql): skipped on a connection used a moment
ago, still made on one that has been idle, and a connection that died is replaced either way."""

import pytest
from django.db import OperationalError, connection

from config.postgresql.base import HEALTH_CHECK_IDLE, DatabaseWrapper


@pytest.fixture
def checked(db):
    """A connection of its own (outside the test's transaction) with health checks on, and a count
    of its health checks."""
    wrapper = DatabaseWrapper({**connection.settings_dict, "CONN_HEALTH_CHECKS": True}, alias="health-checked")
    checks = []
    usable = wrapper.is_usable
    wrapper.is_usable = lambda: checks.append(1) or usable()
    wrapper.checks = checks
    yield wrapper
    wrapper.close()


def _statement(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]


def _request_starts(wrapper) -> None:
    wrapper.close_if_unusable_or_obsolete()  # what Django runs at every request's start and end


def _idle(wrapper) -> None:
    wrapper._used_at -= HEALTH_CHECK_IDLE


def _killed(wrapper) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [wrapper.connection.info.backend_pid])


def test_a_connection_used_a_moment_ago_is_not_checked_and_an_idle_one_is(checked):
    _statement(checked)
    _request_starts(checked)
    _statement(checked)
    assert checked.checks == []
    _idle(checked)
    _request_starts(checked)
    _statement(checked)
    _statement(checked)  # once per request
    assert checked.checks == [1]


def test_a_connection_that_died_while_idle_is_replaced_before_the_request_uses_it(checked):
    _statement(checked)
    _killed(checked)
    _idle(checked)
    _request_starts(checked)
    assert _statement(checked) == 1 and checked.checks == [1]


def test_a_connection_that_died_a_moment_ago_fails_one_request_and_is_replaced_at_its_end(checked):
    """The price of sparing the check: the one request that meets such a connection fails."""
    _statement(checked)
    _killed(checked)
    _request_starts(checked)
    with pytest.raises(OperationalError):
        _statement(checked)
    _request_starts(checked)  # the failed request ends: Django checks the connection and closes it
    assert _statement(checked) == 1
