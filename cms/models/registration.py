"""Registration questions, built by editors per event and optionally per ticket type.

A question's ``clean_name`` is its identity: set from the label at first save and never changed,
so answers stay attached to it after the label is edited (Wagtail's form builder does the same).
cms/registration.py turns questions into a Django form class for the registration flow."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

MAX_UPLOAD_MB = 20


class FieldType(models.TextChoices):
    SHORT_TEXT = "short_text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    DROPDOWN = "dropdown", "Single choice (dropdown)"
    RADIO = "radio", "Single choice (radio buttons)"
    MULTIPLE = "multiple", "Multiple choice"
    CHECKBOX = "checkbox", "Checkbox"
    CONSENT = "consent", "Consent checkbox"
    FILE = "file", "File upload"
    COUNTRY = "country", "Country"


CHOICE_TYPES = {FieldType.DROPDOWN, FieldType.RADIO, FieldType.MULTIPLE}
TEXT_TYPES = {FieldType.SHORT_TEXT, FieldType.LONG_TEXT}


class RegistrationForm(ClusterableModel):
    """The questions asked when registering for one operations event."""

    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="registration_form")
    intro = models.TextField(blank=True, help_text="Shown above the questions.")

    panels = [FieldPanel("event"), FieldPanel("intro"), InlinePanel("questions", label="Questions", min_num=0)]

    def __str__(self):
        return f"Registration questions: {self.event}"


class RegistrationQuestion(Orderable):
    form = ParentalKey(RegistrationForm, on_delete=models.CASCADE, related_name="questions")
    clean_name = models.CharField(max_length=64, blank=True, editable=False,
                                  help_text="Fixed at first save: answers are stored under it.")
    label = models.CharField(max_length=255)
    label_second = models.CharField(max_length=255, blank=True, verbose_name="label in the second language")
    help_text = models.CharField(max_length=500, blank=True)
    field_type = models.CharField(max_length=20, choices=FieldType.choices, default=FieldType.SHORT_TEXT)
    required = models.BooleanField(default=False)
    choices = models.TextField(blank=True, help_text="For choice questions: one option per line.")
    min_length = models.PositiveIntegerField(null=True, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    min_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    allowed_extensions = models.CharField(max_length=200, blank=True, default="pdf,jpg,jpeg,png",
                                          help_text="For uploads: comma-separated, e.g. pdf,png.")
    max_upload_mb = models.PositiveSmallIntegerField(default=5, help_text=f"For uploads; at most {MAX_UPLOAD_MB} MB.")
    consent_document = models.ForeignKey("wagtaildocs.Document", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+", help_text="For consent: the document agreed to.")
    ticket_type_id = models.PositiveIntegerField(null=True, blank=True,
                                                 help_text="Ask only buyers of this ticket type (empty: everyone).")
    show_if_question = models.CharField(max_length=64, blank=True,
                                        help_text="Show only if the question with this identity …")
    show_if_value = models.CharField(max_length=255, blank=True, help_text="… has this answer (for a checkbox: yes).")

    panels = [
        FieldPanel("clean_name", read_only=True, heading="Identity",
                   help_text="Fixed at first save; other questions' conditions refer to it."),
        FieldRowPanel(["label", "label_second"]),
        FieldRowPanel(["field_type", "required"]),
        FieldPanel("help_text"),
        FieldPanel("choices"),
        MultiFieldPanel([FieldRowPanel(["min_length", "max_length"]), FieldRowPanel(["min_value", "max_value"])],
                        heading="Validation", classname="collapsed"),
        MultiFieldPanel([FieldRowPanel(["allowed_extensions", "max_upload_mb"]), FieldPanel("consent_document")],
                        heading="Uploads and consent", classname="collapsed"),
        MultiFieldPanel([FieldPanel("ticket_type_id"), FieldRowPanel(["show_if_question", "show_if_value"])],
                        heading="When to ask", classname="collapsed"),
    ]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["form", "clean_name"], name="registration_question_identity")]

    def __str__(self):
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    @property
    def extension_list(self) -> list[str]:
        return [e.strip().lower().lstrip(".") for e in self.allowed_extensions.split(",") if e.strip()]

    def clean(self):
        super().clean()
        errors = {}
        if self.field_type in CHOICE_TYPES and len(self.choice_list) < 2:
            errors["choices"] = "Give at least two options, one per line."
        if self.min_length is not None and self.max_length is not None and self.min_length > self.max_length:
            errors["max_length"] = "The maximum length is below the minimum."
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            errors["max_value"] = "The maximum is below the minimum."
        if self.field_type == FieldType.FILE:
            if not self.extension_list:
                errors["allowed_extensions"] = "List at least one file type, e.g. pdf."
            if not 1 <= self.max_upload_mb <= MAX_UPLOAD_MB:
                errors["max_upload_mb"] = f"Choose between 1 and {MAX_UPLOAD_MB} MB."
        if bool(self.show_if_question) != bool(self.show_if_value):
            errors["show_if_value"] = "Give both the question and the answer that shows this one, or neither."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # Identity is fixed here, once; relabelling later must not move earlier answers.
        if not self.clean_name:
            self.clean_name = question_identity(self.label, taken=self._taken_names())
        super().save(*args, **kwargs)

    def _taken_names(self) -> set[str]:
        if not self.form_id:
            return set()
        return set(RegistrationQuestion.objects.filter(form_id=self.form_id).exclude(pk=self.pk)
                   .values_list("clean_name", flat=True))


def question_identity(label: str, *, taken: set[str]) -> str:
    """A stable, form-field-safe name from the label, unique among ``taken``."""
    base = re.sub(r"[^a-z0-9_]", "", slugify(label, allow_unicode=False).replace("-", "_"))[:50] or "question"
    if base[0].isdigit():
        base = f"q_{base}"
    name, counter = base, 2
    while name in taken:
        name, counter = f"{base}_{counter}", counter + 1
    return name
