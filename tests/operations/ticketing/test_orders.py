"""Order services: money, promo codes, state machine, expiry, approval, waiting list, signatures."""

import datetime as dt
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from freezegun import freeze_time
from pypdf import PdfReader

from operations.audit.models import AuditEntry
from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, PromoCode, Quota, Ticket, WaitingListEntry
from operations.ticketing.money import money_format, money_quantize
from operations.ticketing.selectors import ticket_type_offers
from operations.ticketing.services.documents import order_ics, tickets_pdf
from operations.ticketing.services.lifecycle import (
    order_approve,
    order_cancel,
    order_expire_due,
    order_mark_paid,
    order_reject,
)
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from operations.ticketing.services.signing import signing_public_key_pem, ticket_payload, ticket_payload_verify
from operations.ticketing.services.waitlist import waiting_list_join
from tests.operations.ticketing.builders import event_make, ticket_type_make


@pytest.fixture
def alpha(org_a, in_schema):
    with in_schema(org_a):
        yield org_a


def _complete(order, count=1, method="offline"):
    return order_complete(order=order, name="Buyer", email="buyer@example.com", payment_method=method,
                          attendees=[Attendee(f"A{i}", f"a{i}@example.com") for i in range(count)])


def test_krw_has_no_minor_unit_and_eur_has_two():
    assert money_quantize(Decimal("1234.5"), "KRW") == Decimal("1235")
    assert money_quantize(Decimal("10.005"), "EUR") == Decimal("10.01")
    assert money_format(Decimal("30000"), "KRW") == "KRW 30,000"
    assert money_format(Decimal("3"), "BHD") == "BHD 3.000"


def test_percentage_promo_in_krw_rounds_to_whole_won(alpha):
    event = event_make(slug="krw", currency="KRW")
    general = ticket_type_make(event, price="33333", seats=10)
    PromoCode.objects.create(event=event, code="THIRD", kind=PromoCode.Kind.PERCENT, value=Decimal("33.3"))
    order = order_reserve(event=event, items=[Item(general.pk, 2)], promo_code="third")
    assert order.discount == Decimal("22200") and order.total == Decimal("44466")
    assert order.total == order.total.to_integral_value()


def test_promo_limited_to_ticket_types_discounts_only_those(alpha):
    event = event_make(slug="lim")
    a = ticket_type_make(event, name="A", price="100", seats=10)
    b = ticket_type_make(event, name="B", price="50", seats=10)
    promo = PromoCode.objects.create(event=event, code="AONLY", kind=PromoCode.Kind.FIXED, value=Decimal("30"))
    promo.ticket_types.add(a)
    order = order_reserve(event=event, items=[Item(a.pk, 1), Item(b.pk, 1)], promo_code="AONLY")
    assert (order.subtotal, order.discount, order.total) == (Decimal("150"), Decimal("30"), Decimal("120"))


def test_confirmation_number_and_secret_have_the_documented_shape(alpha):
    event = event_make(slug="shape")
    general = ticket_type_make(event)
    order = order_reserve(event=event, items=[Item(general.pk, 1)])
    prefix, day, suffix = order.code.split("-")
    assert prefix == "REG" and day == timezone.now().astimezone(event.tz).strftime("%Y%m%d") and len(suffix) == 6
    assert len(order.secret) >= 32 and order.secret != order.code


def test_the_confirmation_number_carries_the_day_where_the_event_takes_place():
    import datetime as dt

    from operations.events.models import Event
    from operations.ticketing.services.orders import order_code_new

    late_evening_in_utc = dt.datetime(2026, 11, 21, 22, 30, tzinfo=dt.timezone.utc)
    assert order_code_new(late_evening_in_utc, Event(timezone="Asia/Seoul")).startswith("REG-20261122-")
    assert order_code_new(late_evening_in_utc, Event(timezone="America/New_York")).startswith("REG-20261121-")


def test_a_confirmation_number_already_taken_is_drawn_again_with_nothing_half_written(alpha, monkeypatch):
    from operations.ticketing.services import orders

    event = event_make(slug="draws")
    general = ticket_type_make(event, seats=5)
    first = order_reserve(event=event, items=[Item(general.pk, 1)])
    drawn = iter([first.code, "REG-20990101-NEWONE"])
    monkeypatch.setattr(orders, "order_code_new", lambda now, event: next(drawn))
    second = order_reserve(event=event, items=[Item(general.pk, 2)])
    assert second.code == "REG-20990101-NEWONE"
    assert Order.objects.filter(event=event).count() == 2
    assert ticket_type_offers(event=event)[0]["remaining"] == 2


def test_remaining_counts_pending_unexpired_and_confirmed_but_not_expired(alpha):
    event = event_make(slug="rem")
    shared = Quota.objects.create(event=event, name="All seats", size=10)
    student_quota = Quota.objects.create(event=event, name="Students", size=3)
    general = ticket_type_make(event, name="General", quota=shared)
    student = ticket_type_make(event, name="Student", quota=shared)
    student.quotas.add(student_quota)
    order_reserve(event=event, items=[Item(student.pk, 2)])
    order_reserve(event=event, items=[Item(general.pk, 4)], now=timezone.now() - timedelta(minutes=20))  # expired hold
    offers = {o["name"]: o for o in ticket_type_offers(event=event)}
    assert offers["General"]["remaining"] == 8 and offers["Student"]["remaining"] == 1
    assert set(offers["General"]) >= {"name", "description", "price", "currency", "available", "remaining",
                                      "sale_starts_at", "sale_ends_at"}
    with pytest.raises(OrderError) as error:
        order_reserve(event=event, items=[Item(student.pk, 2)])
    assert error.value.code == "sold_out"


def test_free_order_is_confirmed_with_one_ticket_per_attendee_and_audited(alpha):
    event = event_make(slug="free")
    general = ticket_type_make(event)
    order = _complete(order_reserve(event=event, items=[Item(general.pk, 2)]), count=2)
    assert order.status == Order.Status.CONFIRMED and order.payment_method == "free"
    assert Ticket.objects.filter(position__order=order, revoked_at=None).count() == 2
    actions = list(AuditEntry.objects.filter(target_id=str(order.pk)).values_list("action", flat=True))
    assert set(actions) == {"order.reserved", "order.confirmed"}


def test_confirmation_email_shows_the_event_time_in_its_timezone(alpha, django_capture_on_commit_callbacks):
    # 01:00 UTC a month ahead (a fixed date would one day be in the past, and registration closed).
    starts = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).replace(hour=1, minute=0, second=0, microsecond=0)
    event = event_make(slug="tz", starts_at=starts)
    with django_capture_on_commit_callbacks(execute=True):
        _complete(order_reserve(event=event, items=[Item(ticket_type_make(event).pk, 1)]))
    assert f"{starts:%Y-%m-%d} 10:00 (Asia/Seoul)" in mail.outbox[0].body
    assert "http://alpha.localhost" in mail.outbox[0].body


def test_wrong_number_of_attendees_is_refused(alpha):
    event = event_make(slug="count")
    order = order_reserve(event=event, items=[Item(ticket_type_make(event).pk, 2)])
    with pytest.raises(OrderError) as error:
        _complete(order, count=1)
    assert error.value.code == "attendees_mismatch"


def test_limit_per_buyer_email_stops_a_second_order(alpha):
    event = event_make(slug="scalp")
    general = ticket_type_make(event, limit_per_email=2)
    _complete(order_reserve(event=event, items=[Item(general.pk, 2)]), count=2)
    with pytest.raises(OrderError) as error:
        _complete(order_reserve(event=event, items=[Item(general.pk, 1)]))
    assert error.value.code == "email_limit"


def test_more_than_the_limit_per_email_in_one_order_is_refused_at_once_and_never_offered(alpha):
    event = event_make(slug="scalp-one")
    general = ticket_type_make(event, limit_per_email=2, max_per_order=8)
    with pytest.raises(OrderError) as error:
        order_reserve(event=event, items=[Item(general.pk, 3)])
    assert error.value.code == "email_limit" and not Order.objects.filter(event=event).exists()
    assert ticket_type_offers(event=event)[0]["max_per_order"] == 2


def test_a_code_for_other_ticket_types_is_refused_and_keeps_its_use(alpha):
    event = event_make(slug="lim-other")
    a = ticket_type_make(event, name="A", price="100", seats=10)
    b = ticket_type_make(event, name="B", price="50", seats=10)
    promo = PromoCode.objects.create(event=event, code="AONLY", kind=PromoCode.Kind.FIXED, value=Decimal("30"), max_uses=1)
    promo.ticket_types.add(a)
    with pytest.raises(OrderError) as error:
        order_reserve(event=event, items=[Item(b.pk, 1)], promo_code="AONLY")
    assert error.value.code == "promo_not_applicable" and not Order.objects.filter(event=event).exists()
    promo.refresh_from_db()
    assert promo.used_count == 0
    assert order_reserve(event=event, items=[Item(a.pk, 1)], promo_code="AONLY").discount == Decimal("30")


def test_offline_order_is_paid_then_confirmed_and_cannot_be_paid_twice(alpha):
    event = event_make(slug="paid", currency="NZD")
    general = ticket_type_make(event, price="25.50")
    order = _complete(order_reserve(event=event, items=[Item(general.pk, 1)]))
    assert order.status == Order.Status.AWAITING_PAYMENT and order.expires_at > timezone.now() + timedelta(days=6)
    order = order_mark_paid(order=order, actor=None)
    assert order.status == Order.Status.CONFIRMED and order.paid == Decimal("25.50")
    with pytest.raises(OrderError) as error:
        order_mark_paid(order=order, actor=None)
    assert error.value.code == "invalid_transition"


def test_approval_holds_seats_then_approve_confirms_or_reject_releases(alpha, django_capture_on_commit_callbacks):
    event = event_make(slug="approve", requires_approval=True)
    general = ticket_type_make(event, seats=2)
    with django_capture_on_commit_callbacks(execute=True):
        first = _complete(order_reserve(event=event, items=[Item(general.pk, 1)]))
        second = _complete(order_reserve(event=event, items=[Item(general.pk, 1)]))
    assert first.status == second.status == Order.Status.AWAITING_APPROVAL
    assert ticket_type_offers(event=event)[0]["remaining"] == 0
    with pytest.raises(OrderError) as error:
        order_reject(order=second, actor=None, reason="  ")
    assert error.value.code == "reason_required"
    with django_capture_on_commit_callbacks(execute=True):
        assert order_approve(order=first, actor=None).status == Order.Status.CONFIRMED
        rejected = order_reject(order=second, actor=None, reason="Members only")
    assert rejected.status == Order.Status.CANCELLED and rejected.reason == "Members only"
    assert ticket_type_offers(event=event)[0]["remaining"] == 1
    subjects = [m.subject for m in mail.outbox]
    assert any("not approved" in s for s in subjects) and any("Your tickets" in s for s in subjects)


def _hold_lapse(order) -> None:
    """The order's hold runs out, and the expiry sweep has not run yet."""
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))


def test_approving_after_the_hold_ran_out_and_the_seat_was_taken_is_refused(alpha):
    event = event_make(slug="late-approval", requires_approval=True)
    seat = ticket_type_make(event, price="0", seats=1)
    first = _complete(order_reserve(event=event, items=[Item(seat.pk, 1)]))
    _hold_lapse(first)
    second = _complete(order_reserve(event=event, items=[Item(seat.pk, 1)]))  # the seat was free again
    with pytest.raises(OrderError) as error:
        order_approve(order=first, actor=None)
    assert error.value.code == "hold_lapsed" and error.value.http_status == 409
    first.refresh_from_db()
    assert first.status == Order.Status.AWAITING_APPROVAL and not Ticket.objects.filter(position__order=first).exists()
    assert not AuditEntry.objects.filter(action="order.approved").exists()
    assert order_approve(order=second, actor=None).status == Order.Status.CONFIRMED


def test_approving_after_the_hold_ran_out_with_the_seat_still_free_confirms(alpha):
    event = event_make(slug="late-free", requires_approval=True)
    seat = ticket_type_make(event, price="0", seats=1)
    order = _complete(order_reserve(event=event, items=[Item(seat.pk, 1)]))
    _hold_lapse(order)
    assert order_approve(order=order, actor=None).status == Order.Status.CONFIRMED
    assert ticket_type_offers(event=event)[0]["remaining"] == 0


def test_marking_paid_after_the_hold_ran_out_and_the_seat_was_taken_is_refused(alpha):
    event = event_make(slug="late-paid")
    seat = ticket_type_make(event, price="20", seats=1)
    first = _complete(order_reserve(event=event, items=[Item(seat.pk, 1)]))
    assert first.status == Order.Status.AWAITING_PAYMENT
    _hold_lapse(first)
    _complete(order_reserve(event=event, items=[Item(seat.pk, 1)]))
    with pytest.raises(OrderError) as error:
        order_mark_paid(order=first, actor=None)
    assert error.value.code == "hold_lapsed"
    first.refresh_from_db()
    assert first.status == Order.Status.AWAITING_PAYMENT and first.paid == 0


def test_expiry_releases_seats_and_the_promo_use(alpha):
    event = event_make(slug="exp")
    general = ticket_type_make(event, seats=1)
    promo = PromoCode.objects.create(event=event, code="ONE", value=Decimal(10), max_uses=1)
    order = order_reserve(event=event, items=[Item(general.pk, 1)], promo_code="ONE")
    promo.refresh_from_db()
    assert promo.used_count == 1
    with freeze_time(timezone.now() + timedelta(minutes=16)):
        assert order_expire_due() == 1
        order.refresh_from_db()
        promo.refresh_from_db()
        assert order.status == Order.Status.EXPIRED and promo.used_count == 0
        assert order_reserve(event=event, items=[Item(general.pk, 1)], promo_code="ONE").status == Order.Status.PENDING


def test_expired_order_cannot_be_completed(alpha):
    event = event_make(slug="late")
    order = order_reserve(event=event, items=[Item(ticket_type_make(event).pk, 1)],
                          now=timezone.now() - timedelta(minutes=15, seconds=1))
    with pytest.raises(OrderError) as error:
        _complete(order)
    assert error.value.code == "reservation_expired" and error.value.http_status == 410


def test_attendee_cancels_within_policy_and_tickets_are_revoked(alpha):
    event = event_make(slug="cancel", self_cancel_until=timezone.now() + timedelta(days=1))
    order = _complete(order_reserve(event=event, items=[Item(ticket_type_make(event).pk, 1)]))
    order_cancel(order=order, by_attendee=True)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert not Ticket.objects.filter(position__order=order, revoked_at=None).exists()


def test_attendee_cannot_cancel_outside_policy(alpha):
    event = event_make(slug="nocancel")
    order = _complete(order_reserve(event=event, items=[Item(ticket_type_make(event).pk, 1)]))
    with pytest.raises(OrderError) as error:
        order_cancel(order=order, by_attendee=True)
    assert error.value.code == "cancel_not_allowed"


def test_waiting_list_gets_a_held_offer_when_a_seat_frees_up(alpha, django_capture_on_commit_callbacks):
    event = event_make(slug="wait")
    general = ticket_type_make(event, seats=1)
    taken = _complete(order_reserve(event=event, items=[Item(general.pk, 1)]))
    entry = waiting_list_join(event=event, email="Next@Example.com", name="Next")
    assert waiting_list_join(event=event, email="next@example.com").pk == entry.pk
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=taken, actor=None)
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED and entry.order.status == Order.Status.PENDING
    assert entry.order.email == "next@example.com"
    assert any(m.subject.startswith("A seat is free") and entry.order.secret in m.body for m in mail.outbox)
    assert ticket_type_offers(event=event)[0]["remaining"] == 0


def test_qr_payload_verifies_with_the_public_key_and_tampering_fails(alpha):
    event = event_make(slug="qr")
    order = _complete(order_reserve(event=event, items=[Item(ticket_type_make(event).pk, 1)]))
    ticket = Ticket.objects.get(position__order=order)
    payload = ticket_payload(ticket)
    data = ticket_payload_verify(payload, signing_public_key_pem())
    assert data["t"] == ticket.code and data["o"] == order.code
    prefix, body, signature = payload.split(".")
    with pytest.raises(OrderError) as error:
        ticket_payload_verify(f"{prefix}.{body}x.{signature}", signing_public_key_pem())
    assert error.value.code == "signature_invalid"


def test_the_active_signing_key_is_read_once_and_a_replaced_key_signs_at_once(alpha, org_b, in_schema,
                                                                              django_assert_num_queries):
    """Kept per process and organization while the access generation stands; saving a key moves it."""
    from operations.ticketing.models import SigningKey
    from operations.ticketing.services.signing import signing_key_get

    first = signing_key_get()  # created on first use (the save retires what was kept)
    signing_key_get()
    with django_assert_num_queries(0):
        assert signing_key_get().pk == first.pk
    SigningKey.objects.filter(pk=first.pk).update(is_active=False)  # (an update sends no signal)
    first.is_active = False
    first.save()
    replaced = signing_key_get()
    assert replaced.pk != first.pk and replaced.is_active
    with in_schema(org_b):
        assert signing_key_get().public_key != replaced.public_key  # each organization its own


def test_pdf_and_ics_are_valid_documents(alpha):
    from icalendar import Calendar

    event = event_make(slug="docs", name="서울 테크 서밋")
    order = _complete(order_reserve(event=event, items=[Item(ticket_type_make(event).pk, 2)]), count=2)
    pdf = tickets_pdf(order, organization_name="Alpha")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert pdf.startswith(b"%PDF") and "서울 테크 서밋" in text  # Hangul prints (the Korean fallback font)
    calendar = Calendar.from_ical(order_ics(order))
    entry = next(iter(calendar.walk("VEVENT")))
    assert str(entry["summary"]) == "서울 테크 서밋" and entry.decoded("dtstart") == event.starts_at.replace(microsecond=0)


def test_expiry_beat_task_fans_out_over_organizations(org_a, org_b, in_schema):
    from operations.ticketing.tasks import orders_expire_all_organizations

    with in_schema(org_b):
        event = event_make(slug="fan")
        order = order_reserve(event=event, items=[Item(ticket_type_make(event).pk, 1)],
                              now=timezone.now() - timedelta(hours=1))
    assert orders_expire_all_organizations() >= 2
    with in_schema(org_b):
        order.refresh_from_db()
        assert order.status == Order.Status.EXPIRED


def test_refunds_are_exact_in_the_currency_and_move_the_state(alpha):
    from operations.ticketing.services.lifecycle import order_refund

    event = event_make(slug="refund", currency="KRW")
    order = _complete(order_reserve(event=event, items=[Item(ticket_type_make(event, price="30000").pk, 1)]))
    order = order_mark_paid(order=order, actor=None)
    for bad in ("0.5", "-1", "30001", "abc"):
        with pytest.raises(OrderError) as error:
            order_refund(order=order, amount=bad, actor=None)
        assert error.value.code == "amount_invalid"
    order = order_refund(order=order, amount="10000", actor=None)
    assert order.status == Order.Status.PARTIALLY_REFUNDED and order.paid == Decimal("20000")
    assert ticket_type_offers(event=event)[0]["remaining"] == 99  # its seat stays taken
    assert Ticket.objects.filter(position__order=order, revoked_at=None).exists()
    order = order_refund(order=order, amount="20000", actor=None)
    assert order.status == Order.Status.REFUNDED and order.paid == 0
    assert ticket_type_offers(event=event)[0]["remaining"] == 100
    assert not Ticket.objects.filter(position__order=order, revoked_at=None).exists()


def test_sessions_add_their_price_and_their_capacity_is_enforced(alpha):
    from operations.ticketing.models import Session

    event = event_make(slug="sessions", currency="EUR")
    general = ticket_type_make(event, price="10", seats=10)
    workshop = Session.objects.create(event=event, title="Workshop", starts_at=event.starts_at, ends_at=event.ends_at,
                                      capacity=2, price=Decimal("5.50"))
    order = order_reserve(event=event, items=[Item(general.pk, 2, session_ids=[workshop.pk])])
    assert order.total == Decimal("31.00") and order.positions.filter(sessions=workshop).count() == 2
    with pytest.raises(OrderError) as error:
        order_reserve(event=event, items=[Item(general.pk, 1, session_ids=[workshop.pk])])
    assert error.value.code == "session_full"
    other = event_make(slug="other-sessions")
    foreign = Session.objects.create(event=other, title="Elsewhere", starts_at=other.starts_at, ends_at=other.ends_at)
    with pytest.raises(OrderError) as error:
        order_reserve(event=event, items=[Item(general.pk, 1, session_ids=[foreign.pk])])
    assert error.value.code == "session_unknown"


def test_beat_schedule_runs_the_tickets_email_catch_up_in_every_organization(org_a, org_b, in_schema,
                                                                            django_capture_on_commit_callbacks):
    from config.celery import app
    from operations.ticketing.tasks import order_emails_catch_up_all_organizations

    entry = app.conf.beat_schedule["ticketing-email-catch-up"]
    assert entry["task"] in app.tasks and entry["schedule"] <= 300
    with in_schema(org_b):
        event = event_make(slug="lost-mail")
        order = _complete(order_reserve(event=event, items=[Item(ticket_type_make(event).pk, 1)]))
        Order.objects.filter(pk=order.pk).update(confirmed_at=timezone.now() - timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        assert order_emails_catch_up_all_organizations() >= 1
    with in_schema(org_b):
        order.refresh_from_db()
        assert order.tickets_emailed_at is not None


def test_beat_schedule_runs_the_expiry_fan_out_every_minute():
    from config.celery import app

    entry = app.conf.beat_schedule["ticketing-expire-reservations"]
    assert entry["task"] in app.tasks and entry["schedule"] <= 60
