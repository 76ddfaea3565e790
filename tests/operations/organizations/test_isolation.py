import datetime as dt

from django.utils import timezone

from operations.events.models import Event


def make_event(slug: str) -> Event:
    starts = timezone.now() + dt.timedelta(days=30)
    return Event.objects.create(name=slug.title(), slug=slug, starts_at=starts, ends_at=starts + dt.timedelta(hours=3))


def test_an_object_created_in_one_organization_is_invisible_from_another(org_a, org_b, in_schema):
    with in_schema(org_a):
        make_event("alpha-only")
        assert Event.objects.filter(slug="alpha-only").count() == 1
    with in_schema(org_b):
        assert not Event.objects.filter(slug="alpha-only").exists()
        make_event("alpha-only")  # the same slug is free in another organization's schema
    with in_schema(org_a):
        assert Event.objects.filter(slug="alpha-only").count() == 1


def test_each_host_serves_its_own_organization_site(org_a, org_b, site_client):
    alpha = site_client(org_a).get("/")
    beta = site_client(org_b).get("/")
    assert alpha.status_code == beta.status_code == 200
    assert "Alpha Events" in alpha.text and "Beta Festival" not in alpha.text
    assert "Beta Festival" in beta.text and "Alpha Events" not in beta.text


def _current_schema() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def test_a_search_path_undone_by_a_rollback_is_set_again(org_a, org_b):
    """The connection skips a SET search_path it already has (config/postgresql); PostgreSQL undoes
    a SET with the savepoint it ran in, and the next query must not trust the undone one."""
    from django.db import connection, transaction

    connection.set_tenant(org_a)
    assert _current_schema() == org_a.schema_name
    try:
        with transaction.atomic():
            connection.set_tenant(org_b)
            assert _current_schema() == org_b.schema_name
            raise RuntimeError("undo")
    except RuntimeError:
        pass
    connection.set_tenant(org_b)
    assert _current_schema() == org_b.schema_name
    connection.set_schema_to_public()
    assert _current_schema() == "public"


def test_selecting_the_schema_a_connection_has_sends_no_second_set(org_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.set_tenant(org_a)
    Event.objects.count()
    connection.set_schema_to_public()
    connection.set_tenant(org_a)
    with CaptureQueriesContext(connection) as queries:
        Event.objects.count()
    assert [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SET search_path")] == []


def test_a_statement_prepared_in_one_organization_reads_the_others_own_rows(org_a, org_b, in_schema):
    """The connection prepares statements it runs often (config/settings.py); the same text run
    after the schema changes must read the new schema's table, not the one it was planned for."""
    from django.db import connection

    with in_schema(org_a):
        make_event("alpha-prepared")
    with in_schema(org_b):
        make_event("beta-prepared")
        make_event("beta-second")
    assert connection.connection.prepare_threshold is not None  # prepared statements are on
    for _ in range(3):
        for organization, slugs in ((org_a, ["alpha-prepared"]), (org_b, ["beta-prepared", "beta-second"])):
            with in_schema(organization):
                for _ in range(6):  # past the threshold: psycopg has prepared it
                    assert sorted(Event.objects.filter(slug__endswith="prepared").values_list("slug", flat=True)
                                  .union(Event.objects.filter(slug="beta-second").values_list("slug", flat=True))) == slugs
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%beta-second%"])
        assert cursor.fetchone()[0] == 0  # values are parameters, not part of the statement
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ['%UNION%"slug"%'])
        assert cursor.fetchone()[0] == 1  # the one statement served both organizations
