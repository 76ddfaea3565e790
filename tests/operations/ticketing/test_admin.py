"""Organizer screens: model screens audit every change; orders list searches and filters; order
actions call the services and are audited with the actor; roles decide who sees what."""

from decimal import Decimal

import pytest
from django.urls import reverse

from operations.audit.models import AuditEntry
from operations.ticketing.models import Order, Quota, TicketType
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


def test_orders_list_names_unreadable_filters_ignores_them_and_applies_the_rest(desk):
    client, url, code = desk["client"], reverse("ticketing_orders"), desk["order"].code
    for query, label in [
        ("?from=garbage", "Created from"), ("?to=garbage", "Created to"), ("?event=abc", "Event"),
        ("?ticket_type=x", "Ticket type"), ("?event=99999999999999999999", "Event"), ("?status=nope", "Status"),
        ("?from=2026-05-02&to=2026-05-01", "Created to"),
    ]:
        response = client.get(url + query)
        page = response.content.decode()
        assert response.status_code == 400, query
        assert "were not applied" in page and label in page, query
        assert code in page, query  # the unreadable filter selects nothing away
    other = event_make(slug="other-desk")
    day = desk["order"].created_at.date().isoformat()
    assert code in client.get(f"{url}?event={desk['event'].pk}&from={day}&to={day}").content.decode()
    response = client.get(f"{url}?event={other.pk}&from=garbage")
    assert response.status_code == 400 and code not in response.content.decode()  # the valid filter still applies


def _ticket_type_form(event, **fields):
    data = {"event": event.pk, "name": "VIP", "description": "", "price": "120.00", "min_per_order": 1,
            "max_per_order": 4, "visibility": "visible", "is_active": "on", "position": 1}
    data.update(fields)
    return data


def test_a_ticket_type_cannot_count_against_another_events_quota(desk):
    other = event_make(slug="other-desk", name="Other desk")
    foreign = Quota.objects.create(event=other, name="General seats", size=100)
    response = desk["client"].post(reverse("tickettype:add"), _ticket_type_form(desk["event"], quotas=[foreign.pk]))
    assert response.status_code == 200 and "belongs to another event" in response.content.decode()
    assert not TicketType.objects.filter(name="VIP").exists()

    # The picker on the edit form offers this event's quotas only, named with their event.
    own = desk["general"].quotas.get()
    form = desk["client"].get(reverse("tickettype:edit", args=[desk["general"].pk])).context["form"]
    assert list(form.fields["quotas"].queryset) == [own]
    assert str(own) == f"General seats (10) · {desk['event'].name}" and str(foreign).endswith("· Other desk")
    assert str(desk["general"]) == f"General · {desk['event'].name}"


def test_a_promo_code_cannot_discount_or_unlock_another_events_ticket_types(desk):
    other = event_make(slug="other-desk")
    foreign = ticket_type_make(other, name="Other general")
    url = reverse("promocode:add")
    base = {"event": desk["event"].pk, "code": "SAVE", "kind": "percent", "value": "10", "is_active": "on"}
    for field in ("ticket_types", "unlocks"):
        response = desk["client"].post(url, {**base, field: [foreign.pk]})
        assert response.status_code == 200 and "belongs to another event" in response.content.decode(), field
    assert not desk["event"].promo_codes.exists()
    assert desk["client"].post(url, {**base, "ticket_types": [desk["general"].pk]}).status_code == 302


def test_moving_a_quota_to_another_event_is_refused_while_types_count_against_it(desk):
    other = event_make(slug="other-desk")
    quota = desk["general"].quotas.get()
    response = desk["client"].post(reverse("quota:edit", args=[quota.pk]),
                                   {"event": other.pk, "name": quota.name, "size": quota.size})
    assert response.status_code == 200 and "Ticket types of another event count against this quota" in (
        response.content.decode())
    quota.refresh_from_db()
    assert quota.event == desk["event"]


def test_cloning_an_event_linked_to_another_events_quota_is_a_clear_400(desk):
    from operations.events.models import Event

    other = event_make(slug="other-desk")
    desk["general"].quotas.add(Quota.objects.create(event=other, name="Shared", size=5))  # made before validation
    response = desk["client"].post(reverse("ticketing_event_clone", args=[desk["event"].pk]), {
        "name": "Desk 2027", "slug": "desk-2027", "starts_at": "2027-05-01 09:00"})
    assert response.status_code == 400 and "Remove those links" in response.content.decode()
    assert not Event.objects.filter(slug="desk-2027").exists()


def test_ticket_type_admin_refuses_inexact_prices_and_inverted_limits(desk):
    krw, eur = event_make(slug="money-krw", currency="KRW"), event_make(slug="money-eur", currency="EUR")
    for event, fields, field, message in [
        (krw, {"price": "15000.5"}, "price", "KRW takes whole amounts"),
        (eur, {"price": "10.005"}, "price", "EUR takes at most 2 decimal places"),
        (eur, {"early_price": "9.999", "early_until": "2026-01-01 00:00"}, "early_price", "at most 2 decimal places"),
        (eur, {"min_per_order": 5, "max_per_order": 2}, "max_per_order", "At least the minimum per order"),
        (eur, {"sale_starts_at": "2026-05-01 10:00", "sale_ends_at": "2026-05-01 10:00"}, "sale_ends_at",
         "must end after it starts"),
    ]:
        response = desk["client"].post(reverse("tickettype:add"), _ticket_type_form(event, **fields))
        assert response.status_code == 200, fields
        assert message in " ".join(response.context["form"].errors[field]), fields
    assert not TicketType.objects.filter(name="VIP").exists()
    hall = Quota.objects.create(event=krw, name="Hall", size=10)
    response = desk["client"].post(reverse("tickettype:add"), _ticket_type_form(krw, price="15000", quotas=[hall.pk]))
    assert response.status_code == 302 and TicketType.objects.get(name="VIP").price == Decimal("15000")


def test_a_ticket_type_must_count_against_a_quota(desk):
    response = desk["client"].post(reverse("tickettype:add"), _ticket_type_form(desk["event"]))
    assert response.status_code == 200 and "Choose at least one quota" in " ".join(response.context["form"].errors["quotas"])
    assert not TicketType.objects.filter(name="VIP").exists()


def test_fixed_promo_value_must_be_whole_in_the_events_currency(desk):
    event = event_make(slug="money-krw", currency="KRW")
    url = reverse("promocode:add")
    base = {"event": event.pk, "code": "won", "kind": "fixed", "is_active": "on"}
    response = desk["client"].post(url, {**base, "value": "500.5"})
    assert response.status_code == 200 and "KRW takes whole amounts" in " ".join(response.context["form"].errors["value"])
    assert desk["client"].post(url, {**base, "value": "500"}).status_code == 302
    assert event.promo_codes.get().code == "WON"  # stored upper-case, as the shop looks it up


def test_event_currency_must_be_a_known_iso_4217_code(desk):
    from operations.events.models import Event

    data = {"name": "Money", "slug": "money", "status": "draft", "timezone": "UTC", "starts_at": "2027-01-01 09:00",
            "ends_at": "2027-01-01 18:00", "format": "in_person", "max_per_order": 10, "approval_hold_hours": 72,
            "offline_payment_days": 7}
    response = desk["client"].post(reverse("event:add"), {**data, "currency": "XYZ"})
    assert response.status_code == 200 and "not a currency we can charge in" in (
        " ".join(response.context["form"].errors["currency"]))
    assert not Event.objects.filter(slug="money").exists()
    assert desk["client"].post(reverse("event:add"), {**data, "currency": "krw"}).status_code == 302
    assert Event.objects.get(slug="money").currency == "KRW"


def test_changing_an_events_currency_is_refused_while_prices_are_not_whole_in_it(desk):
    event = event_make(slug="cents", currency="EUR")
    ticket_type_make(event, name="Reduced", price="9.50")
    event.currency = "KRW"
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "Reduced" in " ".join(error.value.message_dict["currency"])


def test_raising_a_session_capacity_in_the_admin_offers_the_place_to_its_waiting_list(
        desk, django_capture_on_commit_callbacks):
    from operations.ticketing.models import Session, WaitingListEntry
    from operations.ticketing.services.waitlist import waiting_list_join

    event = event_make(slug="sessions-desk")
    general = ticket_type_make(event, seats=10)
    workshop = Session.objects.create(event=event, title="Workshop", starts_at=event.starts_at, ends_at=event.ends_at,
                                      capacity=1)
    order = order_reserve(event=event, items=[Item(general.pk, 1, session_ids=[workshop.pk])])
    order_complete(order=order, name="B", email="b@example.com", attendees=[Attendee("B", "b@example.com")])
    entry = waiting_list_join(event=event, email="next@example.com", session_id=workshop.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = desk["client"].post(reverse("session:edit", args=[workshop.pk]), {
            "event": event.pk, "title": "Workshop", "room": "", "speakers": "", "price": "0", "capacity": 2,
            "has_waiting_list": "on", "starts_at": event.starts_at.strftime("%Y-%m-%d %H:%M:%S"),
            "ends_at": event.ends_at.strftime("%Y-%m-%d %H:%M:%S")})
    assert response.status_code == 302, response.content.decode()[:2000]
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED
    assert list(entry.order.positions.get().sessions.all()) == [workshop]
    assert AuditEntry.objects.get(action="session.changed").before["capacity"] == 1


def _awaiting_approval(desk, email):
    order = order_reserve(event=desk["event"], items=[Item(desk["general"].pk, 1)])
    return order_complete(order=order, name="Guest", email=email, attendees=[Attendee("Guest", email)])


def _counts(response) -> list[int]:
    """The numbers in the bulk action's last message: orders done, then those it could not change."""
    import re

    from django.contrib.messages import get_messages

    return [int(n) for n in re.findall(r"\d+", [str(m) for m in get_messages(response.wsgi_request)][-1])]


def test_bulk_approve_confirms_the_selected_orders_only_and_audits_each_with_the_actor(desk):
    second, unselected = _awaiting_approval(desk, "second@example.com"), _awaiting_approval(desk, "left@example.com")
    response = desk["client"].post(reverse("ticketing_orders_bulk"),
                                   {"action": "approve", "order": [desk["order"].pk, second.pk]})
    assert response.status_code == 302 and response["Location"] == reverse("ticketing_orders")
    assert dict(Order.objects.filter(event=desk["event"]).values_list("pk", "status")) == {
        desk["order"].pk: Order.Status.CONFIRMED, second.pk: Order.Status.CONFIRMED,
        unselected.pk: Order.Status.AWAITING_APPROVAL}
    entries = AuditEntry.objects.filter(action="order.approved")
    assert sorted(entry.target_id for entry in entries) == sorted([str(desk["order"].pk), str(second.pk)])
    assert {entry.actor for entry in entries} == {desk["admin"]}
    assert _counts(response) == [2]


def test_bulk_approve_counts_what_it_could_not_change_and_still_approves_the_rest(desk):
    second = _awaiting_approval(desk, "second@example.com")
    desk["client"].post(reverse("ticketing_orders_bulk"), {"action": "approve", "order": [desk["order"].pk]})
    response = desk["client"].post(reverse("ticketing_orders_bulk"),
                                   {"action": "approve", "order": [desk["order"].pk, second.pk]})
    assert _counts(response) == [1, 1]
    second.refresh_from_db()
    assert second.status == Order.Status.CONFIRMED
    assert AuditEntry.objects.filter(action="order.approved", target_id=str(desk["order"].pk)).count() == 1


def test_bulk_resend_mails_and_audits_the_selected_orders_only(desk, django_capture_on_commit_callbacks):
    from django.core import mail

    second, unselected = _awaiting_approval(desk, "second@example.com"), _awaiting_approval(desk, "left@example.com")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = desk["client"].post(reverse("ticketing_orders_bulk"),
                                       {"action": "resend", "order": [desk["order"].pk, second.pk]})
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["jiwoo@example.com", "second@example.com"]
    entries = AuditEntry.objects.filter(action="order.resent")
    assert sorted(entry.target_id for entry in entries) == sorted([str(desk["order"].pk), str(second.pk)])
    assert {entry.actor for entry in entries} == {desk["admin"]}
    assert not AuditEntry.objects.filter(action="order.resent", target_id=str(unselected.pk)).exists()


def test_an_unknown_bulk_action_changes_nothing(desk):
    response = desk["client"].post(reverse("ticketing_orders_bulk"), {"action": "delete", "order": [desk["order"].pk]})
    assert response.status_code == 302 and _counts(response) == [0, 1]
    desk["order"].refresh_from_db()
    assert desk["order"].status == Order.Status.AWAITING_APPROVAL


def test_orders_list_created_from_and_to_select_by_creation_date(desk):
    import datetime as dt

    days = {}
    for day in (1, 2, 3):
        order = _awaiting_approval(desk, f"day{day}@example.com")
        # Noon UTC: the same date in the organization's time zone (Asia/Seoul) as in UTC.
        Order.objects.filter(pk=order.pk).update(created_at=dt.datetime(2021, 3, day, 12, tzinfo=dt.timezone.utc))
        days[day] = order.code
    url = reverse("ticketing_orders")
    for query, shown in [("?from=2021-03-02&to=2021-03-02", {2}), ("?from=2021-03-02&to=2021-03-03", {2, 3}),
                         ("?to=2021-03-02", {1, 2}), ("?from=2021-03-03", {3})]:
        response = desk["client"].get(url + query)
        page = response.content.decode()
        assert response.status_code == 200, query
        assert {day for day, code in days.items() if code in page} == shown, query
    assert desk["order"].code not in desk["client"].get(url + "?to=2021-03-03").content.decode()
    assert desk["order"].code in desk["client"].get(url + "?from=2021-03-03").content.decode()  # made today
