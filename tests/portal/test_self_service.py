"""Attendee self-service on the order page: transferring a ticket tells both people, resending is
limited per order, the downloaded PDF looks like the e-mailed one."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from operations.ticketing.models import Order
from operations.ticketing.services import attendees
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from operations.ticketing.services.signing import signing_public_key_pem, ticket_payload, ticket_payload_verify
from tests.operations.ticketing.builders import event_make, ticket_type_make


@pytest.fixture
def shop(org_a, in_schema, site_client):
    with in_schema(org_a):
        event = event_make(slug="fair", attendee_edit_until=timezone.now() + timedelta(days=1))
        free = ticket_type_make(event, name="Community", price="0", seats=10)
        yield {"event": event, "free": free, "client": site_client(org_a)}


def _confirmed(shop, count=1, email="kim@example.com") -> Order:
    order = order_reserve(event=shop["event"], items=[Item(shop["free"].pk, count)])
    people = [Attendee("Kim", email)] + [Attendee(f"Guest {i}", f"guest{i}@example.com") for i in range(2, count + 1)]
    order = order_complete(order=order, name="Kim", email=email, attendees=people)
    mail.outbox.clear()
    return order


def _transfer(shop, order, position, name="Park", email="park@example.com"):
    return shop["client"].post(f"/register/order/{order.secret}/attendee/{position.pk}/",
                               {"action": "transfer", "name": name, "email": email})


def test_a_transferred_ticket_is_emailed_to_its_new_holder_and_the_buyer_is_told(
        shop, django_capture_on_commit_callbacks):
    order = _confirmed(shop)
    position = order.positions.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert _transfer(shop, order, position, email="not-an-address").status_code == 400  # tells nobody
        assert _transfer(shop, order, position).status_code == 302
    new = position.tickets.get(revoked_at=None)
    holder = next(m for m in mail.outbox if m.to == ["park@example.com"])
    assert new.code in holder.body and shop["event"].name in holder.subject
    assert holder.alternatives[0][1] == "text/html"
    assert [(name, kind) for name, _, kind in holder.attachments] == [(f"ticket-{order.code}.pdf", "application/pdf")]
    assert holder.attachments[0][1].startswith(b"%PDF")
    buyer = next(m for m in mail.outbox if m.to == ["kim@example.com"])
    assert "Park" in buyer.body and "Kim" in buyer.body and not buyer.attachments
    assert len(mail.outbox) == 2


def test_a_ticket_transferred_from_a_group_order_reaches_its_holder_alone(shop, django_capture_on_commit_callbacks):
    # The order's PDF carries every ticket of it: the new holder gets only theirs (its QR code).
    order = _confirmed(shop, count=2)
    position = order.positions.order_by("pk").last()
    with django_capture_on_commit_callbacks(execute=True):
        assert _transfer(shop, order, position).status_code == 302
    new = position.tickets.get(revoked_at=None)
    holder = next(m for m in mail.outbox if m.to == ["park@example.com"])
    (name, content, kind), = holder.attachments
    assert kind == "image/png" and content.startswith(b"\x89PNG") and str(new.pk) in name
    assert ticket_payload_verify(ticket_payload(new), signing_public_key_pem())["t"] == new.code
    assert "Guest 2" in next(m for m in mail.outbox if m.to == ["kim@example.com"]).body


def test_a_ticket_transferred_to_the_buyer_sends_one_email(shop, django_capture_on_commit_callbacks):
    order = _confirmed(shop, count=2)
    position = order.positions.order_by("pk").last()
    with django_capture_on_commit_callbacks(execute=True):
        assert _transfer(shop, order, position, name="Kim", email="KIM@example.com").status_code == 302
    assert [m.to for m in mail.outbox] == [["kim@example.com"]]


def _resend(shop, order):
    return shop["client"].post(f"/register/order/{order.secret}/resend/")


def test_resending_an_order_again_within_a_minute_is_refused_with_429(shop, django_capture_on_commit_callbacks):
    order, other = _confirmed(shop), _confirmed(shop, email="lee@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        answers = [_resend(shop, order) for _ in range(5)]
        other_answer = _resend(shop, other)  # limited per order
    assert [a.status_code for a in answers] == [302, 429, 429, 429, 429]
    assert "try again in a minute" in answers[1].text and order.code in answers[1].text
    assert answers[1]["Retry-After"] == "60"
    assert other_answer.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["kim@example.com", "lee@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        attendees.order_resend(order=order, actor=None)  # staff are not limited
    assert len(mail.outbox) == 3


def test_an_order_is_resent_at_most_five_times_a_day(shop, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(attendees, "RESEND_INTERVAL_SECONDS", 0)  # the minute passes at once
    order = _confirmed(shop)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [_resend(shop, order).status_code for _ in range(7)]
    assert answers == [302] * 5 + [429] * 2
    assert len(mail.outbox) == 5


def test_the_downloaded_pdf_has_the_organizations_colour_like_the_emailed_one(
        shop, monkeypatch, django_capture_on_commit_callbacks):
    from wagtail.models import Site

    from cms.models import Branding
    from operations.ticketing.services import documents
    from portal.registration import views

    branding = Branding.for_site(Site.objects.get(is_default_site=True))
    branding.primary_colour = "#0f766e"
    branding.save()
    colours = []

    def recording(real):
        def tickets_pdf(order, **kwargs):
            colours.append(kwargs.get("primary_colour"))
            return real(order, **kwargs)
        return tickets_pdf

    monkeypatch.setattr(views, "tickets_pdf", recording(documents.tickets_pdf))
    monkeypatch.setattr(documents, "tickets_pdf", recording(documents.tickets_pdf))
    order = _confirmed(shop)
    downloaded = shop["client"].get(f"/register/order/{order.secret}/tickets.pdf")
    assert downloaded.status_code == 200 and downloaded.content.startswith(b"%PDF")
    with django_capture_on_commit_callbacks(execute=True):
        assert _resend(shop, order).status_code == 302
    assert colours == ["#0f766e", "#0f766e"]  # the download, then the e-mail
