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
