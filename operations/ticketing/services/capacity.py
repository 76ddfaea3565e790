"""Capacity: remaining seats computed from the positions that hold them, and the locks that make
checking and taking seats one atomic step.

Lock order (everywhere, to rule out deadlocks): quotas by id, then sessions by id, then the promo
code, then the order (then ticket types, for limits per e-mail). Every lock waits at most
LOCK_TIMEOUT; callers retry and finally say "busy". A reservation writes its order before it
takes any of them (orders.py): the locks are held from the count to the commit only.
"""

import time
from collections.abc import Callable, Iterable

from django.db import OperationalError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from operations.ticketing.errors import OrderError
from operations.ticketing.models import Quota, Session, seat_holding_q
from operations.ticketing.queries import quotas_locked, seats_held

LOCK_TIMEOUT = "3s"
ATTEMPTS = 4


def locks_timeout_set() -> None:
    """Bound how long this transaction waits for any row lock."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


def quotas_lock(quota_ids: Iterable[int]) -> list[Quota]:
    """Lock the quota rows in id order (call inside a transaction)."""
    ids = sorted(set(quota_ids))
    return quotas_locked(ids) if ids else []


def sessions_lock(session_ids: Iterable[int]) -> list[Session]:
    """Lock the session rows in id order. NO KEY UPDATE: it does not wait for the KEY SHARE locks
    that uncommitted positions picking these sessions hold on them (a reservation writes its
    positions before it takes the locks), and still excludes every other locker."""
    ids = sorted(set(session_ids))
    if not ids:
        return []
    return list(Session.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk"))


def quota_used(quotas: list[Quota], *, now=None) -> dict[int, int]:
    """Seats held per quota id (pending-unexpired, awaiting and confirmed orders)."""
    if not quotas:
        return {}
    held = seats_held([quota.pk for quota in quotas], now=now or timezone.now())
    return {quota.pk: held.get(quota.pk, 0) for quota in quotas}


def session_used(sessions: list[Session], *, now=None) -> dict[int, int]:
    now = now or timezone.now()
    if not sessions:
        return {}
    rows = (
        Session.objects.filter(pk__in=[s.pk for s in sessions])
        .annotate(n=Count("positions", filter=Q(positions__is_cancelled=False)
                          & seat_holding_q(now, prefix="positions__order__")))
        .values_list("pk", "n")
    )
    return dict(rows)


def quota_remaining(quota: Quota, *, now=None) -> int:
    return max(quota.size - quota_used([quota], now=now)[quota.pk], 0)


def ticket_type_remaining(ticket_type, *, now=None) -> int:
    """Live remaining seats of a type: the smallest remainder over its quotas (0 without quota)."""
    quotas = list(ticket_type.quotas.all())
    if not quotas:
        return 0
    used = quota_used(quotas, now=now)
    return max(min(q.size - used[q.pk] for q in quotas), 0)


def order_seats_lock(order_id: int) -> None:
    """Lock the quotas and sessions an order's positions count against, in the lock order (call
    before locking the order itself)."""
    quotas_lock(Quota.objects.filter(ticket_types__positions__order_id=order_id).values_list("pk", flat=True))
    sessions_lock(Session.objects.filter(positions__order_id=order_id).values_list("pk", flat=True))


def order_hold_lapsed(order, now) -> bool:
    """True when ``order`` waits on a hold that ran out: its seats are no longer counted for it
    (until the expiry sweep marks it expired, or for good once it has)."""
    return order.status == order.Status.EXPIRED or (
        order.status in order.HOLDING_UNTIL_EXPIRY and order.expires_at is not None and order.expires_at <= now)


def order_fits(order, now) -> bool:
    """Would the seats (and session places) of ``order``, whose hold has lapsed and so is not
    counted, still fit? Call with order_seats_lock held."""
    positions = list(order.positions.filter(is_cancelled=False).prefetch_related("ticket_type__quotas", "sessions"))
    quotas = {quota.pk: quota for p in positions for quota in p.ticket_type.quotas.all()}
    used = quota_used(list(quotas.values()), now=now)
    for quota in quotas.values():
        wanted = sum(1 for p in positions if quota in p.ticket_type.quotas.all())
        if used[quota.pk] + wanted > quota.size:
            return False
    sessions = {s.pk: s for p in positions for s in p.sessions.all() if s.capacity is not None}
    taken = session_used(list(sessions.values()), now=now)
    for session in sessions.values():
        wanted = sum(1 for p in positions if session in p.sessions.all())
        if taken.get(session.pk, 0) + wanted > session.capacity:
            return False
    return True


def order_still_fits_check(order, now) -> None:
    """Refuse to go on with ``order`` when its hold lapsed and its seats were taken since (409).
    A lapsed order whose seats are still free goes on: they are counted for it again once it
    moves on. Call with order_seats_lock and the order locked."""
    if order_hold_lapsed(order, now) and not order_fits(order, now):
        raise OrderError("The hold on this order's seats ran out and they have been taken since. "
                         "Cancel the order, or raise the capacity first.", code="hold_lapsed")


def with_lock_retry(work: Callable):
    """Run ``work`` in its own transaction with a lock timeout, retrying when a lock is not
    granted in time; raise OrderError(code="busy") when it never is."""
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                locks_timeout_set()
                return work()
        except OperationalError as error:
            # 55P03 lock_not_available (lock_timeout), 40P01 deadlock_detected
            if getattr(error.__cause__, "sqlstate", None) not in ("55P03", "40P01"):
                raise
            time.sleep(0.05 * (attempt + 1))
    raise OrderError("Many people are registering right now. Please try again in a moment.", code="busy")
