"""The scanner page, its JSON API and the organizer screens: authentication, permissions per
organization, clear 4xx answers, badges."""

import json

import pytest

from operations.checkin.models import Scan
from operations.checkin.services.lists import checkin_list_default
from operations.checkin.services.tokens import scanner_token_issue
from operations.ticketing.services.signing import ticket_payload
from tests.operations.checkin.builders import event_make, ticket_make, ticket_type_make


@pytest.fixture
def door(org_a, in_schema, member):
    with in_schema(org_a):
        event = event_make(slug="api-door")
        ticket_type = ticket_type_make(event, name="General")
        checkin_list = checkin_list_default(event=event)
        staff = member(org_a, "staff")
        ticket = ticket_make(event, ticket_type, name="Lee Jieun")
        yield {"event": event, "list": checkin_list, "staff": staff, "ticket": ticket, "payload": ticket_payload(ticket),
               "token": scanner_token_issue(user=staff), "type": ticket_type}


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def test_staff_redeems_over_the_api_with_a_token_without_csrf(org_a, door, site_client):
    client = site_client(org_a)
    response = post(client, "/checkin/api/redeem", {"list": door["list"].pk, "scanned": door["payload"], "nonce": "a1"},
                    Authorization=f"Token {door['token']}")
    assert response.status_code == 200 and response.json()["reason"] == "ok"
    again = post(client, "/checkin/api/redeem", {"list": door["list"].pk, "scanned": door["payload"], "nonce": "a2"},
                 Authorization=f"Token {door['token']}")
    assert again.json()["reason"] == "already_checked_in" and again.json()["checked_in_by"] == door["staff"].email


def test_session_client_needs_the_csrf_token(org_a, door, site_client):
    from django.test import Client

    client = Client(HTTP_HOST=org_a.primary_host(), enforce_csrf_checks=True)
    client.force_login(door["staff"], backend="operations.accounts.backends.EmailBackend")
    refused = post(client, "/checkin/api/redeem", {"list": door["list"].pk, "scanned": door["ticket"].code})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    page = client.get("/checkin/")
    assert page.status_code == 200
    csrf = page.cookies["csrftoken"].value
    ok = post(client, "/checkin/api/redeem", {"list": door["list"].pk, "scanned": door["ticket"].code}, X_CSRFToken=csrf)
    assert ok.status_code == 200 and ok.json()["reason"] == "ok"


def test_staff_of_another_organization_is_refused(org_a, org_b, door, member, site_client, in_schema):
    with in_schema(org_b):
        outsider = member(org_b, "staff")
        foreign_token = scanner_token_issue(user=outsider)
    # The other organization's token does not open this organization's API ...
    response = post(site_client(org_a), "/checkin/api/redeem", {"list": door["list"].pk, "scanned": door["payload"]},
                    Authorization=f"Token {foreign_token}")
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"
    # ... nor does a session of a user without a membership here.
    client = site_client(org_a, outsider)
    response = post(client, "/checkin/api/redeem", {"list": door["list"].pk, "scanned": door["payload"]})
    assert response.status_code == 403
    assert client.get("/checkin/").status_code == 403
    assert not Scan.objects.filter(result="ok").exists()


def test_ticket_of_another_organization_does_not_verify_here(org_a, org_b, door, in_schema, site_client):
    with in_schema(org_b):
        event = event_make(slug="foreign")
        foreign = ticket_make(event, ticket_type_make(event))
        payload = ticket_payload(foreign)
    response = post(site_client(org_a), "/checkin/api/redeem", {"list": door["list"].pk, "scanned": payload},
                    Authorization=f"Token {door['token']}")
    assert response.json()["reason"] == "invalid_signature"
    response = post(site_client(org_a), "/checkin/api/redeem", {"list": door["list"].pk, "scanned": foreign.code},
                    Authorization=f"Token {door['token']}")
    assert response.json()["reason"] == "unknown"


def test_bad_requests_get_clear_4xx(org_a, door, site_client):
    client, auth = site_client(org_a), {"Authorization": f"Token {door['token']}"}
    assert client.post("/checkin/api/redeem", "not json", content_type="application/json", headers=auth).status_code == 400
    assert post(client, "/checkin/api/redeem", {"list": 999999, "scanned": "x"}, **auth).status_code == 404
    assert post(client, "/checkin/api/redeem", {"list": "abc", "scanned": "x"}, **auth).status_code == 404
    response = post(client, "/checkin/api/redeem", {"list": door["list"].pk, "scanned": "x", "kind": "exit"}, **auth)
    assert response.status_code == 400 and response.json()["error"]["code"] == "exit_not_allowed"
    assert post(client, "/checkin/api/sync", {"scans": "nope"}, **auth).json()["error"]["code"] == "bad_sync"
    assert client.get("/checkin/api/redeem", headers=auth).status_code == 405
    assert post(client, "/checkin/api/redeem", {}, Authorization="Token forged").status_code == 401
    scan = {"nonce": "n\x00", "scanned": door["payload"], "scanned_at": "2026-01-01T10:00:00+00:00", "list": door["list"].pk}
    response = post(client, "/checkin/api/sync", {"device": "phone\x00", "scans": [scan]}, **auth)
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_json"
    assert client.get(f"/checkin/api/lists/{door['list'].pk}/search?q=a%00b", headers=auth).status_code == 200


def test_scanner_page_requires_sign_in_and_shows_lists(org_a, door, site_client):
    assert site_client(org_a).get("/checkin/").status_code == 302
    page = site_client(org_a, door["staff"]).get("/checkin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Main entrance" in html and "checkin/vendor/jsQR.js" in html and "checkin/vendor/nacl-fast.min.js" in html


def test_offline_snapshot_has_codes_states_and_public_key(org_a, door, site_client):
    import base64

    data = site_client(org_a).get(f"/checkin/api/lists/{door['list'].pk}/",
                                  headers={"Authorization": f"Token {door['token']}"}).json()
    assert len(base64.b64decode(data["public_key"])) == 32
    assert data["tickets"] == [{"c": door["ticket"].code, "n": "Lee Jieun", "t": "General", "o": door["ticket"].position.order.code,
                                "s": "valid", "l": True, "a": False}]
    assert data["counts"] == {"admitted": 0, "expected": 1}


def test_sync_endpoint_reports_conflicts(org_a, door, site_client):
    auth = {"Authorization": f"Token {door['token']}"}
    client = site_client(org_a)
    scans = [{"nonce": "s-2", "scanned": door["payload"], "scanned_at": "2026-01-01T10:05:00+00:00", "list": door["list"].pk},
             {"nonce": "s-1", "scanned": door["payload"], "scanned_at": "2026-01-01T10:00:00+00:00", "list": door["list"].pk}]
    answers = post(client, "/checkin/api/sync", {"device": "phone", "scans": scans}, **auth).json()["answers"]
    assert [a["reason"] for a in answers] == ["already_checked_in", "ok"]
    assert answers[0]["conflict"] and answers[0]["nonce"] == "s-2"


def test_search_finds_by_name_email_and_confirmation_number(org_a, door, site_client):
    client, auth = site_client(org_a), {"Authorization": f"Token {door['token']}"}
    url = f"/checkin/api/lists/{door['list'].pk}/search"
    for query in ("jieun", door["ticket"].position.order.email, door["ticket"].position.order.code):
        results = client.get(url, {"q": query}, headers=auth).json()["results"]
        assert [r["code"] for r in results] == [door["ticket"].code], query


def test_staff_cannot_open_dashboard_or_undo_but_owner_can(org_a, door, site_client, in_schema):
    from operations.accounts.models import User

    staff_client = site_client(org_a, door["staff"])
    assert staff_client.get("/admin/checkin/").status_code == 403
    owner = User.objects.get(email="owner@alpha.test")
    owner_client = site_client(org_a, owner)
    with in_schema(org_a):
        from operations.checkin.services.redeem import checkin_redeem

        answer = checkin_redeem(checkin_list=door["list"], scanned=door["ticket"].code, actor=door["staff"])
    page = owner_client.get(f"/admin/checkin/events/{door['event'].pk}/")
    assert page.status_code == 200 and b"Admitted vs expected" in page.content
    assert staff_client.post(f"/admin/checkin/scans/{answer['scan_id']}/undo", {"reason": "x"}).status_code == 403
    response = owner_client.post(f"/admin/checkin/scans/{answer['scan_id']}/undo", {"reason": "Wrong person"})
    assert response.status_code == 302
    with in_schema(org_a):
        assert Scan.objects.get(pk=answer["scan_id"]).undo_reason == "Wrong person"


def test_admin_manual_checkin_and_badges(org_a, door, site_client, in_schema):
    from operations.accounts.models import User

    owner_client = site_client(org_a, User.objects.get(email="owner@alpha.test"))
    found = owner_client.get(f"/admin/checkin/lists/{door['list'].pk}/search", {"q": "Lee"})
    assert found.status_code == 200 and b"Check in Lee Jieun" in found.content and b"Badge for Lee Jieun" in found.content
    response = owner_client.post(f"/admin/checkin/lists/{door['list'].pk}/manual", {"code": door["ticket"].code})
    assert response.status_code == 302
    with in_schema(org_a):
        assert Scan.objects.get(ticket=door["ticket"]).source == "manual"
    for layout in ("a6", "labels"):
        pdf = owner_client.get(f"/admin/checkin/events/{door['event'].pk}/badges.pdf", {"layout": layout})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    one = owner_client.get(f"/admin/checkin/events/{door['event'].pk}/badges.pdf", {"ticket": door["ticket"].pk})
    assert one.status_code == 200 and one.content.startswith(b"%PDF")
    assert owner_client.get(f"/admin/checkin/events/{door['event'].pk}/badges.pdf", {"layout": "poster"}).status_code == 400


def test_token_stops_working_when_the_membership_goes_and_marketing_cannot_scan(org_a, door, member, site_client):
    from operations.organizations.models import Membership

    client, auth = site_client(org_a), {"Authorization": f"Token {door['token']}"}
    assert post(client, "/checkin/api/redeem", {"list": door["list"].pk, "scanned": "x"}, **auth).status_code == 200
    Membership.objects.filter(user=door["staff"], organization=org_a).delete()
    response = post(client, "/checkin/api/redeem", {"list": door["list"].pk, "scanned": "x"}, **auth)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    marketer = member(org_a, "marketing")
    assert site_client(org_a, marketer).get("/checkin/").status_code == 403


def test_token_endpoint_issues_a_token_for_this_organization(org_a, door, site_client):
    client = site_client(org_a, door["staff"])
    token = client.post("/checkin/api/token", headers={"X-CSRFToken": "unused"}).json()["token"]
    response = post(site_client(org_a), "/checkin/api/redeem", {"list": door["list"].pk, "scanned": door["ticket"].code},
                    Authorization=f"Token {token}")
    assert response.json()["reason"] == "ok"
