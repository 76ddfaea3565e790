"""Organizer screens: model screens audit every change; orders list searches and filters; order
actions call the services and are audited with the actor; roles decide who sees what."""

from decimal import Decimal

import pytest
from django.urls import reverse

from operations.audit.models import AuditEntry
from operations.ticketing.models import Order, TicketType
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from tests.operations.ticketing.builders import event_make, ticket_type_make


@pytest.fixture
def desk(org_a, in_schema, member, site_client):
    with in_schema(org_a):
        admin = member(org_a, "admin")
        event = event_make(slug="desk", requires_approval=True)
        general = ticket_type_make(event, price="0", seats=10)
        order = order_reserve(event=event, items=[Item(general.pk, 1)])
        order = order_complete(order=order, name="Lee Jiwoo", email="jiwoo@example.com",
                               attendees=[Attendee("Lee Jiwoo", "jiwoo@example.com")])
        yield {"event": event, "general": general, "order": order, "client": site_client(org_a, admin), "admin": admin}


def test_orders_list_finds_by_confirmation_number_email_and_status(desk):
    client, order = desk["client"], desk["order"]
    for query in (f"?q={order.code}", "?q=jiwoo@", "?status=awaiting_approval", f"?ticket_type={desk['general'].pk}"):
        response = client.get(reverse("ticketing_orders") + query)
        assert response.status_code == 200 and order.code in response.content.decode(), query
    assert order.code not in client.get(reverse("ticketing_orders") + "?status=confirmed").content.decode()


def test_approving_in_the_admin_confirms_and_audits_the_actor(desk):
    response = desk["client"].post(reverse("ticketing_order_act", args=[desk["order"].pk]), {"action": "approve"})
    assert response.status_code == 302
    desk["order"].refresh_from_db()
    assert desk["order"].status == Order.Status.CONFIRMED
    entry = AuditEntry.objects.get(action="order.approved")
    assert entry.actor == desk["admin"] and entry.before["status"] == "awaiting_approval"
    assert entry.after["status"] == "confirmed"
    detail = desk["client"].get(reverse("ticketing_order", args=[desk["order"].pk])).content.decode()
    assert "order.approved" in detail


def test_rejecting_without_reason_is_a_clear_400(desk):
    response = desk["client"].post(reverse("ticketing_order_act", args=[desk["order"].pk]), {"action": "reject"})
    assert response.status_code == 400 and "Give a reason" in response.content.decode()


def test_attendee_details_change_is_audited_with_before_and_after(desk):
    position = desk["order"].positions.get()
    desk["client"].post(reverse("ticketing_order_act", args=[desk["order"].pk]),
                        {"action": "attendee", "position": position.pk, "name": "Lee J.", "email": "lee@example.com"})
    entry = AuditEntry.objects.get(action="order.attendee_changed")
    assert entry.before == {"name": "Lee Jiwoo", "email": "jiwoo@example.com"} and entry.after["name"] == "Lee J."


def test_bulk_export_gives_csv_of_the_selection(desk):
    response = desk["client"].post(reverse("ticketing_orders_bulk"), {"action": "export", "order": [desk["order"].pk]})
    assert response["Content-Type"].startswith("text/csv") and desk["order"].code in response.content.decode()


def test_creating_a_ticket_type_in_the_admin_is_audited(desk):
    quota = desk["general"].quotas.get()
    response = desk["client"].post(reverse("tickettype:add"), {
        "event": desk["event"].pk, "name": "VIP", "description": "", "price": "120.00", "min_per_order": 1,
        "max_per_order": 4, "visibility": "visible", "is_active": "on", "position": 1, "quotas": [quota.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    vip = TicketType.objects.get(name="VIP")
    assert vip.price == Decimal("120.00")
    entry = AuditEntry.objects.get(action="tickettype.created")
    assert entry.actor == desk["admin"] and Decimal(entry.after["price"]) == Decimal("120")


def test_marketing_cannot_see_orders_but_finance_can(org_a, in_schema, member, site_client):
    with in_schema(org_a):
        marketing, finance = member(org_a, "marketing"), member(org_a, "finance")
        refused = site_client(org_a, marketing).get(reverse("ticketing_orders"))
        assert refused.status_code == 403 and "Orders" not in refused.content.decode()
        assert site_client(org_a, finance).get(reverse("ticketing_orders")).status_code == 200


def test_raising_a_quota_in_the_admin_offers_the_seat_to_the_waiting_list(desk, django_capture_on_commit_callbacks):
    from operations.ticketing.models import WaitingListEntry
    from operations.ticketing.services.waitlist import waiting_list_join

    quota = desk["general"].quotas.get()
    quota.size = 1
    quota.save()
    entry = waiting_list_join(event=desk["event"], email="next@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = desk["client"].post(reverse("quota:edit", args=[quota.pk]),
                                        {"event": desk["event"].pk, "name": quota.name, "size": 2})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED
    assert AuditEntry.objects.get(action="quota.changed").before["size"] == 1


def test_cloning_an_event_from_the_admin_makes_an_audited_draft(desk):
    listing = desk["client"].get(reverse("event:index"))
    assert listing.status_code == 200 and reverse("ticketing_event_clone", args=[desk["event"].pk]) in listing.content.decode()
    response = desk["client"].post(reverse("ticketing_event_clone", args=[desk["event"].pk]), {
        "name": "Desk 2027", "slug": "desk-2027", "starts_at": "2027-05-01 09:00"})
    assert response.status_code == 302
    from operations.events.models import Event

    copy = Event.objects.get(slug="desk-2027")
    assert copy.status == Event.Status.DRAFT and copy.ticket_types.count() == 1
    assert AuditEntry.objects.get(action="event.cloned").actor == desk["admin"]
    taken = desk["client"].post(reverse("ticketing_event_clone", args=[desk["event"].pk]), {
        "name": "Again", "slug": "desk-2027", "starts_at": "2027-05-01 09:00"})
    assert taken.status_code == 400 and "taken" in taken.content.decode()


def test_refund_recorded_in_the_admin_is_audited(desk):
    from operations.ticketing.services.lifecycle import order_mark_paid

    event = event_make(slug="paid-desk", currency="EUR")
    order = order_reserve(event=event, items=[Item(ticket_type_make(event, price="20.00").pk, 1)])
    order = order_mark_paid(order=order_complete(order=order, name="P", email="p@example.com",
                                                 attendees=[Attendee("P", "p@example.com")]), actor=None)
    url = reverse("ticketing_order_act", args=[order.pk])
    assert desk["client"].post(url, {"action": "refund", "amount": "20.001"}).status_code == 400
    assert desk["client"].post(url, {"action": "refund", "amount": "5.50"}).status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_REFUNDED and order.paid == Decimal("14.50")
    assert AuditEntry.objects.get(action="order.refunded").after["amount"] == "5.50"
