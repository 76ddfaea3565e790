"""Redeeming a scanned ticket at a door: the answer (admitted or refused with a reason) and the
record of it.

Guarantees (DESIGN.md invariant 3): a ticket is admitted once per list unless the list allows
re-entry, under any concurrency: the ticket row is locked (SELECT ... FOR UPDATE) and the rules are
checked under the lock, inside one transaction. A scan retried with the same nonce gets the same
answer and writes nothing. Offline scans synced later follow one deterministic rule: the earliest
scan time wins (ties: the smaller nonce); the other admission is kept as a conflict (``lost_to``).
"""

import base64
import json
import time
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from operations.audit.services import audit_record
from operations.checkin.errors import CheckInError
from operations.checkin.models import ADMITTED, CheckinList, Scan
from operations.checkin.queries import scan_insert, scans_standing, ticket_lock
from operations.checkin.selectors import ticket_state
from operations.checkin.services.live import marker_bump
from operations.ticketing.models import Ticket
from operations.ticketing.services.signing import PREFIX, signing_key_get

REASONS = {
    "ok": "Welcome!",
    "already_checked_in": "Already checked in.",
    "unknown": "This code is not a ticket of this organization.",
    "invalid_signature": "This QR code is forged or damaged: its signature does not verify.",
    "unpaid": "This ticket's order is not paid or not approved yet.",
    "cancelled": "This ticket was cancelled, refunded or replaced by another ticket.",
    "wrong_list": "This ticket is not valid at this entrance.",
    "not_yet_valid": "This entrance is not open yet.",
    "expired": "This entrance is closed.",
}
# An offline scan may not claim a time in the future (a phone's clock off by a little is tolerated).
CLOCK_SKEW = timedelta(minutes=2)
_KEYS: dict[str, tuple[float, bytes, Ed25519PublicKey]] = {}


def _public_key(fresh: bool = False) -> Ed25519PublicKey:
    """The organization's public key, kept a minute per process (one query saved per scan)."""
    schema = connection.schema_name
    cached = _KEYS.get(schema)
    if cached and cached[0] > time.monotonic() and not fresh:
        return cached[2]
    raw = bytes(signing_key_get().public_key)
    key = Ed25519PublicKey.from_public_bytes(raw)
    _KEYS[schema] = (time.monotonic() + 60, raw, key)
    return key


def public_key_raw() -> bytes:
    """The raw 32-byte public key (what tweetnacl takes on the scanner)."""
    _public_key()
    return _KEYS[connection.schema_name][1]


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def scanned_parse(scanned: str) -> tuple[str | None, int | None, str | None]:
    """(ticket code, event id from the payload, refusal reason) from what a scanner read: a signed
    payload ``T1.<body>.<sig>`` or a bare ticket code typed by hand."""
    scanned = (scanned or "").strip()
    if not scanned or len(scanned) > 2000:
        return None, None, "unknown"
    if scanned.startswith(PREFIX + "."):
        try:
            _, body, signature = scanned.split(".")
            raw, signature = _unb64(body), _unb64(signature)
            try:
                _public_key().verify(signature, raw)
            except InvalidSignature:
                _public_key(fresh=True).verify(signature, raw)  # the key may have changed meanwhile
            data = json.loads(raw)
            return str(data["t"]), int(data["e"]), None
        except (ValueError, TypeError, KeyError, InvalidSignature):
            return None, None, "invalid_signature"
    if len(scanned) > 40 or any(c.isspace() for c in scanned):
        return None, None, "unknown"
    return scanned, None, None


def scan_time(value, now) -> datetime:
    """The time an offline device says it scanned, never later than now (+ a little clock skew)."""
    if value in (None, ""):
        return now
    when = None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            when = datetime.fromtimestamp(value / 1000, tz=dt_timezone.utc)  # milliseconds, as JavaScript's Date
        elif isinstance(value, str):
            when = parse_datetime(value)
    except (ValueError, OverflowError, OSError):
        when = None
    if when is None or timezone.is_naive(when):
        raise CheckInError("The scan time is not an ISO date-time with a time zone.", code="bad_scan_time")
    return min(when, now + CLOCK_SKEW)


def _notes(ticket: Ticket) -> list[str]:
    notes = []
    answers = ticket.position.answers or {}
    if isinstance(answers, dict):
        for key, value in answers.items():
            if isinstance(value, dict):
                label, value = value.get("label", key), value.get("value", value.get("answer"))
            else:
                label = key
            if value not in (None, "", [], False):
                notes.append(f"{label}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    if ticket.position.order.status == "partially_refunded":
        notes.append("Order partly refunded.")
    return notes[:8]


def _answer(reason: str, *, ticket: Ticket | None, scan: Scan | None, first: Scan | None = None,
            conflict: bool = False) -> dict:
    answer = {"ok": reason == "ok", "reason": reason, "message": REASONS.get(reason, reason), "name": "",
              "ticket_type": "", "order": "", "notes": [], "scan_id": scan.pk if scan else None,
              "kind": scan.kind if scan else Scan.Kind.ENTRY, "conflict": conflict}
    if ticket is not None:
        position = ticket.position
        answer.update(name=position.attendee_name or position.order.name, ticket_type=position.ticket_type.name,
                      order=position.order.code, notes=_notes(ticket), code=ticket.code)
    if first is not None:
        answer.update(checked_in_at=first.scanned_at.isoformat(), checked_in_by=first.actor_label or "a scanner")
        local = timezone.localtime(first.scanned_at)
        answer["message"] = f"Already checked in at {local:%H:%M:%S} by {answer['checked_in_by']}."
    return answer


def _refusal_reason(checkin_list: CheckinList, ticket: Ticket, event_id: int | None, at: datetime) -> str | None:
    position = ticket.position
    if position.order.event_id != checkin_list.event_id or (event_id is not None and event_id != checkin_list.event_id):
        return "wrong_list"
    state = ticket_state(ticket)
    if state != "valid":
        return state
    if not checkin_list.all_ticket_types and position.ticket_type_id not in {t.pk for t in checkin_list.ticket_types.all()}:
        return "wrong_list"
    # Session attendance: the attendee must have picked one of the list's sessions. Lists loaded
    # with the flag (with_rule_flags(), checkin_list_for_redeem()) know without a query whether
    # they have sessions at all.
    has_sessions = getattr(checkin_list, "has_session_rule", None)
    if has_sessions is None:
        has_sessions = checkin_list.sessions.exists()
    if has_sessions and not position.sessions.filter(checkin_lists=checkin_list).exists():
        return "wrong_list"
    if checkin_list.valid_from and at < checkin_list.valid_from:
        return "not_yet_valid"
    if checkin_list.valid_until and at >= checkin_list.valid_until:
        return "expired"
    return None


def _record(checkin_list, ticket, result, *, kind, source, nonce, raw, scanned_at, now, actor, device,
            lost_to=None) -> Scan:
    return scan_insert(
        checkin_list=checkin_list, ticket=ticket, result=result, kind=kind, source=source, nonce=nonce,
        raw=(raw or "")[:80] if ticket is None else "", scanned_at=scanned_at, created_at=now,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=getattr(actor, "email", "") or "", device=(device or "")[:64], lost_to=lost_to)


def _replay(nonce: str) -> dict | None:
    """The answer a nonce already got (a retried request)."""
    scan = (Scan.objects.select_related("ticket__position__order", "ticket__position__ticket_type", "lost_to")
            .filter(nonce=nonce).first())
    if scan is None:
        return None
    first = scan.lost_to if scan.result == "already_checked_in" else None
    if scan.result == "already_checked_in" and first is None and scan.ticket_id:
        first = (Scan.objects.filter(ADMITTED, checkin_list_id=scan.checkin_list_id, ticket_id=scan.ticket_id,
                                     kind=Scan.Kind.ENTRY).order_by("scanned_at", "id").first())
    return _answer(scan.result, ticket=scan.ticket, scan=scan, first=first, conflict=scan.lost_to_id is not None)


def _earlier(scanned_at, nonce, other: Scan) -> bool:
    return (scanned_at, nonce or "") < (other.scanned_at, other.nonce or "")


def checkin_redeem(*, checkin_list: CheckinList, scanned: str, actor=None, nonce: str = "", kind: str = "entry",
                   source: str = "camera", scanned_at=None, device: str = "", now: datetime | None = None) -> dict:
    """Admit or refuse what a scanner read on ``checkin_list``; return the answer for the door:
    ``{"ok", "reason", "message", "name", "ticket_type", "order", "notes", ...}`` where reason is one
    of REASONS (``already_checked_in`` also carries ``checked_in_at`` and ``checked_in_by``).

    Every answer is recorded (refusals too). ``source="offline"`` applies the conflict rule.
    Raises CheckInError for requests that cannot be answered: exit scans on an entry-only list
    (exit_not_allowed), an unknown kind (bad_kind), a malformed scan time (bad_scan_time)."""
    now = now or timezone.now()
    if kind not in Scan.Kind.values:
        raise CheckInError("A scan is an entry or an exit.", code="bad_kind")
    if kind == Scan.Kind.EXIT and not checkin_list.allow_exit:
        raise CheckInError("This list only scans people in.", code="exit_not_allowed")
    if source not in Scan.Source.values:
        source = Scan.Source.CAMERA
    nonce = (nonce or "").strip()[:64] or None
    scanned_at = scan_time(scanned_at, now) if source == Scan.Source.OFFLINE else now
    # A retried nonce is caught by the unique index when its scan row is written (the transaction
    # rolls back and the first answer is returned): no extra query on the common path.
    code, event_id, reason = scanned_parse(scanned)
    try:
        with transaction.atomic():
            ticket = None
            if reason is None:
                ticket = ticket_lock(code)
                reason = "unknown" if ticket is None else _refusal_reason(checkin_list, ticket, event_id, scanned_at)
            common = dict(kind=kind, source=source, nonce=nonce, raw=scanned, scanned_at=scanned_at, now=now,
                          actor=actor, device=device)
            if reason is not None:
                scan = _record(checkin_list, ticket, reason, **common)
                answer = _answer(reason, ticket=ticket, scan=scan)
            else:
                answer = _admit(checkin_list, ticket, nonce, common)
            transaction.on_commit(lambda: marker_bump(checkin_list.event_id))
            return answer
    except IntegrityError:
        # A nonce seen before (a retry, or the same retry twice at once): the first answer stands.
        if nonce and (previous := _replay(nonce)):
            return previous
        raise


def _admit(checkin_list: CheckinList, ticket: Ticket, nonce, common: dict) -> dict:
    """The rules that need the ticket's lock: once per list, inside/outside, offline conflicts."""
    kind, scanned_at, source = common["kind"], common["scanned_at"], common["source"]
    standing = scans_standing(checkin_list.pk, ticket.pk)
    entries = [s for s in standing if s.kind == Scan.Kind.ENTRY]
    inside = bool(standing) and standing[-1].kind == Scan.Kind.ENTRY
    if kind == Scan.Kind.EXIT:
        if not inside:
            scan = _record(checkin_list, ticket, "wrong_list", **common)
            answer = _answer("wrong_list", ticket=ticket, scan=scan)
            answer["message"] = "Not checked in on this list: nothing to check out."
            return answer
        return _admitted(checkin_list, ticket, common)
    first = None
    if checkin_list.allow_reentry:
        first = standing[-1] if inside and checkin_list.allow_exit else None
    elif entries:
        first = entries[0]
    if first is None:
        return _admitted(checkin_list, ticket, common)
    if source == Scan.Source.OFFLINE and not checkin_list.allow_reentry:
        # Two devices admitted the same ticket while apart: the earliest scan wins, whatever the
        # order in which they sync, and the other is kept as a conflict.
        if _earlier(scanned_at, nonce, first):
            answer = _admitted(checkin_list, ticket, common)
            Scan.objects.filter(pk=first.pk).update(lost_to_id=answer["scan_id"])
            audit_record("checkin.conflict", actor=common["actor"], target=ticket,
                         before={"winner": first.pk}, after={"winner": answer["scan_id"], "loser": first.pk})
            answer["conflict"] = True
            return answer
        scan = _record(checkin_list, ticket, "already_checked_in", lost_to=first, **common)
        audit_record("checkin.conflict", actor=common["actor"], target=ticket,
                     after={"winner": first.pk, "loser": scan.pk})
        return _answer("already_checked_in", ticket=ticket, scan=scan, first=first, conflict=True)
    scan = _record(checkin_list, ticket, "already_checked_in", **common)
    return _answer("already_checked_in", ticket=ticket, scan=scan, first=first)


def _admitted(checkin_list, ticket, common) -> dict:
    scan = _record(checkin_list, ticket, "ok", **common)
    audit_record(f"checkin.{common['kind']}", actor=common["actor"], target=ticket,
                 after={"list": checkin_list.pk, "scan": scan.pk, "source": common["source"],
                        "scanned_at": common["scanned_at"].isoformat()})
    return _answer("ok", ticket=ticket, scan=scan)


def checkin_sync(*, scans: list, actor=None, device: str = "", lists: dict[int, CheckinList]) -> list[dict]:
    """Redeem the scans a device queued while offline, earliest first; one answer per scan, in the
    order given. Each item: {"nonce", "scanned", "scanned_at", "list", "kind"}. ``lists`` maps the
    ids the device may use to this organization's lists (others are refused as wrong_list)."""
    now = timezone.now()
    prepared = []
    for index, item in enumerate(scans):
        if not isinstance(item, dict):
            raise CheckInError("Each queued scan is an object.", code="bad_sync")
        prepared.append((scan_time(item.get("scanned_at"), now), index, item))
    answers: list[dict | None] = [None] * len(prepared)
    for scanned_at, index, item in sorted(prepared, key=lambda p: (p[0], p[1])):
        checkin_list = lists.get(_int(item.get("list")))
        if checkin_list is None:
            answers[index] = {"ok": False, "reason": "wrong_list", "message": REASONS["wrong_list"],
                              "nonce": item.get("nonce")}
            continue
        try:
            answer = checkin_redeem(checkin_list=checkin_list, scanned=str(item.get("scanned") or ""), actor=actor,
                                    nonce=str(item.get("nonce") or ""), kind=str(item.get("kind") or "entry"),
                                    source=Scan.Source.OFFLINE, scanned_at=scanned_at.isoformat(), device=device)
        except CheckInError as error:
            answer = {"ok": False, "reason": error.code, "message": error.message}
        answers[index] = {**answer, "nonce": item.get("nonce")}
    return answers


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
