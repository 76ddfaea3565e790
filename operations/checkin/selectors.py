"""Read queries of check-in: lists, what a list admits, counts, search, the offline snapshot and the
dashboard. Everything runs in the current organization's schema."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from operations.checkin.models import ADMITTED, CheckinList, Scan
from operations.ticketing.models import Order, Ticket

VALID_STATUSES = (Order.Status.CONFIRMED, Order.Status.PARTIALLY_REFUNDED)
CANCELLED_STATUSES = (Order.Status.CANCELLED, Order.Status.REFUNDED, Order.Status.EXPIRED)


def ticket_state(ticket: Ticket) -> str:
    """'valid', 'cancelled' or 'unpaid' for a ticket whose position and order are loaded.
    A revoked ticket (transferred or reissued) counts as cancelled: it must never open the door,
    and its holder should be told so rather than that the code is unknown. Unknown order statuses
    (added later, e.g. on hold) are not admissible: they read as unpaid."""
    if ticket.revoked_at is not None or ticket.position.is_cancelled:
        return "cancelled"
    status = ticket.position.order.status
    if status in VALID_STATUSES:
        return "valid"
    if status in CANCELLED_STATUSES:
        return "cancelled"
    return "unpaid"


def checkin_lists_for_event(event) -> list[CheckinList]:
    return list(CheckinList.objects.filter(event=event).prefetch_related("ticket_types", "sessions"))


def list_tickets_q(checkin_list: CheckinList, prefix: str = "") -> Q:
    """Tickets (prefix '') that belong on a list, whatever their order's state."""
    q = Q(**{f"{prefix}position__order__event_id": checkin_list.event_id})
    if not checkin_list.all_ticket_types:
        q &= Q(**{f"{prefix}position__ticket_type__in": checkin_list.ticket_types.all()})
    session_ids = [s.pk for s in checkin_list.sessions.all()]
    if session_ids:
        q &= Q(**{f"{prefix}position__sessions__in": session_ids})
    return q


def expected_tickets(checkin_list: CheckinList):
    """The valid tickets a list should admit (the 'expected' of the counts)."""
    return (Ticket.objects.filter(list_tickets_q(checkin_list), revoked_at__isnull=True,
                                  position__is_cancelled=False, position__order__status__in=VALID_STATUSES)
            .distinct())


def admissions(checkin_list: CheckinList):
    return Scan.objects.filter(ADMITTED, checkin_list=checkin_list, kind=Scan.Kind.ENTRY)


def list_counts(checkin_list: CheckinList) -> dict:
    """Exact counts of one list: admitted (distinct tickets with a standing admission), expected,
    inside now (lists with exits). Another list's scans never enter these numbers."""
    admitted = admissions(checkin_list).values("ticket_id").distinct().count()
    counts = {"admitted": admitted, "expected": expected_tickets(checkin_list).count()}
    if checkin_list.allow_exit:
        counts["inside"] = tickets_inside(checkin_list).count()
    return counts


def tickets_inside(checkin_list: CheckinList):
    """Tickets whose latest standing scan on the list is an entry."""
    standing = Scan.objects.filter(ADMITTED, checkin_list=checkin_list)
    later_exit = standing.filter(ticket_id=OuterRef("ticket_id"), kind=Scan.Kind.EXIT, scanned_at__gt=OuterRef("scanned_at"))
    return (standing.filter(kind=Scan.Kind.ENTRY).annotate(left=Exists(later_exit)).filter(left=False)
            .values("ticket_id").distinct())


def ticket_search(checkin_list: CheckinList, query: str, limit: int = 20) -> list[dict]:
    """Tickets of the list's event matching a name, an e-mail or a confirmation number."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    q = (Q(position__attendee_name__icontains=query) | Q(position__attendee_email__iexact=query)
         | Q(position__order__email__iexact=query) | Q(position__order__name__icontains=query)
         | Q(position__order__code__iexact=query) | Q(code=query))
    tickets = (Ticket.objects.filter(q, position__order__event_id=checkin_list.event_id)
               .select_related("position__order", "position__ticket_type")
               .order_by(Lower("position__attendee_name"), "id")[:limit])
    admitted = set(admissions(checkin_list).filter(ticket__in=[t.pk for t in tickets]).values_list("ticket_id", flat=True))
    return [{"id": t.pk, "code": t.code, "name": t.position.attendee_name or t.position.order.name,
             "email": t.position.attendee_email or t.position.order.email, "order": t.position.order.code,
             "ticket_type": t.position.ticket_type.name, "state": ticket_state(t), "admitted": t.pk in admitted}
            for t in tickets]


def list_snapshot(checkin_list: CheckinList) -> list[dict]:
    """What the scanner keeps offline: every ticket of the list's event (revoked ones too, so the
    phone can say 'cancelled'), with the state it reads as and whether it is admitted already."""
    tickets = (Ticket.objects.filter(position__order__event_id=checkin_list.event_id)
               .select_related("position__order", "position__ticket_type")
               .prefetch_related("position__sessions").order_by("id"))
    allowed_types = None if checkin_list.all_ticket_types else {t.pk for t in checkin_list.ticket_types.all()}
    session_ids = {s.pk for s in checkin_list.sessions.all()}
    admitted = set(admissions(checkin_list).values_list("ticket_id", flat=True))
    rows = []
    for ticket in tickets:
        position = ticket.position
        on_list = ((allowed_types is None or position.ticket_type_id in allowed_types)
                   and (not session_ids or any(s.pk in session_ids for s in position.sessions.all())))
        rows.append({"c": ticket.code, "n": position.attendee_name or position.order.name,
                     "t": position.ticket_type.name, "o": position.order.code, "s": ticket_state(ticket),
                     "l": on_list, "a": ticket.pk in admitted})
    return rows


def dashboard_data(event) -> dict:
    """Everything the live dashboard shows for one event, in a few aggregate queries."""
    now = timezone.now()
    lists = []
    for checkin_list in checkin_lists_for_event(event):
        counts = list_counts(checkin_list)
        by_type = {row["ticket__position__ticket_type__name"]: row["n"] for row in
                   admissions(checkin_list).order_by().values("ticket__position__ticket_type__name")
                   .annotate(n=Count("ticket_id", distinct=True))}
        expected_by_type = {row["position__ticket_type__name"]: row["n"] for row in
                            expected_tickets(checkin_list).order_by().values("position__ticket_type__name")
                            .annotate(n=Count("id", distinct=True))}
        types = [{"name": name, "admitted": by_type.get(name, 0), "expected": expected}
                 for name, expected in sorted(expected_by_type.items())]
        lists.append({"id": checkin_list.pk, "name": checkin_list.name, **counts, "types": types})
    scans = Scan.objects.filter(checkin_list__event=event)
    since = now - timedelta(hours=2)
    buckets: dict[int, int] = {}
    for scanned_at in scans.filter(ADMITTED, kind=Scan.Kind.ENTRY, scanned_at__gte=since).values_list("scanned_at", flat=True):
        slot = int(scanned_at.timestamp()) // 300 * 300
        buckets[slot] = buckets.get(slot, 0) + 1
    refusals = dict(scans.exclude(result="ok").filter(lost_to__isnull=True).values_list("result")
                    .annotate(n=Count("id")).order_by())
    last = [scan_json(s) for s in scans.select_related("ticket__position__ticket_type", "ticket__position__order",
                                                      "checkin_list").order_by("-id")[:15]]
    conflicts = [scan_json(s) for s in scans.filter(lost_to__isnull=False)
                 .select_related("ticket__position__ticket_type", "ticket__position__order", "checkin_list")
                 .order_by("-id")[:10]]
    return {"lists": lists, "arrivals": [{"at": slot, "n": n} for slot, n in sorted(buckets.items())],
            "refusals": refusals, "last": last, "conflicts": conflicts,
            "conflict_count": scans.filter(lost_to__isnull=False).count(), "generated_at": now.isoformat()}


def scan_json(scan: Scan) -> dict:
    position = scan.ticket.position if scan.ticket_id else None
    return {"id": scan.pk, "result": scan.result, "kind": scan.kind, "list": scan.checkin_list.name,
            "name": (position.attendee_name or position.order.name) if position else "",
            "ticket_type": position.ticket_type.name if position else "", "at": scan.scanned_at.isoformat(),
            "by": scan.actor_label, "source": scan.source, "undone": scan.undone_at is not None,
            "conflict": scan.lost_to_id is not None}
