"""Event services: clone an event with what it sells."""

from django.db import transaction
from django.utils.text import slugify

from operations.audit.services import audit_record
from operations.core.errors import DomainError
from operations.events.models import Event
from operations.events.signals import event_cloned


class EventError(DomainError):
    code = "event_invalid"


def event_clone(*, event: Event, name: str, slug: str, starts_at, actor=None, request=None) -> Event:
    """A draft copy of ``event`` starting at ``starts_at``: ticket types (sale windows shifted),
    quotas, sessions and promo codes (usage reset). Orders are not copied. Raises EventError
    (slug_taken; cross_event_link when a ticket type counts against another event's quota or a
    promo code names another event's ticket type: the copy would share or lose them, so the
    organizer fixes the source first). What other modules keep about an event is copied by their
    receivers of ``event_cloned``, in the same transaction: the registration questions (cms) and
    the tax rule (invoicing)."""
    from operations.ticketing.models import PromoCode, Quota, Session, TicketType

    slug = slugify(slug)[:80]
    if not slug or Event.objects.filter(slug=slug).exists():
        raise EventError("Choose another web address: this one is taken.", code="slug_taken")
    foreign = [f"ticket type “{t.name}” (quota “{q.name}” of {q.event.name})" for t in TicketType.objects.filter(
        event=event).prefetch_related("quotas__event") for q in t.quotas.all() if q.event_id != event.pk]
    foreign += [f"promo code {p.code} (ticket type “{t.name}” of {t.event.name})" for p in PromoCode.objects.filter(
        event=event).prefetch_related("ticket_types__event", "unlocks__event")
        for t in (*p.ticket_types.all(), *p.unlocks.all()) if t.event_id != event.pk]
    if foreign:
        raise EventError("This event is linked to another event's quotas or ticket types, which a copy cannot take "
                         f"along: {'; '.join(foreign)}. Remove those links, then clone.", code="cross_event_link",
                         links=foreign)
    shift = starts_at - event.starts_at

    def moved(value):
        return value + shift if value else value

    with transaction.atomic():
        source_pk = event.pk
        copy = Event.objects.get(pk=source_pk)
        copy.pk = None
        copy.name, copy.slug, copy.status = name, slug, Event.Status.DRAFT
        copy.starts_at, copy.ends_at = starts_at, moved(event.ends_at)
        for field in ("registration_opens_at", "registration_closes_at", "self_cancel_until", "attendee_edit_until"):
            setattr(copy, field, moved(getattr(event, field)))
        copy.save()
        quotas = {}
        for quota in Quota.objects.filter(event_id=source_pk):
            quotas[quota.pk] = Quota.objects.create(event=copy, name=quota.name, size=quota.size)
        types = {}
        for ticket_type in TicketType.objects.filter(event_id=source_pk).prefetch_related("quotas"):
            old_quotas = [quotas[q.pk] for q in ticket_type.quotas.all()]
            old_pk = ticket_type.pk
            ticket_type.pk, ticket_type.event = None, copy
            ticket_type.sale_starts_at, ticket_type.sale_ends_at = moved(ticket_type.sale_starts_at), moved(ticket_type.sale_ends_at)
            ticket_type.early_until = moved(ticket_type.early_until)
            ticket_type.save()
            ticket_type.quotas.set(old_quotas)
            types[old_pk] = ticket_type
        for session in Session.objects.filter(event_id=source_pk):
            session.pk, session.event = None, copy
            session.starts_at, session.ends_at = moved(session.starts_at), moved(session.ends_at)
            session.save()
        for promo in PromoCode.objects.filter(event_id=source_pk).prefetch_related("ticket_types", "unlocks"):
            limited, unlocks = [types[t.pk] for t in promo.ticket_types.all()], [types[t.pk] for t in promo.unlocks.all()]
            promo.pk, promo.event, promo.used_count = None, copy, 0
            promo.valid_from, promo.valid_until = moved(promo.valid_from), moved(promo.valid_until)
            promo.save()
            promo.ticket_types.set(limited)
            promo.unlocks.set(unlocks)
        event_cloned.send(sender=Event, source=event, copy=copy, ticket_types=types)
        audit_record("event.cloned", actor=actor, target=copy, before={"source": event.slug},
                     after={"slug": copy.slug, "starts_at": copy.starts_at.isoformat()}, request=request)
    return copy
