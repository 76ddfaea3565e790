"""What an event must say about itself before attendees can rely on it (Event.clean)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from operations.events.models import Event

S, F = Event.Status, Event.Format


@pytest.fixture
def alpha(org_a, in_schema):
    with in_schema(org_a):
        yield org_a


def _event(**fields) -> Event:
    starts = timezone.now() + timedelta(days=10)
    values = {"name": "Talk", "slug": "talk", "currency": "EUR", "timezone": "UTC", "starts_at": starts,
              "ends_at": starts + timedelta(hours=2), "status": S.PUBLISHED, "format": F.IN_PERSON,
              "venue_name": "Hall A", **fields}
    return Event(**values)


def _errors(event: Event) -> dict:
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    return error.value.message_dict


@pytest.mark.parametrize("fmt, missing", [(F.ONLINE, "online_url"), (F.HYBRID, "online_url"),
                                          (F.IN_PERSON, "venue_name"), (F.HYBRID, "venue_name")])
def test_a_published_event_needs_the_place_its_format_promises(alpha, fmt, missing):
    fields = {"format": fmt, "online_url": "https://meet.example.com/talk", "venue_name": "Hall A", missing: ""}
    assert "before it is published" in " ".join(_errors(_event(**fields))[missing])
    _event(**fields, status=S.DRAFT).full_clean()  # a draft may not know yet


def test_an_event_ends_after_it_starts_and_registration_closes_after_it_opens(alpha):
    event = _event()
    event.ends_at = event.starts_at
    event.registration_opens_at = event.starts_at - timedelta(days=1)
    event.registration_closes_at = event.registration_opens_at
    assert set(_errors(event)) == {"ends_at", "registration_closes_at"}


def test_a_complete_published_event_is_accepted(alpha):
    _event(format=F.HYBRID, online_url="https://meet.example.com/talk").full_clean()
