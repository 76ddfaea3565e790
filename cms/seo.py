"""What search engines and link previews read: schema.org Event JSON-LD and the image to share."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils.safestring import mark_safe

from operations.events.models import Event

STATUS = {Event.Status.CANCELLED: "https://schema.org/EventCancelled"}
MODE = {
    Event.Format.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
    Event.Format.ONLINE: "https://schema.org/OnlineEventAttendanceMode",
    Event.Format.HYBRID: "https://schema.org/MixedEventAttendanceMode",
}
SHARE_IMAGE = "fill-1200x630|format-jpeg|jpegquality-80"


def event_jsonld(*, page, request, offers: list[dict]) -> dict | None:
    """schema.org Event for an event page; times carry the event's own UTC offset. None when the
    page presents no event."""
    event = page.event
    if event is None:
        return None
    url = page.get_full_url(request)
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": page.seo_title or page.title,
        "description": page.search_description or page.summary,
        "url": url,
        "startDate": event.local_starts_at.isoformat(),
        "endDate": event.local_ends_at.isoformat(),
        "eventStatus": STATUS.get(event.status, "https://schema.org/EventScheduled"),
        "eventAttendanceMode": MODE.get(event.format, MODE[Event.Format.IN_PERSON]),
        "location": _locations(event),
        "organizer": _organizer(request),
    }
    if image := share_image_url(page, request):
        data["image"] = [image]
    return event_jsonld_offers(data, offers)


def event_jsonld_offers(data: dict | None, offers: list[dict]) -> dict | None:
    """``data`` (an event's JSON-LD) with its live ``offers``; a copy, ``data`` is left as it was."""
    if data is None or not offers:
        return data
    return {**data, "offers": [_offer(offer, data["url"]) for offer in offers]}


def share_image_url(page, request) -> str:
    image = getattr(page, "hero_image", None)
    if image is None:
        return ""
    return request.build_absolute_uri(image.get_rendition(SHARE_IMAGE).url)


def jsonld_script(data) -> str:
    """The <script> element; "<", ">" and "&" are escaped so page text cannot close it."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


def _locations(event) -> list[dict] | dict:
    place = {
        "@type": "Place",
        "name": event.venue_name,
        "address": {"@type": "PostalAddress", "addressLocality": event.city, "addressCountry": event.country},
    }
    virtual = {"@type": "VirtualLocation", "url": event.online_url}
    if event.format == Event.Format.ONLINE:
        return virtual
    if event.format == Event.Format.HYBRID and event.online_url:
        return [place, virtual]
    return place


def _organizer(request) -> dict:
    organization = getattr(request, "tenant", None) or getattr(connection, "tenant", None)
    name = getattr(organization, "display_name", "") or getattr(organization, "name", "")
    return {"@type": "Organization", "name": name, "url": request.build_absolute_uri("/")}


def _offer(offer: dict, url: str) -> dict:
    data = {
        "@type": "Offer",
        "name": offer["name"],
        "price": str(offer["price"]),
        "priceCurrency": offer["currency"],
        "availability": "https://schema.org/InStock" if offer["available"] else "https://schema.org/SoldOut",
        "url": url,
    }
    if offer.get("sale_starts_at"):
        data["validFrom"] = offer["sale_starts_at"].isoformat()
    if offer.get("sale_ends_at"):
        data["validThrough"] = offer["sale_ends_at"].isoformat()
    return data
