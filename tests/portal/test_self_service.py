"""Attendee self-service on the order page: transferring a ticket tells both people, resending is
limited per order, the downloaded PDF looks like the e-mailed one, answers to the event's questions
can be changed until the edit deadline under the registration's rules, and cancelling asks for a
confirmation first."""

import re
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
    assert [(name, kind) for name, _, kind in holder.attachments] == [(f"ticket-{order.code}-{new.pk}.pdf",
                                                                        "application/pdf")]
    assert holder.attachments[0][1].startswith(b"%PDF")
    buyer = next(m for m in mail.outbox if m.to == ["kim@example.com"])
    assert "Park" in buyer.body and "Kim" in buyer.body and not buyer.attachments
    assert len(mail.outbox) == 2


def test_a_ticket_transferred_from_a_group_order_reaches_its_holder_alone(shop, django_capture_on_commit_callbacks):
    # The order's PDF carries every ticket of it: the new holder gets a PDF of theirs alone.
    import io

    import zxingcpp
    from pypdf import PdfReader

    order = _confirmed(shop, count=2)
    position = order.positions.order_by("pk").last()
    with django_capture_on_commit_callbacks(execute=True):
        assert _transfer(shop, order, position).status_code == 302
    new = position.tickets.get(revoked_at=None)
    holder = next(m for m in mail.outbox if m.to == ["park@example.com"])
    (name, content, kind), = holder.attachments
    assert kind == "application/pdf" and str(new.pk) in name
    page, = PdfReader(io.BytesIO(content)).pages  # one ticket, not the order's two
    assert "Park" in page.extract_text() and "Guest 1" not in page.extract_text()
    qr = max(page.images, key=lambda image: image.image.size[0]).image
    payload = zxingcpp.read_barcodes(qr)[0].text
    assert ticket_payload_verify(payload, signing_public_key_pem())["t"] == new.code
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


def _band_colour(pdf: bytes) -> str:
    """The fill colour of the first page's band, as #rrggbb."""
    import io
    import re

    from pypdf import PdfReader

    stream = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    red, green, blue = (round(float(v) * 255) for v in re.search(r"([\d.]+) ([\d.]+) ([\d.]+) rg", stream).groups())
    return f"#{red:02x}{green:02x}{blue:02x}"


def test_the_downloaded_and_emailed_pdfs_carry_the_organizations_colour_and_logo(
        shop, django_capture_on_commit_callbacks):
    import io

    from pypdf import PdfReader
    from wagtail.models import Site

    from cms.models import Branding
    from tests.cms.conftest import image_make

    branding = Branding.for_site(Site.objects.get(is_default_site=True))
    branding.primary_colour = "#0f766e"
    branding.logo = image_make("Alpha logo", "#ffffff", size=(300, 100))
    branding.save()
    order = _confirmed(shop)
    downloaded = shop["client"].get(f"/register/order/{order.secret}/tickets.pdf")
    assert downloaded.status_code == 200 and downloaded.content.startswith(b"%PDF")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert _resend(shop, order).status_code == 302
    emailed = next(content for name, content, _ in mail.outbox[0].attachments if name.startswith("tickets-"))
    for pdf in (downloaded.content, emailed):
        assert _band_colour(pdf) == "#0f766e"
        assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 2  # the logo and the QR code


# --- Changing answers to the event's questions -------------------------------------------------

def _question(event, label, field_type="short_text", **fields):
    from cms.models.registration import RegistrationForm, RegistrationQuestion

    form, _ = RegistrationForm.objects.get_or_create(event=event)
    question = RegistrationQuestion(form=form, label=label, field_type=field_type, **fields)
    question.save()
    return question


def _pdf(content=b"%PDF-1.4 my career", name="cv.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _answered(shop, answers: dict) -> Order:
    """A confirmed order whose attendee answered through the details page, as a buyer does."""
    order = order_reserve(event=shop["event"], items=[Item(shop["free"].pk, 1)])
    position = order.positions.get()
    data = {"buyer-name": "Kim", "buyer-email": "kim@example.com", "buyer-phone": "",
            "a1-name": "Kim", "a1-email": "kim@example.com",
            **{f"a1-q-{name}": value for name, value in answers.items()}}
    assert shop["client"].post(f"/register/order/{order.secret}/details/", data).status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED and position.pk == order.positions.get().pk
    return order


def _change_answers(shop, order, answers: dict):
    position = order.positions.get()
    data = {f"p{position.pk}-q-{name}": value for name, value in answers.items()}
    return shop["client"].post(f"/register/order/{order.secret}/attendee/{position.pk}/answers/", data)


@pytest.fixture
def asked(shop):
    """A required question, and one shown (and then required) only for those who need a visa."""
    shop["travel"] = _question(shop["event"], "Travelling from", field_type="radio", required=True,
                               choices="Inside the country\nAbroad")
    shop["passport"] = _question(shop["event"], "Passport number", required=True,
                                 show_if_question=shop["travel"].clean_name, show_if_value="Abroad")
    return shop


def _values(order) -> dict:
    return {name: answer["value"] for name, answer in order.positions.get().answers.items()}


def test_the_order_page_offers_each_attendee_their_answers_to_change_with_the_conditions_script(asked):
    order = _answered(asked, {asked["travel"].clean_name: "Abroad", asked["passport"].clean_name: "M1234"})
    page = asked["client"].get(f"/register/order/{order.secret}/").content.decode()
    position = order.positions.get()
    assert f"/register/order/{order.secret}/attendee/{position.pk}/answers/" in page
    assert 'value="M1234"' in page
    assert re.search(r'value="Abroad"[^>]* checked', page)
    assert not re.search(r'value="Inside the country"[^>]* checked', page)
    assert f'data-show-if="p{position.pk}-q-{asked["travel"].clean_name}"' in page
    assert '/static/cms/registration.js"' in page


def test_an_attendee_changes_their_answers_and_the_change_is_audited_with_before_and_after(asked):
    from operations.audit.models import AuditEntry

    travel, passport = asked["travel"].clean_name, asked["passport"].clean_name
    order = _answered(asked, {travel: "Inside the country"})
    response = _change_answers(asked, order, {travel: "Abroad", passport: "M1234"})
    assert response.status_code == 302 and response["Location"] == f"/register/order/{order.secret}/"
    assert _values(order) == {travel: "Abroad", passport: "M1234"}
    entry = AuditEntry.objects.get(action="order.answers_changed")
    assert entry.before["answers"][travel]["value"] == "Inside the country" and passport not in entry.before["answers"]
    assert entry.after["answers"][passport]["value"] == "M1234" and entry.after["by_attendee"] is True


def test_a_shown_conditional_question_left_empty_is_refused_with_400_and_nothing_changes(asked):
    from operations.audit.models import AuditEntry

    travel, passport = asked["travel"].clean_name, asked["passport"].clean_name
    order = _answered(asked, {travel: "Inside the country"})
    response = _change_answers(asked, order, {travel: "Abroad", passport: ""})
    assert response.status_code == 400 and response.context["error"].code == "form_invalid"
    assert "This field is required." in response.content.decode()
    assert _values(order) == {travel: "Inside the country"}
    assert not AuditEntry.objects.filter(action="order.answers_changed").exists()
    missing = _change_answers(asked, order, {})  # the required question itself
    assert missing.status_code == 400 and _values(order) == {travel: "Inside the country"}


def test_an_answer_hidden_by_a_changed_condition_is_dropped(asked):
    travel, passport = asked["travel"].clean_name, asked["passport"].clean_name
    order = _answered(asked, {travel: "Abroad", passport: "M1234"})
    assert _change_answers(asked, order, {travel: "Inside the country", passport: "M1234"}).status_code == 302
    assert _values(order) == {travel: "Inside the country"}


def test_a_reservation_not_yet_submitted_has_its_answers_asked_on_the_details_page_only(asked):
    order = order_reserve(event=asked["event"], items=[Item(asked["free"].pk, 1)])
    with pytest.raises(attendees.OrderError) as refused:
        attendees.position_answers_change(position=order.positions.get(), answers={}, actor=None)
    assert refused.value.code == "invalid_transition"


def test_answers_cannot_be_changed_after_the_edit_deadline(asked):
    travel = asked["travel"].clean_name
    order = _answered(asked, {travel: "Inside the country"})
    asked["event"].attendee_edit_until = timezone.now() - timedelta(minutes=1)
    asked["event"].save()
    response = _change_answers(asked, order, {travel: "Abroad", asked["passport"].clean_name: "M1234"})
    assert response.status_code == 400 and response.context["error"].code == "edit_not_allowed"
    assert _values(order) == {travel: "Inside the country"}
    with pytest.raises(attendees.OrderError) as refused:  # staff may still correct them
        attendees.position_answers_change(position=order.positions.get(), answers={}, by_attendee=True)
    assert refused.value.code == "edit_not_allowed"
    attendees.position_answers_change(position=order.positions.get(), answers={}, actor=None)
    assert _values(order) == {}


@pytest.fixture
def cv(shop):
    shop["cv"] = _question(shop["event"], "CV", field_type="file", required=True, allowed_extensions="pdf",
                           max_upload_mb=1)
    return shop


def test_a_stored_upload_stays_unless_a_new_file_is_sent_and_a_replaced_one_is_deleted(
        cv, django_capture_on_commit_callbacks):
    from operations.ticketing.answer_files import answer_files_storage

    name = cv["cv"].clean_name
    order = _answered(cv, {name: _pdf()})
    first = order.positions.get().answers[name]["file"]
    assert "You sent “cv.pdf”" in cv["client"].get(f"/register/order/{order.secret}/").content.decode()
    assert _change_answers(cv, order, {}).status_code == 302  # required, and kept: nothing to send again
    assert order.positions.get().answers[name]["file"] == first
    with django_capture_on_commit_callbacks(execute=True):
        assert _change_answers(cv, order, {name: _pdf(b"%PDF-1.7 newer", "cv-2026.pdf")}).status_code == 302
    answer = order.positions.get().answers[name]
    assert answer["value"] == "cv-2026.pdf" and answer["file"] != first
    with answer_files_storage().open(answer["file"]) as kept:
        assert kept.read() == b"%PDF-1.7 newer"
    assert not answer_files_storage().exists(first)


def test_a_bad_upload_is_refused_and_the_stored_file_stays(cv):
    from operations.ticketing.answer_files import answer_files_storage

    name = cv["cv"].clean_name
    order = _answered(cv, {name: _pdf()})
    before = order.positions.get().answers
    fake = _change_answers(cv, order, {name: _pdf(b"MZ not a pdf")})
    assert fake.status_code == 400 and "is not a valid PDF file" in fake.content.decode()
    big = _change_answers(cv, order, {name: _pdf(b"%PDF" + b"x" * (5 * 1024 * 1024))})
    assert big.status_code == 413 and big.context["error"].code == "upload_too_large"
    assert order.positions.get().answers == before and answer_files_storage().exists(before[name]["file"])


def test_the_files_of_a_refused_answers_change_are_not_kept(cv, monkeypatch):
    from operations.ticketing.answer_files import answer_files_storage

    from cms import registration

    name = cv["cv"].clean_name
    order = _answered(cv, {name: _pdf()})
    stored = []
    keep = registration.answer_files_store
    monkeypatch.setattr(registration, "answer_files_store", lambda *args: stored.extend(keep(*args)) or stored)
    order.status = Order.Status.CANCELLED  # cancelled meanwhile: the service refuses
    order.save(update_fields=["status"])
    response = _change_answers(cv, order, {name: _pdf(b"%PDF-1.7 newer")})
    assert response.status_code == 400 and response.context["error"].code == "invalid_transition"
    assert stored and not any(answer_files_storage().exists(path) for path in stored)


# --- Cancelling, after a confirmation ----------------------------------------------------------

@pytest.fixture
def cancellable(shop):
    shop["event"].self_cancel_until = timezone.now() + timedelta(days=1)
    shop["event"].save()
    return shop


def test_cancelling_starts_with_a_page_saying_what_happens_and_a_way_back(cancellable):
    order = _confirmed(cancellable, count=2)
    client = cancellable["client"]
    page = client.get(f"/register/order/{order.secret}/").content.decode()
    assert f'href="/register/order/{order.secret}/cancel/"' in page
    confirm = client.get(f"/register/order/{order.secret}/cancel/")
    text = confirm.content.decode()
    assert confirm.status_code == 200
    assert "2 seats are released" in text and "2 tickets are revoked" in text and "nothing to refund" in text
    assert 'name="confirm" value="yes"' in text and "Yes, cancel my order" in text
    assert f'href="/register/order/{order.secret}/">No, keep my order' in text
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED


def test_a_cancel_post_without_the_confirmation_does_not_cancel(cancellable):
    order = _confirmed(cancellable)
    response = cancellable["client"].post(f"/register/order/{order.secret}/cancel/")
    assert response.status_code == 400 and response.context["error"].code == "confirmation_required"
    assert "Yes, cancel my order" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED and order.positions.get().tickets.get().revoked_at is None
    confirmed = cancellable["client"].post(f"/register/order/{order.secret}/cancel/", {"confirm": "yes"})
    assert confirmed.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and order.positions.get().tickets.get().revoked_at is not None


@pytest.mark.parametrize("refund, says", [(True, "You get your money back"), (False, "There is no refund")])
def test_the_confirmation_says_whether_a_paid_order_is_refunded(cancellable, refund, says):
    from operations.ticketing.services.lifecycle import order_mark_paid

    cancellable["event"].self_cancel_refund = refund
    cancellable["event"].save()
    paid = ticket_type_make(cancellable["event"], name="Supporter", price="20", seats=5)
    order = order_reserve(event=cancellable["event"], items=[Item(paid.pk, 1)])
    order = order_complete(order=order, name="Kim", email="kim@example.com",
                           attendees=[Attendee("Kim", "kim@example.com")], payment_method="offline")
    order_mark_paid(order=order, actor=None)
    text = cancellable["client"].get(f"/register/order/{order.secret}/cancel/").content.decode()
    assert says in text and "20" in text


def test_an_order_past_the_cancellation_deadline_has_no_confirmation_page(shop):
    order = _confirmed(shop)  # the event allows no self-cancellation
    response = shop["client"].get(f"/register/order/{order.secret}/cancel/")
    assert response.status_code == 302 and response["Location"] == f"/register/order/{order.secret}/"
    refused = shop["client"].post(f"/register/order/{order.secret}/cancel/", {"confirm": "yes"})
    assert refused.status_code == 400 and refused.context["error"].code == "cancel_not_allowed"
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
