"""The registration form builder: questions in, Django form class out (the ticketing flow calls
these three functions; it never reads question rows itself).

The browser and the server apply the same rules: each field carries the HTML attributes of its
constraints (required, minlength, maxlength, min, max, accept) and the server validates them
again. A conditional question ("show if question X is Y") is shown by cms/static/cms/registration.js
only when its condition holds; on the server it is required only then, and its value is dropped
when the condition does not hold.
"""

import datetime as dt
import decimal
from pathlib import PurePath

from django import forms
from django.core.validators import RegexValidator
from django.db import connection
from django.db.models import Q
from django.utils.html import format_html

from cms.countries import COUNTRIES
from cms.models.registration import FieldType, RegistrationQuestion
from cms.page_cache import KeptInProcess, content_generation

DEFAULT_SHORT_MAX = 255
DEFAULT_LONG_MAX = 5000
PHONE_PATTERN = r"^\+?[0-9][0-9 ()\-.]{5,24}$"
REQUIRED_MESSAGE = "This field is required."
# The first bytes of the file types people upload most: an upload named .pdf must be a PDF.
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "zip": (b"PK\x03\x04",),
}


# Question lists this process has read, by schema, content generation, event and ticket type (any
# save of the form, its questions or the event moves the generation on); every details page and
# submission reads one.
_questions_read = KeptInProcess(512)


def questions_for(*, event, ticket_type_id=None) -> list[RegistrationQuestion]:
    """The questions asked for ``event``: those for everyone, plus those for ``ticket_type_id``,
    in the editor's order."""
    def read():
        scope = Q(ticket_type_id__isnull=True)
        if ticket_type_id is not None:
            scope |= Q(ticket_type_id=ticket_type_id)
        return list(RegistrationQuestion.objects.filter(scope, form__event=event)
                    .select_related("consent_document").order_by("sort_order", "pk"))

    key = (connection.schema_name, content_generation(), event.pk, ticket_type_id)
    return list(_questions_read.get_or_make(key, read))


def registration_form_class(questions) -> type[forms.Form]:
    """A Form class with one field per question, named by the question's clean_name."""
    questions = list(questions)
    fields = {q.clean_name: _field(q) for q in questions}
    return type("RegistrationAnswersForm", (RegistrationAnswersForm,), {**fields, "questions": questions})


def answers_snapshot(questions, cleaned_data: dict) -> dict:
    """JSON-serialisable answers keyed by each question's fixed identity, with the label and type
    they were given under. Questions without an answer in ``cleaned_data`` (hidden by a
    condition) are left out; uploads are recorded by file name (answer_files_store keeps the files)."""
    snapshot = {}
    for question in questions:
        if question.clean_name not in cleaned_data:
            continue
        snapshot[question.clean_name] = {
            "label": question.label,
            "type": question.field_type,
            "value": _json_value(cleaned_data[question.clean_name]),
        }
    return snapshot


def answer_files_store(questions, cleaned_data: dict, snapshot: dict) -> list[str]:
    """Keep the files uploaded as answers (privately: operations.ticketing.answer_files) and note
    each stored name in ``snapshot`` as "file" beside the name it was uploaded under. Returns the
    stored names, for answer_files_delete when the registration they belong to is then refused."""
    from operations.ticketing.answer_files import answer_file_save

    stored = []
    for question in questions:
        upload = cleaned_data.get(question.clean_name)
        if question.clean_name not in snapshot or not (hasattr(upload, "read") and hasattr(upload, "name")):
            continue
        snapshot[question.clean_name]["file"] = path = answer_file_save(upload)
        stored.append(path)
    return stored


class RegistrationAnswersForm(forms.Form):
    """Base of built forms: applies conditional display and drops hidden answers."""

    questions: list[RegistrationQuestion] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser finds the controlling field by its HTML name, which carries the form prefix.
        for field in self.fields.values():
            if controller := field.widget.attrs.get("data-show-if"):
                field.widget.attrs["data-show-if"] = self.add_prefix(controller)

    def clean(self):
        cleaned = super().clean()
        visible = self.visible_names()
        for question in self.questions:
            name = question.clean_name
            if name in visible:
                if question.show_if_question and question.required and _empty(cleaned.get(name)) \
                        and name not in self.errors:
                    self.add_error(name, forms.ValidationError(REQUIRED_MESSAGE, code="required"))
                continue
            # Hidden: neither required nor validated, and its value is not kept.
            self.errors.pop(name, None)
            cleaned.pop(name, None)
        return cleaned

    def visible_names(self) -> set[str]:
        """Names of the questions whose conditions hold (a question shown only if a hidden one
        has some answer is hidden too)."""
        by_name = {q.clean_name: q for q in self.questions}
        memo: dict[str, bool] = {}

        def shown(name: str, seen: frozenset = frozenset()) -> bool:
            if name in memo:
                return memo[name]
            question = by_name[name]
            controller = question.show_if_question
            if not controller:
                result = True
            elif controller not in by_name or controller in seen or controller == name:
                result = False  # a broken condition never shows the question
            else:
                value = getattr(self, "cleaned_data", {}).get(controller)
                result = shown(controller, seen | {name}) and _matches(value, question.show_if_value)
            memo[name] = result
            return result

        return {name for name in by_name if shown(name)}


# --- Fields ------------------------------------------------------------------------------------

def _field(question: RegistrationQuestion) -> forms.Field:
    maker = _MAKERS[question.field_type]
    conditional = bool(question.show_if_question)
    field = maker(question, required=question.required and not conditional)
    field.label = question.label + (f" / {question.label_second}" if question.label_second else "")
    if question.field_type != FieldType.CONSENT:
        field.help_text = question.help_text
    attrs = field.widget.attrs
    if conditional:
        attrs.update({"data-show-if": question.show_if_question, "data-show-value": question.show_if_value})
        if question.required:
            attrs["data-required"] = "true"
    return field


def _text(question, *, required, long=False):
    limit = DEFAULT_LONG_MAX if long else DEFAULT_SHORT_MAX
    max_length = min(question.max_length or limit, limit)
    widget = forms.Textarea(attrs={"rows": 5}) if long else forms.TextInput()
    return forms.CharField(required=required, min_length=question.min_length, max_length=max_length, widget=widget)


def _email(question, *, required):
    return forms.EmailField(required=required, max_length=254)


def _phone(question, *, required):
    return forms.CharField(
        required=required, max_length=30,
        validators=[RegexValidator(PHONE_PATTERN, "Enter a phone number, e.g. +82 2 1234 5678.")],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "pattern": PHONE_PATTERN[1:-1]}),
    )


def _number(question, *, required):
    field = forms.DecimalField(required=required, max_digits=18, decimal_places=4,
                               min_value=_plain(question.min_value), max_value=_plain(question.max_value))
    field.widget.attrs["step"] = "any"
    return field


def _plain(value):
    """18 rather than 18.0000 in the browser's min/max attributes and in messages."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value.normalize()


def _date(question, *, required):
    return forms.DateField(required=required, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _choices(question):
    return [(choice, choice) for choice in question.choice_list]


def _dropdown(question, *, required):
    return forms.ChoiceField(required=required, choices=[("", "Choose…"), *_choices(question)])


def _radio(question, *, required):
    return forms.ChoiceField(required=required, choices=_choices(question), widget=forms.RadioSelect)


def _multiple(question, *, required):
    return forms.MultipleChoiceField(required=required, choices=_choices(question), widget=forms.CheckboxSelectMultiple)


def _checkbox(question, *, required):
    return forms.BooleanField(required=required)


def _consent(question, *, required):
    field = forms.BooleanField(required=required)
    document = question.consent_document
    if document is not None:
        field.help_text = format_html('{} <a href="{}" target="_blank" rel="noopener">{}</a>',
                                      question.help_text, document.url, document.title)
    else:
        field.help_text = question.help_text
    return field


def _file(question, *, required):
    extensions = question.extension_list
    return forms.FileField(
        required=required,
        validators=[UploadValidator(extensions=extensions, max_mb=question.max_upload_mb)],
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{e}" for e in extensions)}),
        help_text=question.help_text,
    )


def _country(question, *, required):
    return forms.ChoiceField(required=required, choices=[("", "Choose a country…"), *COUNTRIES],
                             widget=forms.Select(attrs={"autocomplete": "country"}))


_MAKERS = {
    FieldType.SHORT_TEXT: _text,
    FieldType.LONG_TEXT: lambda q, required: _text(q, required=required, long=True),
    FieldType.EMAIL: _email,
    FieldType.PHONE: _phone,
    FieldType.NUMBER: _number,
    FieldType.DATE: _date,
    FieldType.DROPDOWN: _dropdown,
    FieldType.RADIO: _radio,
    FieldType.MULTIPLE: _multiple,
    FieldType.CHECKBOX: _checkbox,
    FieldType.CONSENT: _consent,
    FieldType.FILE: _file,
    FieldType.COUNTRY: _country,
}


class UploadValidator:
    """Refuses uploads over the size limit, with another extension, or whose content is not what
    the extension claims."""

    def __init__(self, *, extensions: list[str], max_mb: int):
        self.extensions, self.max_mb = extensions, max_mb

    def __call__(self, upload) -> None:
        name = PurePath(upload.name or "").name
        extension = PurePath(name).suffix.lower().lstrip(".")
        allowed = ", ".join(e.upper() for e in self.extensions)
        if extension not in self.extensions:
            raise forms.ValidationError(f"“{name}” is not an allowed file type. Allowed: {allowed}.", code="file_type")
        if upload.size > self.max_mb * 1024 * 1024:
            size = upload.size / 1024 / 1024
            raise forms.ValidationError(f"“{name}” is {size:.1f} MB; the maximum is {self.max_mb} MB.",
                                        code="file_too_large")
        signatures = SIGNATURES.get(extension)
        if signatures:
            upload.seek(0)
            head = upload.read(16)
            upload.seek(0)
            if not head.startswith(signatures):
                raise forms.ValidationError(f"“{name}” is not a valid {extension.upper()} file.", code="file_content")


# --- Values ------------------------------------------------------------------------------------

def _empty(value) -> bool:
    return value in (None, "", [], False)


def _matches(value, expected: str) -> bool:
    """Whether an answer equals the condition's value (case-insensitively; a list matches when it
    contains it; a checkbox is "yes" when ticked)."""
    expected = expected.strip().casefold()
    if isinstance(value, bool):
        return expected in (("yes", "true", "1", "on") if value else ("no", "false", "0", "off"))
    values = value if isinstance(value, (list, tuple)) else [value]
    return any(str(_json_value(v)).strip().casefold() == expected for v in values if v not in (None, ""))


def _json_value(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else str(value.normalize())
    if hasattr(value, "read") and hasattr(value, "name"):  # an uploaded or stored file
        return value.name
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def questions_copy(*, source, copy, ticket_types: dict, **kwargs) -> None:
    """Receiver of operations' event_cloned: the copy asks the same questions, keeping their
    identities (so exports line up across editions) and pointing at the copied ticket types."""
    from cms.models.registration import RegistrationForm

    form = RegistrationForm.objects.filter(event=source).prefetch_related("questions").first()
    if form is None:
        return
    questions = list(form.questions.all())
    form.pk, form.event = None, copy
    form.save()
    for question in questions:
        old_type = question.ticket_type_id
        question.pk, question.form = None, form
        question.ticket_type_id = ticket_types[old_type].pk if old_type in ticket_types else None
        question.save()
