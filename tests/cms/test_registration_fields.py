"""The registration fields include (cms/includes/registration_fields.html): every id an input's
aria-describedby names is on the page, so screen readers read the help text and the error."""

from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string

from cms.models import FieldType, RegistrationForm, RegistrationQuestion
from cms.registration import questions_for, registration_form_class
from tests.cms.conftest import event_make


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.described = [], {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described[attrs.get("name")] = attrs["aria-describedby"].split()


def _parse(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


@pytest.fixture
def event(org_a, in_schema):
    with in_schema(org_a):
        yield event_make()


def _ask(event, label, field_type=FieldType.SHORT_TEXT, **options):
    form, _ = RegistrationForm.objects.get_or_create(event=event)
    question = RegistrationQuestion(form=form, label=label, field_type=field_type,
                                    sort_order=form.questions.count(), **options)
    question.full_clean(exclude=["form"])
    question.save()
    return question


def test_help_text_and_errors_carry_the_ids_the_inputs_reference(event):
    _ask(event, "Company", required=True, help_text="As on your badge")
    _ask(event, "Newsletter", FieldType.CHECKBOX, help_text="Monthly at most")
    _ask(event, "I agree", FieldType.CONSENT, required=True, help_text="Read the code of conduct")
    _ask(event, "Nickname", required=True)
    form = registration_form_class(questions_for(event=event))(prefix="a0-q", data={})
    assert not form.is_valid()
    html = render_to_string("cms/includes/registration_fields.html", {"form": form})
    page = _parse(html)

    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    assert page.described == {
        "a0-q-company": ["id_a0-q-company_helptext", "id_a0-q-company_error"],
        "a0-q-newsletter": ["id_a0-q-newsletter_helptext"],
        "a0-q-i_agree": ["id_a0-q-i_agree_helptext", "id_a0-q-i_agree_error"],
        "a0-q-nickname": ["id_a0-q-nickname_error"],
    }
    missing = {ref for refs in page.described.values() for ref in refs} - set(page.ids)
    assert not missing, f"aria-describedby names ids that are not on the page: {missing}"
    assert '<span class="helptext" id="id_a0-q-company_helptext">As on your badge</span>' in html
    assert 'class="errorlist" id="id_a0-q-company_error" role="alert"' in html


def test_an_unbound_form_references_only_its_help_text(event):
    _ask(event, "Company", required=True, help_text="As on your badge")
    form = registration_form_class(questions_for(event=event))()
    page = _parse(render_to_string("cms/includes/registration_fields.html", {"form": form}))
    assert page.described == {"company": ["id_company_helptext"]} and "id_company_helptext" in page.ids


def test_a_choice_question_is_a_group_named_by_its_legend_and_described_by_help_and_error(event):
    _ask(event, "Travelling from", FieldType.RADIO, required=True, choices="Inside the country\nAbroad",
         help_text="For the visa letter")
    form = registration_form_class(questions_for(event=event))(prefix="a0-q", data={})
    assert not form.is_valid()
    html = render_to_string("cms/includes/registration_fields.html", {"form": form})
    assert '<legend>Travelling from <span class="required" aria-hidden="true">*</span></legend>' in html
    group = html[html.index("<fieldset"):html.index(">", html.index("<fieldset"))]
    assert 'aria-describedby="id_a0-q-travelling_from_helptext id_a0-q-travelling_from_error"' in group
    page = _parse(html)
    assert {"id_a0-q-travelling_from_helptext", "id_a0-q-travelling_from_error"} <= set(page.ids)
