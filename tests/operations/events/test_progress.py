"""Events move on with time: published → ongoing → completed (operations/events/progress.py)."""

from datetime import timedelta

from django.utils import timezone

from operations.audit.models import AuditEntry
from operations.events.models import Event
from operations.events.progress import events_progress
from tests.operations.ticketing.builders import event_make

S = Event.Status


def test_a_published_event_becomes_ongoing_when_it_starts_and_completed_when_it_ends(org_a, in_schema):
    with in_schema(org_a):
        event = event_make(slug="talk")
        assert events_progress() == 0
        started = event.starts_at + timedelta(minutes=1)
        assert events_progress(now=started) == 1
        event.refresh_from_db()
        assert event.status == S.ONGOING
        assert events_progress(now=started) == 0
        assert events_progress(now=event.ends_at) == 1
        event.refresh_from_db()
        assert event.status == S.COMPLETED
        moves = list(AuditEntry.objects.filter(action="event.progressed").order_by("pk").values_list("before", "after"))
        assert moves == [({"status": "published"}, {"status": "ongoing"}), ({"status": "ongoing"}, {"status": "completed"})]


def test_an_event_found_over_goes_straight_to_completed(org_a, in_schema):
    with in_schema(org_a):
        event = event_make(slug="past", starts_at=timezone.now() - timedelta(days=2))
        assert events_progress() == 1
        event.refresh_from_db()
        assert event.status == S.COMPLETED


def test_drafts_cancelled_and_archived_events_stay_as_they_are(org_a, in_schema):
    with in_schema(org_a):
        past = timezone.now() - timedelta(days=2)
        for status in (S.DRAFT, S.CANCELLED, S.ARCHIVED):
            event_make(slug=f"kept-{status}", status=status, starts_at=past)
        assert events_progress() == 0
        assert set(Event.objects.values_list("status", flat=True)) == {S.DRAFT, S.CANCELLED, S.ARCHIVED}


def test_the_beat_fans_out_over_organizations_every_few_minutes(org_a, org_b, in_schema):
    from config.celery import app
    from operations.events.tasks import events_progress_all_organizations

    entry = app.conf.beat_schedule["events-progress"]
    assert entry["task"] in app.tasks and entry["schedule"] <= 300
    with in_schema(org_b):
        event = event_make(slug="fan", starts_at=timezone.now() - timedelta(minutes=5))
    assert events_progress_all_organizations() >= 1
    with in_schema(org_b):
        event.refresh_from_db()
        assert event.status == S.ONGOING


def test_an_event_that_cannot_move_does_not_hold_back_the_others(org_a, in_schema, monkeypatch):
    from operations.events import progress

    with in_schema(org_a):
        past = timezone.now() - timedelta(hours=1)
        stuck, other = event_make(slug="stuck", starts_at=past), event_make(slug="other", starts_at=past)
        real = progress.audit_record

        def failing(action, *, target, **kwargs):
            if target.pk == stuck.pk:
                raise RuntimeError("audit store down")
            return real(action, target=target, **kwargs)

        monkeypatch.setattr(progress, "audit_record", failing)
        assert events_progress() == 1
        stuck.refresh_from_db()
        other.refresh_from_db()
        assert (stuck.status, other.status) == (S.PUBLISHED, S.ONGOING)
