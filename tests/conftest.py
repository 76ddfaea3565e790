import asyncio

import pytest
from django.db import connection, connections
from django.test import Client
from django_tenants.utils import schema_context

from operations.accounts.models import User
from operations.organizations.models import Organization
from operations.organizations.roles import role_permissions_forget
from operations.organizations.services import (
    membership_invite,
    organization_create,
    organization_template_ensure,
    platform_tenant_ensure,
)
from tests import harness

# Two organizations prepared once per test run (and kept with --reuse-db); tests run inside
# pytest-django's per-test transaction, whose rollback also undoes writes in tenant schemas.
SESSION_ORGANIZATIONS = {
    "alpha": {"name": "Alpha Events", "owner_email": "owner@alpha.test", "timezone": "Asia/Seoul"},
    "beta": {"name": "Beta Festival", "owner_email": "owner@beta.test", "timezone": "Europe/Berlin"},
}
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_keepdb, django_db_createdb,
                    django_db_modify_db_settings):
    """pytest-django's set-up of the test database, made unconditional, plus the session's
    organizations. pytest-django sets up only the databases that collected tests ask for through
    ``db``; a run of tests that use only committed data (tests/harness.py) would otherwise write
    to the database DATABASE_URL names."""
    from django.test.utils import setup_databases, teardown_databases

    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        db_cfg = setup_databases(verbosity=request.config.option.verbose, interactive=False, aliases={"default"},
                                 keepdb=keepdb)
        _session_organizations_ensure()
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            try:
                teardown_databases(db_cfg, verbosity=request.config.option.verbose)
            except Exception as exc:  # a server process may still hold a connection
                holding = _sessions_holding()
                request.node.warn(pytest.PytestWarning(
                    f"Could not drop the test database at once: {exc!r}; still connected: {holding}; "
                    f"dropped with FORCE: {_test_database_force_drop()}"))


def _sessions_holding() -> list[str]:
    """Who else is connected to the test database (to find what a test left running)."""
    try:
        # A failed teardown leaves the connection naming the test database; pg_stat_activity is
        # read through the maintenance database.
        name = connection.settings_dict["NAME"]
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT pid, application_name, state, backend_start, left(query, 120) FROM pg_stat_activity "
                           "WHERE datname = %s AND pid <> pg_backend_pid()", [name])
            return [" | ".join(str(value) for value in row) for row in cursor.fetchall()]
    except Exception as error:  # noqa: BLE001 - a diagnostic only
        return [f"unknown ({error!r})"]


def _test_database_force_drop() -> bool:
    """Drop the test database, ending the sessions still connected to it (PostgreSQL 13+): they
    belong to this run, which is over, and a database left behind would be dropped by the next
    run anyway. (Seen in CI before the connections of tests run inside Playwright's event loop
    were closed after each test: _connections_closed_inside_a_running_loop.)"""
    try:
        name = connection.settings_dict["NAME"]
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return True
    except Exception:  # noqa: BLE001 - the warning says so
        return False


def _session_organizations_ensure() -> None:
    platform_tenant_ensure()
    organization_template_ensure()
    for slug, fields in SESSION_ORGANIZATIONS.items():
        if not Organization.objects.filter(slug=slug).exists():
            organization_create(slug=slug, **fields)
    for user in User.objects.filter(email__in=[f["owner_email"] for f in SESSION_ORGANIZATIONS.values()]):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    role_permissions_forget()


@pytest.fixture(autouse=True)
def _connections_closed_inside_a_running_loop():
    """Once a browser test has started Playwright, its event loop stays running in this thread
    until the session ends, and Django then keeps the database connection per context instead of
    per thread: a test's connection is no longer the one the session's teardown closes, and it held
    the test database open (the teardown's warning named test_my_tickets_erasure's last query).
    Closed after each such test; the db fixture has rolled back by then."""
    yield
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return  # per-thread connections: the session's teardown closes them
    connections.close_all()


@pytest.fixture(autouse=True)
def _public_schema_after_test():
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _kept_access_forgotten():
    """A test's rolled-back organizations and domains must not route in the next test."""
    from operations.organizations.access import access_changed

    access_changed()


@pytest.fixture
def org_a(db) -> Organization:
    return Organization.objects.get(slug="alpha")


@pytest.fixture
def org_b(db) -> Organization:
    return Organization.objects.get(slug="beta")


@pytest.fixture
def member(db):
    """member(organization, role) -> a user holding that role there, password PASSWORD."""

    def make(organization: Organization, role: str, email: str | None = None) -> User:
        email = email or f"{role}-{User.objects.count()}@{organization.slug}.test"
        membership = membership_invite(organization=organization, email=email, role=role, actor=None)
        user = membership.user
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        return user

    return make


@pytest.fixture
def operator(db) -> User:
    """A platform operator (full rights in /platform-admin/, none inside organizations)."""
    return User.objects.create_superuser(email="operator@platform.test", password="x" * 12)


@pytest.fixture
def admin_client(operator) -> Client:
    """The operator, signed in on the root domain (replaces pytest-django's admin_client)."""
    client = Client(HTTP_HOST="localhost")
    client.force_login(operator, backend="operations.accounts.backends.EmailBackend")
    return client


@pytest.fixture
def site_client():
    """site_client(organization=None, user=None) -> a test client on that host (root domain if None)."""

    def make(organization: Organization | None = None, user: User | None = None) -> Client:
        host = organization.primary_host() if organization else "localhost"
        client = Client(HTTP_HOST=host)
        if user is not None:
            client.force_login(user, backend="operations.accounts.backends.EmailBackend")
        return client

    return make


@pytest.fixture
def in_schema():
    """in_schema(organization) -> context manager that runs queries in the organization's schema."""
    return lambda organization: schema_context(organization.schema_name)


@pytest.fixture
def committed_org(django_db_setup, django_db_blocker):
    # django_db_setup: a module that only uses committed data must still get the test database,
    # never the one DATABASE_URL names.
    with django_db_blocker.unblock(), harness.committed_organization() as organization:
        yield organization


@pytest.fixture(scope="session")
def platform_server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        server = harness.ServerProcess()
    yield server
    server.stop()
