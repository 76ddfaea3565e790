"""Order rules that are easy to break quietly: early-bird prices, promo code validity windows,
ticket types only a code unlocks, the minimum per order, approval holds that run out, the waiting
list hearing about an expiry, and the state machine's refusals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from operations.audit.models import AuditEntry
from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, PromoCode, Ticket, TicketType, WaitingListEntry
from operations.ticketing.selectors import ticket_type_offers
from operations.ticketing.services import lifecycle
from operations.ticketing.services.lifecycle import (
    TRANSITIONS,
    order_approve,
    order_cancel,
    order_expire_due,
    order_mark_paid,
    order_refund,
    order_reject,
)
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from operations.ticketing.services.waitlist import waiting_list_join
from tests.operations.ticketing.builders import event_make, ticket_type_make

S = Order.Status


@pytest.fixture
def alpha(org_a, in_schema):
    with in_schema(org_a):
        yield org_a


def _complete(order, *, now=None, method="offline"):
    return order_complete(order=order, name="Buyer", email="buyer@example.com", payment_method=method, now=now,
                          attendees=[Attendee(f"A{i}", f"a{i}@example.com") for i in range(order.positions.count())])


def _nothing_written(event) -> bool:
    return (not Order.objects.filter(event=event).exists()
            and not AuditEntry.objects.filter(action__startswith="order.").exists())


# Early-bird price ------------------------------------------------------------------------------

def test_the_early_price_is_charged_until_early_until_and_the_normal_price_from_then_on(alpha):
    now = timezone.now()
    event = event_make(slug="early")
    general = ticket_type_make(event, price="100", early_price="80", early_until=now + timedelta(days=1))
    early = order_reserve(event=event, items=[Item(general.pk, 2)], now=now)
    assert (early.subtotal, early.total) == (Decimal("160"), Decimal("160"))
    assert {p.price for p in early.positions.all()} == {Decimal("80")}
    on_the_dot = order_reserve(event=event, items=[Item(general.pk, 1)], now=general.early_until)
    later = order_reserve(event=event, items=[Item(general.pk, 1)], now=general.early_until + timedelta(minutes=1))
    assert on_the_dot.total == later.total == Decimal("100")


def test_the_offered_price_follows_the_early_bird_deadline_and_a_stale_early_price_is_refused(alpha):
    now = timezone.now()
    event = event_make(slug="early-offer")
    general = ticket_type_make(event, price="100", early_price="80", early_until=now + timedelta(days=1))
    assert ticket_type_offers(event=event, now=now)[0]["price"] == Decimal("80")
    after = general.early_until + timedelta(seconds=1)
    assert ticket_type_offers(event=event, now=after)[0]["price"] == Decimal("100")
    with pytest.raises(OrderError) as error:  # the buyer was shown the early price, then it ended
        order_reserve(event=event, items=[Item(general.pk, 1, expected_price=Decimal("80"))], now=after)
    assert error.value.code == "price_mismatch" and _nothing_written(event)


# Promo code validity window ---------------------------------------------------------------------

@pytest.mark.parametrize("moment, accepted", [
    ("before", False), ("at_start", True), ("inside", True), ("at_end", False), ("after", False)])
def test_a_promo_code_is_valid_only_inside_its_window(alpha, moment, accepted):
    now = timezone.now()
    event = event_make(slug="window")
    general = ticket_type_make(event, price="100")
    promo = PromoCode.objects.create(event=event, code="WINDOW", value=Decimal("10"),
                                     valid_from=now + timedelta(days=1), valid_until=now + timedelta(days=2))
    at = {"before": promo.valid_from - timedelta(seconds=1), "at_start": promo.valid_from,
          "inside": promo.valid_from + timedelta(hours=12), "at_end": promo.valid_until,
          "after": promo.valid_until + timedelta(seconds=1)}[moment]
    if accepted:
        order = order_reserve(event=event, items=[Item(general.pk, 1)], promo_code="window", now=at)
        assert order.promo_code == promo and order.total == Decimal("90")
    else:
        with pytest.raises(OrderError) as error:
            order_reserve(event=event, items=[Item(general.pk, 1)], promo_code="window", now=at)
        assert error.value.code == "promo_invalid" and _nothing_written(event)
    promo.refresh_from_db()
    assert promo.used_count == (1 if accepted else 0)


# Ticket types only a code unlocks ---------------------------------------------------------------

@pytest.mark.parametrize("visibility", [TicketType.Visibility.PROMO_ONLY, TicketType.Visibility.HIDDEN])
def test_a_ticket_type_that_is_not_visible_needs_a_code_that_unlocks_it(alpha, visibility):
    event = event_make(slug="unlock")
    ticket_type_make(event, name="General")
    special = ticket_type_make(event, name="Speaker", visibility=visibility)
    discount = PromoCode.objects.create(event=event, code="TENOFF", value=Decimal("10"))  # unlocks nothing
    unlocking = PromoCode.objects.create(event=event, code="SPEAK", value=Decimal("0"))
    unlocking.unlocks.add(special)
    for code in ("", "tenoff"):
        with pytest.raises(OrderError) as error:
            order_reserve(event=event, items=[Item(special.pk, 1)], promo_code=code)
        assert error.value.code == "ticket_type_hidden", code
    assert _nothing_written(event)
    discount.refresh_from_db()
    assert discount.used_count == 0
    order = order_reserve(event=event, items=[Item(special.pk, 1)], promo_code="speak")
    assert order.positions.get().ticket_type == special


@pytest.mark.parametrize("visibility", [TicketType.Visibility.PROMO_ONLY, TicketType.Visibility.HIDDEN])
def test_a_ticket_type_that_is_not_visible_is_not_offered(alpha, visibility):
    event = event_make(slug="unlisted")
    ticket_type_make(event, name="General")
    ticket_type_make(event, name="Speaker", visibility=visibility)
    assert [offer["name"] for offer in ticket_type_offers(event=event)] == ["General"]


def test_an_inactive_code_unlocks_nothing(alpha):
    event = event_make(slug="unlock-inactive")
    special = ticket_type_make(event, name="Speaker", visibility=TicketType.Visibility.PROMO_ONLY)
    promo = PromoCode.objects.create(event=event, code="SPEAK", value=Decimal("0"), is_active=False)
    promo.unlocks.add(special)
    with pytest.raises(OrderError) as error:
        order_reserve(event=event, items=[Item(special.pk, 1)], promo_code="speak")
    assert error.value.code == "promo_invalid" and _nothing_written(event)


# Minimum per order ------------------------------------------------------------------------------

def test_fewer_than_the_minimum_per_order_is_refused_with_nothing_written(alpha):
    event = event_make(slug="minimum")
    table = ticket_type_make(event, name="Table", price="50", seats=10, min_per_order=4)
    promo = PromoCode.objects.create(event=event, code="TABLE", value=Decimal("10"), max_uses=5)
    with pytest.raises(OrderError) as error:
        order_reserve(event=event, items=[Item(table.pk, 3)], promo_code="table")
    assert error.value.code == "quantity_invalid" and _nothing_written(event)
    promo.refresh_from_db()
    assert promo.used_count == 0 and ticket_type_offers(event=event)[0]["remaining"] == 10
    assert order_reserve(event=event, items=[Item(table.pk, 4)]).positions.count() == 4


# Approval hold ----------------------------------------------------------------------------------

def test_an_approval_hold_that_ran_out_is_expired_by_the_sweep_and_frees_its_seat(
        alpha, django_capture_on_commit_callbacks):
    now = timezone.now()
    event = event_make(slug="approval-hold", requires_approval=True, approval_hold_hours=2)
    seat = ticket_type_make(event, price="0", seats=1)
    order = _complete(order_reserve(event=event, items=[Item(seat.pk, 1)], now=now), now=now)
    assert order.status == S.AWAITING_APPROVAL and order.expires_at == now + timedelta(hours=2)
    assert order_expire_due(now=order.expires_at - timedelta(seconds=1)) == 0
    order.refresh_from_db()
    assert order.status == S.AWAITING_APPROVAL
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert order_expire_due(now=order.expires_at) == 1
    order.refresh_from_db()
    assert order.status == S.EXPIRED
    entry = AuditEntry.objects.get(action="order.expired", target_id=str(order.pk))
    assert entry.before["status"] == S.AWAITING_APPROVAL and entry.after["status"] == S.EXPIRED
    assert [(m.to, "expired" in m.subject) for m in mail.outbox] == [(["buyer@example.com"], True)]
    assert ticket_type_offers(event=event, now=order.expires_at)[0]["remaining"] == 1
    assert order_reserve(event=event, items=[Item(seat.pk, 1)], now=order.expires_at).status == S.PENDING
    with pytest.raises(OrderError) as error:  # an expired registration is no longer there to approve
        order_approve(order=order, actor=None)
    assert error.value.code == "invalid_transition"


# Waiting list after an expiry -------------------------------------------------------------------

def test_an_order_that_expires_gives_its_seat_to_the_waiting_list(alpha, django_capture_on_commit_callbacks):
    event = event_make(slug="expiry-wait")
    seat = ticket_type_make(event, price="20", seats=1)
    unpaid = _complete(order_reserve(event=event, items=[Item(seat.pk, 1)]))
    assert unpaid.status == S.AWAITING_PAYMENT
    entry = waiting_list_join(event=event, email="next@example.com", name="Next")
    with django_capture_on_commit_callbacks(execute=True):
        assert order_expire_due() == 0  # nothing is due: nobody is offered anything
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.WAITING
    with django_capture_on_commit_callbacks(execute=True):
        assert order_expire_due(now=unpaid.expires_at) == 1
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED
    assert entry.order.status == S.PENDING and entry.order.email == "next@example.com"
    assert any(m.subject.startswith("A seat is free") and m.to == ["next@example.com"] for m in mail.outbox)


# The state machine's refusals -------------------------------------------------------------------

def test_every_status_has_a_row_in_the_transition_table():
    assert set(TRANSITIONS) == set(S.values)
    assert all(targets <= set(S.values) for targets in TRANSITIONS.values())


REFUSED = [(source, target) for source in S.values for target in S.values if target not in TRANSITIONS[source]]
ALLOWED = [(source, target) for source, targets in TRANSITIONS.items() for target in sorted(targets)]


@pytest.mark.parametrize("source, target", REFUSED)
def test_a_transition_not_in_the_table_is_refused(source, target):
    order = Order(status=source)
    with pytest.raises(OrderError) as error:
        lifecycle._move(order, target)
    assert error.value.code == "invalid_transition" and order.status == source


@pytest.mark.parametrize("source, target", ALLOWED)
def test_a_transition_in_the_table_is_made(source, target):
    order = Order(status=source)
    lifecycle._move(order, target)
    assert order.status == target


def _cancelled(event, ticket_type):
    order = order_mark_paid(order=_complete(order_reserve(event=event, items=[Item(ticket_type.pk, 1)])), actor=None)
    return order_cancel(order=order, actor=None, reason="Changed plans")


@pytest.mark.parametrize("act", [
    lambda order: order_approve(order=order, actor=None),
    lambda order: order_mark_paid(order=order, actor=None),
    lambda order: order_refund(order=order, amount="10", actor=None),
    lambda order: order_reject(order=order, actor=None, reason="No"),
    lambda order: order_cancel(order=order, actor=None),
], ids=["approve", "mark_paid", "refund", "reject", "cancel"])
def test_a_cancelled_order_cannot_move_on(alpha, act):
    event = event_make(slug="cancelled")
    order = _cancelled(event, ticket_type_make(event, price="20"))
    audited = AuditEntry.objects.count()
    with pytest.raises(OrderError) as error:
        act(order)
    assert error.value.code == "invalid_transition"
    order.refresh_from_db()
    assert order.status == S.CANCELLED and order.paid == 0 and AuditEntry.objects.count() == audited
    assert not Ticket.objects.filter(position__order=order, revoked_at=None).exists()


def test_a_confirmed_order_cannot_be_rejected_or_approved_and_keeps_its_tickets(alpha):
    event = event_make(slug="confirmed")
    order = _complete(order_reserve(event=event, items=[Item(ticket_type_make(event).pk, 1)]))
    assert order.status == S.CONFIRMED
    for act in (lambda: order_reject(order=order, actor=None, reason="Too late"),
                lambda: order_approve(order=order, actor=None), lambda: order_mark_paid(order=order, actor=None)):
        with pytest.raises(OrderError) as error:
            act()
        assert error.value.code == "invalid_transition"
    order.refresh_from_db()
    assert order.status == S.CONFIRMED and order.reason == ""
    assert Ticket.objects.filter(position__order=order, revoked_at=None).count() == 1


def test_an_order_awaiting_payment_cannot_be_refunded(alpha):
    event = event_make(slug="unpaid-refund")
    order = _complete(order_reserve(event=event, items=[Item(ticket_type_make(event, price="20").pk, 1)]))
    with pytest.raises(OrderError) as error:
        order_refund(order=order, amount="20", actor=None)
    assert error.value.code == "invalid_transition"
    order.refresh_from_db()
    assert order.status == S.AWAITING_PAYMENT
