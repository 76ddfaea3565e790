"""checkin_redeem: every reason code, exactly-once rules, nonces, list rules, offline conflicts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from operations.checkin.errors import CheckInError
from operations.checkin.models import CheckinList, Scan
from operations.checkin.selectors import list_counts
from operations.checkin.services.lists import checkin_list_default
from operations.checkin.services.redeem import checkin_redeem, checkin_sync
from operations.checkin.services.undo import checkin_undo
from operations.ticketing.models import Order, Session
from operations.ticketing.services.signing import ticket_payload
from tests.operations.checkin.builders import event_make, ticket_make, ticket_type_make


@pytest.fixture
def door(org_a, in_schema, member):
    with in_schema(org_a):
        staff = member(org_a, "staff")
        event = event_make(slug="door")
        general = ticket_type_make(event, name="General")
        vip = ticket_type_make(event, name="VIP")
        yield {"event": event, "general": general, "vip": vip, "list": checkin_list_default(event=event), "staff": staff}


def redeem(door, scanned, **kwargs):
    kwargs.setdefault("checkin_list", door["list"])
    kwargs.setdefault("actor", door["staff"])
    return checkin_redeem(scanned=scanned, **kwargs)


def test_valid_signed_ticket_is_admitted_with_name_and_type(door):
    ticket = ticket_make(door["event"], door["vip"], name="Kim Minji")
    answer = redeem(door, ticket_payload(ticket))
    assert answer["reason"] == "ok" and answer["ok"]
    assert answer["name"] == "Kim Minji" and answer["ticket_type"] == "VIP"
    assert list_counts(door["list"]) == {"admitted": 1, "expected": 1}


def test_second_scan_is_refused_with_first_scan_time_and_scanner(door):
    ticket = ticket_make(door["event"], door["general"])
    first = redeem(door, ticket_payload(ticket))
    second = redeem(door, ticket.code)
    assert second["reason"] == "already_checked_in" and not second["ok"]
    assert second["checked_in_by"] == door["staff"].email
    assert second["checked_in_at"] == Scan.objects.get(pk=first["scan_id"]).scanned_at.isoformat()
    assert list_counts(door["list"])["admitted"] == 1


def test_retried_scan_with_same_nonce_gets_same_answer_and_writes_nothing(door):
    ticket = ticket_make(door["event"], door["general"])
    first = redeem(door, ticket.code, nonce="n-1")
    again = redeem(door, ticket.code, nonce="n-1")
    assert first["reason"] == again["reason"] == "ok" and first["scan_id"] == again["scan_id"]
    assert Scan.objects.filter(ticket=ticket).count() == 1


def test_unknown_code_is_refused_and_recorded(door):
    answer = redeem(door, "no-such-ticket-code")
    assert answer["reason"] == "unknown"
    assert Scan.objects.filter(result="unknown", checkin_list=door["list"]).count() == 1


def test_tampered_payload_is_invalid_signature(door):
    ticket = ticket_make(door["event"], door["general"])
    prefix, body, signature = ticket_payload(ticket).split(".")
    forged = f"{prefix}.{body}.{'A' * len(signature)}"
    assert redeem(door, forged)["reason"] == "invalid_signature"
    assert redeem(door, "T1.garbage")["reason"] == "invalid_signature"


@pytest.mark.parametrize("status", ["pending", "awaiting_payment", "awaiting_approval", "on_hold"])
def test_unpaid_or_unknown_order_states_are_refused_as_unpaid(door, status):
    ticket = ticket_make(door["event"], door["general"], status=status)
    assert redeem(door, ticket_payload(ticket))["reason"] == "unpaid"


@pytest.mark.parametrize("status", ["cancelled", "refunded", "expired"])
def test_cancelled_refunded_expired_orders_are_refused_as_cancelled(door, status):
    ticket = ticket_make(door["event"], door["general"], status=status)
    assert redeem(door, ticket.code)["reason"] == "cancelled"


def test_revoked_ticket_after_transfer_is_cancelled(door):
    ticket = ticket_make(door["event"], door["general"])
    payload = ticket_payload(ticket)
    ticket.revoked_at = timezone.now()
    ticket.save()
    assert redeem(door, payload)["reason"] == "cancelled"


def test_partially_refunded_order_is_admitted(door):
    ticket = ticket_make(door["event"], door["general"], status=Order.Status.PARTIALLY_REFUNDED)
    assert redeem(door, ticket.code)["reason"] == "ok"


def test_ticket_of_another_event_or_type_is_wrong_list(door):
    other_event = event_make(slug="other")
    other = ticket_make(other_event, ticket_type_make(other_event))
    assert redeem(door, ticket_payload(other))["reason"] == "wrong_list"
    vip_only = CheckinList.objects.create(event=door["event"], name="VIP lounge", all_ticket_types=False)
    vip_only.ticket_types.add(door["vip"])
    general = ticket_make(door["event"], door["general"])
    assert redeem(door, general.code, checkin_list=vip_only)["reason"] == "wrong_list"
    vip = ticket_make(door["event"], door["vip"])
    assert redeem(door, vip.code, checkin_list=vip_only)["reason"] == "ok"


def test_session_list_admits_only_attendees_of_the_session(door):
    now = timezone.now()
    talk = Session.objects.create(event=door["event"], title="Keynote", starts_at=now, ends_at=now + timedelta(hours=1))
    room = CheckinList.objects.create(event=door["event"], name="Keynote room")
    room.sessions.add(talk)
    registered = ticket_make(door["event"], door["general"], sessions=[talk])
    not_registered = ticket_make(door["event"], door["general"])
    assert redeem(door, registered.code, checkin_list=room)["reason"] == "ok"
    assert redeem(door, not_registered.code, checkin_list=room)["reason"] == "wrong_list"
    assert list_counts(room) == {"admitted": 1, "expected": 1}


def test_window_refuses_before_and_after(door):
    now = timezone.now()
    early = CheckinList.objects.create(event=door["event"], name="Later", valid_from=now + timedelta(hours=1))
    late = CheckinList.objects.create(event=door["event"], name="Earlier", valid_until=now - timedelta(minutes=1))
    ticket = ticket_make(door["event"], door["general"])
    assert redeem(door, ticket.code, checkin_list=early)["reason"] == "not_yet_valid"
    assert redeem(door, ticket.code, checkin_list=late)["reason"] == "expired"


def test_a_scan_on_one_list_never_changes_another_lists_counts(door):
    side = CheckinList.objects.create(event=door["event"], name="Side door")
    ticket = ticket_make(door["event"], door["general"])
    assert redeem(door, ticket.code)["reason"] == "ok"
    assert list_counts(side)["admitted"] == 0
    assert redeem(door, ticket.code, checkin_list=side)["reason"] == "ok"
    assert list_counts(door["list"])["admitted"] == 1 and list_counts(side)["admitted"] == 1


def test_entry_and_exit_list_with_reentry(door):
    hall = CheckinList.objects.create(event=door["event"], name="Hall", allow_exit=True, allow_reentry=True)
    ticket = ticket_make(door["event"], door["general"])
    assert redeem(door, ticket.code, checkin_list=hall)["reason"] == "ok"
    assert redeem(door, ticket.code, checkin_list=hall)["reason"] == "already_checked_in"
    assert list_counts(hall)["inside"] == 1
    assert redeem(door, ticket.code, checkin_list=hall, kind="exit")["reason"] == "ok"
    assert list_counts(hall)["inside"] == 0
    assert redeem(door, ticket.code, checkin_list=hall, kind="exit")["reason"] == "wrong_list"
    assert redeem(door, ticket.code, checkin_list=hall)["reason"] == "ok"
    assert list_counts(hall) == {"admitted": 1, "expected": 1, "inside": 1}


def test_exit_on_an_entry_only_list_is_an_error(door):
    ticket = ticket_make(door["event"], door["general"])
    with pytest.raises(CheckInError) as caught:
        redeem(door, ticket.code, kind="exit")
    assert caught.value.code == "exit_not_allowed"


def test_undo_lets_the_ticket_in_again_and_is_audited(door):
    from operations.audit.models import AuditEntry

    ticket = ticket_make(door["event"], door["general"])
    first = redeem(door, ticket.code)
    with pytest.raises(CheckInError) as caught:
        checkin_undo(scan_id=first["scan_id"], actor=door["staff"], reason=" ")
    assert caught.value.code == "reason_required"
    checkin_undo(scan_id=first["scan_id"], actor=door["staff"], reason="Scanned the wrong person")
    assert list_counts(door["list"])["admitted"] == 0
    assert AuditEntry.objects.filter(action="checkin.undone", target_id=str(ticket.pk)).exists()
    assert redeem(door, ticket.code)["reason"] == "ok"
    with pytest.raises(CheckInError) as caught:
        checkin_undo(scan_id=first["scan_id"], actor=door["staff"], reason="again")
    assert caught.value.code == "not_admitted"


def _offline(door, ticket, at, nonce, device):
    return {"nonce": nonce, "scanned": ticket.code, "scanned_at": at.isoformat(), "list": door["list"].pk,
            "device": device}


def test_offline_conflict_earliest_scan_wins_whatever_the_sync_order(door):
    lists = {door["list"].pk: door["list"]}
    now = timezone.now()
    ticket = ticket_make(door["event"], door["general"])
    later = _offline(door, ticket, now - timedelta(minutes=5), "late-1", "phone-b")
    earlier = _offline(door, ticket, now - timedelta(minutes=9), "early-1", "phone-a")
    # The later scan syncs first and is admitted; the earlier one then takes its place.
    assert checkin_sync(scans=[later], actor=door["staff"], lists=lists)[0]["reason"] == "ok"
    answer = checkin_sync(scans=[earlier], actor=door["staff"], lists=lists)[0]
    assert answer["reason"] == "ok" and answer["conflict"]
    winner = Scan.objects.get(nonce="early-1")
    loser = Scan.objects.get(nonce="late-1")
    assert winner.is_admission and loser.lost_to_id == winner.pk
    assert list_counts(door["list"])["admitted"] == 1

    # The other order of arrival ends in the same state.
    other = ticket_make(door["event"], door["general"])
    first = _offline(door, other, now - timedelta(minutes=9), "early-2", "phone-a")
    second = _offline(door, other, now - timedelta(minutes=5), "late-2", "phone-b")
    answers = checkin_sync(scans=[first], actor=door["staff"], lists=lists) + \
        checkin_sync(scans=[second], actor=door["staff"], lists=lists)
    assert [a["reason"] for a in answers] == ["ok", "already_checked_in"] and answers[1]["conflict"]
    assert Scan.objects.get(nonce="early-2").is_admission
    assert Scan.objects.get(nonce="late-2").lost_to_id == Scan.objects.get(nonce="early-2").pk


def test_offline_scan_time_in_the_future_is_clamped_and_bad_time_refused(door):
    lists = {door["list"].pk: door["list"]}
    ticket = ticket_make(door["event"], door["general"])
    future = _offline(door, ticket, timezone.now() + timedelta(days=3), "f-1", "phone")
    checkin_sync(scans=[future], actor=door["staff"], lists=lists)
    assert Scan.objects.get(nonce="f-1").scanned_at <= timezone.now() + timedelta(minutes=3)
    millis = int((timezone.now() - timedelta(minutes=1)).timestamp() * 1000)
    answer = checkin_sync(scans=[{"nonce": "m-1", "scanned": ticket.code, "scanned_at": millis, "list": door["list"].pk}],
                          actor=door["staff"], lists=lists)[0]
    # Earlier than the clamped future scan: this one counts, the other becomes the conflict.
    assert answer["reason"] == "ok" and answer["conflict"]
    for bad in ("yesterday", 10 ** 30, "2026-01-01T10:00:00"):
        with pytest.raises(CheckInError) as caught:
            checkin_sync(scans=[{"nonce": "x", "scanned": ticket.code, "scanned_at": bad, "list": 1}],
                         actor=door["staff"], lists=lists)
        assert caught.value.code == "bad_scan_time"


def test_default_list_is_created_once(door):
    assert checkin_list_default(event=door["event"]).pk == door["list"].pk
    assert CheckinList.objects.filter(event=door["event"], is_default=True).count() == 1



def test_retried_refusal_gets_the_same_answer_once(door):
    first = redeem(door, "not-a-ticket", nonce="r-1")
    again = redeem(door, "not-a-ticket", nonce="r-1")
    assert first["reason"] == again["reason"] == "unknown" and first["scan_id"] == again["scan_id"]
    assert Scan.objects.filter(nonce="r-1").count() == 1


def test_dashboard_counts_per_list_and_type_refusals_and_conflicts(door):
    from operations.checkin.selectors import dashboard_data

    general = [ticket_make(door["event"], door["general"]) for _ in range(3)]
    vip = ticket_make(door["event"], door["vip"])
    ticket_make(door["event"], door["general"], status="pending")
    for ticket in general[:2]:
        redeem(door, ticket.code)
    redeem(door, general[0].code)
    redeem(door, "nope")
    lists = {door["list"].pk: door["list"]}
    now = timezone.now()
    checkin_sync(scans=[_offline(door, vip, now - timedelta(minutes=1), "v-2", "b"),
                        _offline(door, vip, now - timedelta(minutes=2), "v-1", "a")], actor=door["staff"], lists=lists)
    data = dashboard_data(door["event"])
    (main,) = data["lists"]
    assert (main["admitted"], main["expected"]) == (3, 4)
    assert main["types"] == [{"name": "General", "admitted": 2, "expected": 3}, {"name": "VIP", "admitted": 1, "expected": 1}]
    assert data["refusals"] == {"already_checked_in": 1, "unknown": 1}
    assert data["conflict_count"] == 1 and data["conflicts"][0]["conflict"]
    assert sum(bucket["n"] for bucket in data["arrivals"]) == 3
