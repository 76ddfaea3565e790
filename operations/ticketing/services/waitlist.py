"""Waiting list: join when sold out; when seats free up the next person gets a held reservation
(a pending order) and an e-mail with a time-limited link to complete it."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from operations.audit.services import audit_record
from operations.core.queue import after_commit
from operations.events.models import Event
from operations.ticketing.errors import OrderError
from operations.ticketing.models import Order, Session, TicketType, WaitingListEntry

OFFER_HOURS = 24


def waiting_list_join(*, event: Event, email: str, name: str = "", ticket_type_id: int | None = None,
                      session_id: int | None = None, request=None) -> WaitingListEntry:
    """Add a person once per event, or once per session of it (a second join returns the open
    entry). Raises OrderError(sale_closed: registration is not open, so no seat could ever be
    offered; email_invalid, ticket_type_unknown, session_unknown)."""
    if not event.registration_is_open(timezone.now()):
        raise OrderError("Registration for this event is closed, so there is no waiting list.", code="sale_closed")
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise OrderError("Enter a valid e-mail address.", code="email_invalid") from None
    ticket_type = None
    if ticket_type_id:
        ticket_type = TicketType.objects.filter(event=event, pk=ticket_type_id, is_active=True,
                                                visibility=TicketType.Visibility.VISIBLE).first()
        if ticket_type is None:
            raise OrderError("This ticket is not available.", code="ticket_type_unknown")
    session = None
    if session_id:
        session = Session.objects.filter(event=event, pk=session_id, has_waiting_list=True).first()
        if session is None:
            raise OrderError("This session has no waiting list.", code="session_unknown")
    open_states = [WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED]
    same = {"event": event, "email": email, "session": session, "status__in": open_states}
    if existing := WaitingListEntry.objects.filter(**same).first():
        return existing
    try:
        with transaction.atomic():
            entry = WaitingListEntry.objects.create(event=event, email=email, name=(name or "")[:200],
                                                    ticket_type=ticket_type, session=session)
            audit_record("waiting_list.joined", target=entry, request=request,
                         after={"email": email, "session": session.title if session else None})
    except IntegrityError:
        return WaitingListEntry.objects.get(**same)
    return entry


def _offer_settle(entry: WaitingListEntry, status: str) -> None:
    """Close an open offer (accepted or lapsed), audited; the person whose offer lapsed is told
    after commit. Call with the entry locked."""
    from operations.ticketing.tasks import waiting_list_lapsed_email

    before = {"status": entry.status}
    entry.status = status
    entry.save(update_fields=["status"])
    audit_record(f"waiting_list.{status}", target=entry, before=before,
                 after={"status": status, "order": entry.order.code if entry.order else None})
    if status == WaitingListEntry.Status.LAPSED:
        after_commit(waiting_list_lapsed_email, entry_id=entry.pk)


def _offer_outcome(entry: WaitingListEntry) -> str | None:
    """What became of an offer: accepted once its order was submitted (a submission always sets
    the payment method, so an order cancelled or refunded later still counts as accepted); lapsed
    when the held order ran out or was cancelled unsubmitted, or is gone; None while it is held."""
    order = entry.order
    if order is None:
        return WaitingListEntry.Status.LAPSED
    if order.payment_method or order.status not in (Order.Status.PENDING, Order.Status.EXPIRED,
                                                    Order.Status.CANCELLED):
        return WaitingListEntry.Status.ACCEPTED
    if order.status in (Order.Status.EXPIRED, Order.Status.CANCELLED):
        return WaitingListEntry.Status.LAPSED
    return None


def waiting_list_offer_accept(*, order: Order) -> int:
    """Mark the offer that held ``order`` accepted, at once (call when the order is submitted, in
    its transaction). Offer runs settle it anyway; this only spares the wait. Returns how many
    entries changed (0 or 1)."""
    changed = 0
    with transaction.atomic():
        for entry in (WaitingListEntry.objects.select_for_update(of=("self",)).select_related("order")
                      .filter(order=order, status=WaitingListEntry.Status.OFFERED)):
            _offer_settle(entry, WaitingListEntry.Status.ACCEPTED)
            changed += 1
    return changed


def waiting_list_offers_settle(*, event: Event) -> int:
    """Close the event's open offers that are decided (see _offer_outcome). Entries another run
    holds are skipped: that run settles them. Returns how many changed."""
    changed = 0
    with transaction.atomic():
        for entry in (WaitingListEntry.objects.select_for_update(skip_locked=True, of=("self",))
                      .select_related("order").filter(event=event, status=WaitingListEntry.Status.OFFERED)
                      .order_by("pk")):
            if outcome := _offer_outcome(entry):
                _offer_settle(entry, outcome)
                changed += 1
    return changed


def waiting_list_offer_next(*, event_id: int, now=None) -> int:
    """Offer freed seats to the people waiting longest, after settling the offers that were
    decided (accepted, or lapsed: that person is told). Each entry is offered at most once, even
    when runs overlap: it is claimed under a row lock (SKIP LOCKED: an entry another run holds is
    that run's) and re-read as still waiting; its held order, its new status and its e-mail commit
    together (the e-mail after commit). Returns the number of offers made."""
    from operations.ticketing.services.orders import Item, order_reserve
    from operations.ticketing.tasks import waiting_list_offer_email

    now = now or timezone.now()
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return 0
    waiting_list_offers_settle(event=event)
    offers = 0
    default_type = (TicketType.objects.filter(event=event, is_active=True, visibility=TicketType.Visibility.VISIBLE)
                    .order_by("position", "pk").first())
    # A list that could not be served (the event, or one session, still full) waits for the next
    # release; the others still get their turn.
    full: set[int | None] = set()
    waiting = list(WaitingListEntry.objects.filter(event=event, status=WaitingListEntry.Status.WAITING)
                   .order_by("created_at", "pk").values_list("pk", "session_id"))
    for entry_id, session_id in waiting:
        if session_id in full or None in full:  # no seat for the event: none for its sessions either
            continue
        with transaction.atomic():
            entry = (WaitingListEntry.objects.select_for_update(skip_locked=True)
                     .filter(pk=entry_id, status=WaitingListEntry.Status.WAITING).first())
            if entry is None:
                continue  # another run holds it, or has offered it already
            ticket_type = entry.ticket_type or default_type
            if ticket_type is None:
                break
            sessions = [entry.session_id] if entry.session_id else []
            try:
                # Within this transaction: the held order exists only if the entry says so.
                order = order_reserve(event=event, items=[Item(ticket_type.pk, 1, session_ids=sessions)], now=now,
                                      hold_minutes=OFFER_HOURS * 60)
            except OrderError as error:
                full.add(entry.session_id if error.code == "session_full" else None)
                continue
            order.email, order.name = entry.email, entry.name
            order.save(update_fields=["email", "name"])
            entry.status, entry.offered_at, entry.offer_expires_at, entry.order = (
                WaitingListEntry.Status.OFFERED, now, order.expires_at, order)
            entry.save(update_fields=["status", "offered_at", "offer_expires_at", "order"])
            audit_record("waiting_list.offered", target=entry, after={"order": order.code})
            after_commit(waiting_list_offer_email, entry_id=entry.pk)
        offers += 1
    return offers
