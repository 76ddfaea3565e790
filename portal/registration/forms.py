"""Forms of the public registration flow. They parse input only; the rules live in
operations.ticketing.services."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.html import format_html

from operations.ticketing.errors import OrderError
from operations.ticketing.services.orders import Item

MAX_UPLOAD_BYTES = 5 * 1024 * 1024

try:  # the Wagtail form builder's adapter (cms/registration.py), when installed
    from cms import registration as cms_registration
except ImportError:  # pragma: no cover - depends on the cms app's progress
    cms_registration = None


def items_parse(data, *, offered_ids: set[int] | None = None) -> tuple[list[Item], str]:
    """Read ``qty_<type id>`` (and ``price_<id>``, ``sessions``) from a POST. Raises OrderError for
    quantities that are not whole numbers >= 0 and for an order with no ticket."""
    items = []
    session_ids = []
    for raw in data.getlist("sessions"):
        try:
            session_ids.append(int(raw))
        except ValueError:
            raise OrderError("This session is not available.", code="session_unknown") from None
    for key, value in data.items():
        if not key.startswith("qty_"):
            continue
        try:
            type_id = int(key[4:])
            quantity = int((value or "0").strip())
        except ValueError:
            raise OrderError("Quantities must be whole numbers.", code="quantity_invalid") from None
        if quantity < 0:
            raise OrderError("Quantities cannot be negative.", code="quantity_invalid")
        if quantity == 0:
            continue
        expected = None
        if f"price_{type_id}" in data:
            try:
                expected = Decimal(data[f"price_{type_id}"])
            except InvalidOperation:
                expected = None
            if expected is None or not expected.is_finite():  # "NaN" and "Infinity" parse, and compare badly
                raise OrderError("The price shown has changed; please review your choice.", code="price_mismatch")
        items.append(Item(type_id, quantity, session_ids=list(session_ids), expected_price=expected))
    if not items:
        raise OrderError("Choose at least one ticket.", code="quantity_invalid")
    return items, (data.get("promo_code") or "").strip()[:40]


class KeptBlankForm(forms.Form):
    """A form whose blank rendering is kept per process. Every new order's details page shows the
    same empty buyer and attendee fields, and Django renders each field through several templates
    (the largest part of that page's rendering). Bound forms (errors, values) and forms with a real initial value
    (a name already entered) are rendered as usual."""

    _kept_html: dict = {}

    def as_div(self):
        if self.is_bound or any(value not in (None, "", True, False) for value in self.initial.values()):
            return super().as_div()
        key = (type(self), self.prefix, tuple(sorted(self.initial.items())))
        html = self._kept_html.get(key)
        if html is None:
            html = self._kept_html[key] = super().as_div()
        return html


class BuyerForm(KeptBlankForm):
    name = forms.CharField(label="Full name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label="E-mail", max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                             help_text="Your tickets and the link to your order are sent here.")
    phone = forms.CharField(label="Phone (optional)", max_length=40, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))


class AttendeeForm(KeptBlankForm):
    same_as_buyer = forms.BooleanField(label="Use the buyer's name and e-mail", required=False)
    name = forms.CharField(label="Attendee's full name", max_length=200, required=False)
    email = forms.EmailField(label="Attendee's e-mail", max_length=254, required=False)

    def __init__(self, *args, buyer: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.buyer = buyer or {}

    def clean(self):
        data = super().clean()
        if data.get("same_as_buyer"):
            data["name"] = data.get("name") or self.buyer.get("name", "")
            data["email"] = data.get("email") or self.buyer.get("email", "")
        if not data.get("name"):
            self.add_error("name", "Enter the attendee's name (or tick “Use the buyer's name and e-mail”).")
        if not data.get("email") and "email" not in self.errors:
            self.add_error("email", "Enter the attendee's e-mail address.")
        return data


def questions_form(position, data=None, files=None, prefix=""):
    """The event's custom questions for this position (form builder), or None."""
    if cms_registration is None:
        return None, []
    questions = cms_registration.questions_for(event=position.order.event, ticket_type_id=position.ticket_type_id)
    if not questions:
        return None, []
    form_class = cms_registration.registration_form_class(questions)
    return form_class(data, files, prefix=prefix), questions


class KeptFile(str):
    """A stored upload as the answers form's initial value: Django's FileField.clean gives it back
    when no new file is sent, so a required upload answered before need not be sent again."""


def answers_form(position, data=None, files=None):
    """The questions form of a registered attendee (order page), filled with their stored answers;
    (None, []) when the event asks nothing of this ticket."""
    form, questions = questions_form(position, data, files, prefix=f"p{position.pk}-q")
    if form is None:
        return None, []
    stored = position.answers or {}
    for question in questions:
        answer = stored.get(question.clean_name)
        if not isinstance(answer, dict) or "value" not in answer:
            continue
        if answer.get("file"):
            form.initial[question.clean_name] = KeptFile(answer["value"])
            field = form.fields[question.clean_name]
            field.help_text = format_html("{} You sent “{}”; choose a file only to replace it.",
                                          field.help_text, answer["value"])
        else:
            form.initial[question.clean_name] = answer["value"]
    return form, questions


def answers_parse(position, questions, cleaned_data) -> tuple[dict, list[str]]:
    """The new answers snapshot of a valid answers form, and the names whose stored answer stays:
    files not sent again, and answers to questions no longer asked (kept as given)."""
    kept = [name for name, value in cleaned_data.items() if isinstance(value, KeptFile)]
    asked = {q.clean_name for q in questions}
    kept += [name for name in (position.answers or {}) if name not in asked]
    snapshot = answers_snapshot(questions, {k: v for k, v in cleaned_data.items() if k not in kept})
    return snapshot, kept


def questions_asked(event, ticket_type_id: int) -> bool:
    """Whether buyers of this ticket type answer custom questions (form builder)."""
    return cms_registration is not None and bool(cms_registration.questions_for(event=event, ticket_type_id=ticket_type_id))


def answers_snapshot(questions, cleaned_data) -> dict:
    if cms_registration is None or not questions:
        return {}
    return cms_registration.answers_snapshot(questions, cleaned_data)


def answer_files_store(questions, cleaned_data, snapshot) -> list[str]:
    if cms_registration is None or not questions:
        return []
    return cms_registration.answer_files_store(questions, cleaned_data, snapshot)




def uploads_check(files) -> None:
    for upload in files.values():
        if upload.size > MAX_UPLOAD_BYTES:
            raise OrderError(f"“{upload.name}” is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
                             code="upload_too_large")


def session_choice(value) -> int | None:
    """The posted session id; None when no session was chosen. Raises OrderError(session_unknown)
    for anything that is not a positive id (an unknown id is refused by the service)."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 2**63:
        raise OrderError("This session has no waiting list.", code="session_unknown")
    return int(value)
