from operations.organizations.models import Domain


def test_root_domain_serves_the_portal(db, site_client, org_a):
    response = site_client().get("/")
    assert response.status_code == 200
    assert "Find your next event" in response.text and "Alpha Events" in response.text


def test_unknown_host_gets_a_friendly_404_page(db, site_client):
    response = site_client().get("/", HTTP_HOST="nobody.localhost")
    assert response.status_code == 404
    assert "There is no site at nobody.localhost" in response.text


def test_the_template_schema_is_never_reachable_and_never_listed(db, site_client):
    assert site_client().get("/", HTTP_HOST="tenant-template.localhost").status_code == 404
    assert "Template for new organizations" not in site_client().get("/").text


def test_custom_domain_routes_only_once_verified(db, site_client, org_a, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "events.alpha.example"]  # as the operator configures it
    domain = Domain.objects.create(domain="events.alpha.example", tenant=org_a, is_primary=False)
    assert site_client().get("/", HTTP_HOST="events.alpha.example").status_code == 404

    domain.is_verified = True
    domain.save(update_fields=["is_verified"])
    response = site_client().get("/", HTTP_HOST="events.alpha.example")
    assert response.status_code == 200 and "Alpha Events" in response.text


def test_missing_page_on_an_organization_site_is_a_404_not_a_500(db, site_client, org_a):
    assert site_client(org_a).get("/no-such-page/").status_code == 404
    assert site_client().get("/no-such-page/").status_code == 404
