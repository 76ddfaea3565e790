"""Small builders for ticketing tests (call inside the organization's schema)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from operations.events.models import Event
from operations.ticketing.models import Quota, TicketType


def event_make(*, slug="conf", currency="EUR", **fields) -> Event:
    now = timezone.now()
    fields.setdefault("starts_at", now + timedelta(days=30))
    fields.setdefault("ends_at", fields["starts_at"] + timedelta(hours=8))
    fields.setdefault("status", Event.Status.PUBLISHED)
    fields.setdefault("timezone", "Asia/Seoul")
    return Event.objects.create(name=fields.pop("name", f"Conference {slug}"), slug=slug, currency=currency, **fields)


def ticket_type_make(event, *, name="General", price="0", seats=100, quota=None, **fields) -> TicketType:
    ticket_type = TicketType.objects.create(event=event, name=name, price=Decimal(price), **fields)
    if quota is None and seats is not None:
        quota = Quota.objects.create(event=event, name=f"{name} seats", size=seats)
    if quota is not None:
        ticket_type.quotas.add(quota)
    return ticket_type
