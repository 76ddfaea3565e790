import datetime as dt
import io
import types
import zoneinfo
from decimal import Decimal

import pytest
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Site

from cms.models import Branding, EventPage, HomePage
from operations.events.models import Event


def image_make(title: str, colour: str = "#336699", size=(800, 450)) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name=f"{title.lower().replace(' ', '-')}.png"))


def event_make(slug="summit", *, zone="Asia/Seoul", start=dt.datetime(2031, 5, 20, 9, 30), hours=8, **fields) -> Event:
    starts = start.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    fields = {"name": slug.title(), "timezone": zone, "status": Event.Status.PUBLISHED, "venue_name": "COEX",
              "city": "Seoul", "country": "KR", "currency": "KRW", **fields}
    return Event.objects.create(slug=slug, starts_at=starts, ends_at=starts + dt.timedelta(hours=hours), **fields)


def event_page_publish(event: Event, *, parent=None, **fields) -> EventPage:
    parent = parent or HomePage.objects.get()
    fields.setdefault("title", event.name)
    page = parent.add_child(instance=EventPage(event=event, **fields))
    page.save_revision().publish()
    return page


def branding_set(**values) -> Branding:
    branding = Branding.objects.get(site=Site.objects.get())
    for name, value in values.items():
        setattr(branding, name, value)
    branding.full_clean()
    branding.save()
    return branding


@pytest.fixture
def ticket_offers(monkeypatch):
    """Stands in for operations.ticketing.selectors.ticket_type_offers (the ticketing contract):
    returns the offers in ``ticket_offers.offers``."""
    state = types.SimpleNamespace(offers=[], calls=0)

    def ticket_type_offers(*, event):
        state.calls += 1
        return state.offers

    import operations.ticketing.selectors as module

    monkeypatch.setattr(module, "ticket_type_offers", ticket_type_offers)
    return state


def offer(name="General admission", price="30000", available=True, remaining=100, **fields) -> dict:
    return {"name": name, "description": "", "price": Decimal(price), "currency": "KRW", "available": available,
            "remaining": remaining, "sale_starts_at": dt.datetime(2031, 1, 1, 0, 0, tzinfo=dt.UTC),
            "sale_ends_at": None, **fields}
