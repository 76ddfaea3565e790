"""The registration form builder (cms/registration.py): the contract the ticketing flow uses."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from cms.models import FieldType, RegistrationForm, RegistrationQuestion
from cms.registration import answers_snapshot, questions_for, registration_form_class
from tests.cms.conftest import event_make

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def event(org_a, in_schema):
    with in_schema(org_a):
        yield event_make()


@pytest.fixture
def ask(event):
    """ask(label, field_type, **options) -> a saved question on the event's registration form."""
    form, _ = RegistrationForm.objects.get_or_create(event=event)

    def make(label, field_type=FieldType.SHORT_TEXT, **options):
        question = RegistrationQuestion(form=form, label=label, field_type=field_type,
                                        sort_order=form.questions.count(), **options)
        question.full_clean(exclude=["form"])
        question.save()
        return question

    return make


def submit(event, data, files=None, ticket_type_id=None):
    questions = questions_for(event=event, ticket_type_id=ticket_type_id)
    form = registration_form_class(questions)(data=data, files=MultiValueDict(files or {}))
    return questions, form


def errors(form) -> dict:
    form.is_valid()
    return {name: [e.code for e in errs.as_data()] for name, errs in form.errors.items()}


# --- identity -----------------------------------------------------------------------------------

def test_identity_is_taken_from_the_label_once_and_kept_when_relabelled(event, ask):
    question = ask("Dietary requirements")
    assert question.clean_name == "dietary_requirements"
    questions, form = submit(event, {"dietary_requirements": "Vegetarian"})
    assert form.is_valid()
    earlier = answers_snapshot(questions, form.cleaned_data)

    question.label = "Food allergies or diet"
    question.save()
    questions, form = submit(event, {"dietary_requirements": "Vegan"})
    assert form.is_valid() and "Food allergies or diet" in form.as_p()
    later = answers_snapshot(questions, form.cleaned_data)
    assert set(earlier) == set(later) == {"dietary_requirements"}
    assert earlier["dietary_requirements"] == {"label": "Dietary requirements", "type": "short_text", "value": "Vegetarian"}
    assert later["dietary_requirements"]["label"] == "Food allergies or diet"


def test_questions_with_the_same_or_non_latin_labels_get_distinct_identities(ask):
    names = [ask("Company").clean_name, ask("Company").clean_name, ask("소속 회사").clean_name, ask("2nd choice").clean_name]
    assert names == ["company", "company_2", "question", "q_2nd_choice"]


def test_ticket_type_questions_are_asked_only_for_that_ticket_type(event, ask):
    ask("Name")
    ask("Student card number", ticket_type_id=7)
    assert [q.label for q in questions_for(event=event)] == ["Name"]
    assert [q.label for q in questions_for(event=event, ticket_type_id=7)] == ["Name", "Student card number"]
    assert [q.label for q in questions_for(event=event, ticket_type_id=8)] == ["Name"]


# --- field types ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("field_type", "options", "good", "bad", "code"),
    [
        (FieldType.SHORT_TEXT, {"min_length": 3, "max_length": 10}, "Kim", "Ki", "min_length"),
        (FieldType.SHORT_TEXT, {"max_length": 5}, "Kim", "Kimberly", "max_length"),
        (FieldType.LONG_TEXT, {"max_length": 20}, "A short note", "x" * 21, "max_length"),
        (FieldType.EMAIL, {}, "ji@example.kr", "not-an-email", "invalid"),
        (FieldType.PHONE, {}, "+82 2 1234 5678", "call me", "invalid"),
        (FieldType.NUMBER, {"min_value": 1, "max_value": 10}, "4", "11", "max_value"),
        (FieldType.NUMBER, {"min_value": 1, "max_value": 10}, "4", "0", "min_value"),
        (FieldType.NUMBER, {}, "2.5", "many", "invalid"),
        (FieldType.DATE, {}, "1990-04-01", "1 April", "invalid"),
        (FieldType.DROPDOWN, {"choices": "S\nM\nL"}, "M", "XL", "invalid_choice"),
        (FieldType.RADIO, {"choices": "Yes\nNo"}, "No", "Maybe", "invalid_choice"),
        (FieldType.COUNTRY, {}, "KR", "XX", "invalid_choice"),
    ],
)
def test_each_field_type_accepts_good_input_and_refuses_bad(event, ask, field_type, options, good, bad, code):
    ask("Answer", field_type, **options)
    assert submit(event, {"answer": good})[1].is_valid()
    assert errors(submit(event, {"answer": bad})[1]) == {"answer": [code]}


def test_required_questions_refuse_empty_answers_of_every_type(event, ask):
    for field_type in [t for t in FieldType if t != FieldType.FILE]:
        options = {"choices": "A\nB"} if field_type in (FieldType.DROPDOWN, FieldType.RADIO, FieldType.MULTIPLE) else {}
        ask(f"Q {field_type}", field_type, required=True, **options)
    ask("Upload", FieldType.FILE, required=True)
    found = errors(submit(event, {})[1])
    assert len(found) == len(FieldType) and all(codes == ["required"] for codes in found.values())


def test_multiple_choice_checkbox_and_consent_values_are_kept_as_given(event, ask):
    ask("Workshops", FieldType.MULTIPLE, choices="AI\nCloud\nSecurity")
    ask("Newsletter", FieldType.CHECKBOX)
    ask("I agree to the code of conduct", FieldType.CONSENT, required=True)
    questions, form = submit(event, {"workshops": ["AI", "Security"], "newsletter": "on",
                                     "i_agree_to_the_code_of_conduct": "on"})
    assert form.is_valid(), form.errors
    snapshot = answers_snapshot(questions, form.cleaned_data)
    assert snapshot["workshops"]["value"] == ["AI", "Security"] and snapshot["newsletter"]["value"] is True
    assert errors(submit(event, {"workshops": ["Blockchain"]})[1])["workshops"] == ["invalid_choice"]
    assert errors(submit(event, {})[1]) == {"i_agree_to_the_code_of_conduct": ["required"]}


def test_browser_gets_the_same_constraints_as_the_server(event, ask):
    ask("Nickname", required=True, min_length=2, max_length=12)
    ask("Age", FieldType.NUMBER, min_value=18, max_value=99)
    ask("Portfolio", FieldType.FILE, allowed_extensions="pdf,png")
    html = submit(event, {})[1].as_p()
    assert 'name="nickname"' in html and "required" in html and 'minlength="2"' in html and 'maxlength="12"' in html
    assert 'min="18"' in html and 'max="99"' in html and 'accept=".pdf,.png"' in html


def test_second_language_label_and_help_text_are_shown(event, ask):
    ask("Company", label_second="소속", help_text="As on your badge")
    html = submit(event, {})[1].as_p()
    assert "Company / 소속" in html and "As on your badge" in html


# --- uploads ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "content", "code", "message"),
    [
        ("cv.exe", b"MZ...", "file_type", "“cv.exe” is not an allowed file type. Allowed: PDF, PNG."),
        ("cv.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 1), "file_too_large", "“cv.pdf” is 1.0 MB; the maximum is 1 MB."),
        ("cv.pdf", b"<html>not a pdf</html>", "file_content", "“cv.pdf” is not a valid PDF file."),
    ],
)
def test_uploads_of_the_wrong_type_or_size_are_refused_with_a_clear_message(event, ask, name, content, code, message):
    ask("CV", FieldType.FILE, allowed_extensions="pdf,png", max_upload_mb=1)
    form = submit(event, {}, {"cv": [SimpleUploadedFile(name, content)]})[1]
    assert errors(form) == {"cv": [code]}
    assert form.errors["cv"] == [message]


def test_a_good_upload_is_recorded_by_file_name(event, ask):
    ask("CV", FieldType.FILE, allowed_extensions="pdf,png", max_upload_mb=1)
    questions, form = submit(event, {}, {"cv": [SimpleUploadedFile("portfolio.png", PNG)]})
    assert form.is_valid(), form.errors
    assert answers_snapshot(questions, form.cleaned_data)["cv"]["value"] == "portfolio.png"


def test_an_uploaded_answer_is_kept_privately_per_organization_under_an_unguessable_folder(event, ask, settings):
    from django.db import connection

    from cms.registration import answer_files_store
    from operations.ticketing.answer_files import answer_files_delete, answer_files_storage

    ask("CV", FieldType.FILE, allowed_extensions="pdf,png", max_upload_mb=1)
    questions, form = submit(event, {}, {"cv": [SimpleUploadedFile("../../portfolio.png", PNG)]})
    assert form.is_valid(), form.errors
    snapshot = answers_snapshot(questions, form.cleaned_data)
    stored = answer_files_store(questions, form.cleaned_data, snapshot)
    path = snapshot["cv"]["file"]
    assert stored == [path] and path.endswith("/portfolio.png") and len(path.split("/")[0]) >= 24
    storage = answer_files_storage()
    location = storage.path(path)
    assert location.startswith(str(answer_files_storage(connection.schema_name).location))
    assert not location.startswith(str(settings.MEDIA_ROOT))  # no media route can serve it
    with storage.open(path) as kept:
        assert kept.read() == PNG
    answer_files_delete(stored)
    assert not storage.exists(path)


# --- conditions ---------------------------------------------------------------------------------------

def test_a_conditional_question_is_required_only_when_its_condition_holds(event, ask):
    ask("Attending", FieldType.RADIO, required=True, choices="In person\nOnline")
    ask("Dietary needs", required=True, show_if_question="attending", show_if_value="in person")
    assert errors(submit(event, {"attending": "In person"})[1]) == {"dietary_needs": ["required"]}
    _questions, form = submit(event, {"attending": "Online"})
    assert form.is_valid(), form.errors


def test_a_hidden_conditional_answer_is_dropped_even_when_invalid(event, ask):
    ask("Attending", FieldType.RADIO, required=True, choices="In person\nOnline")
    ask("Guests", FieldType.NUMBER, max_value=3, show_if_question="attending", show_if_value="In person")
    questions, form = submit(event, {"attending": "Online", "guests": "99"})
    assert form.is_valid(), form.errors
    assert "guests" not in form.cleaned_data and "guests" not in answers_snapshot(questions, form.cleaned_data)
    assert errors(submit(event, {"attending": "In person", "guests": "99"})[1]) == {"guests": ["max_value"]}


def test_conditions_on_checkboxes_multiple_choices_and_chains(event, ask):
    ask("Need accessibility support", FieldType.CHECKBOX)
    ask("Support details", FieldType.LONG_TEXT, required=True, show_if_question="need_accessibility_support",
        show_if_value="yes")
    ask("Sessions", FieldType.MULTIPLE, choices="Talks\nWorkshop")
    ask("Laptop OS", FieldType.DROPDOWN, required=True, choices="Linux\nmacOS\nWindows",
        show_if_question="sessions", show_if_value="Workshop")
    ask("Linux distribution", required=True, show_if_question="laptop_os", show_if_value="Linux")

    assert errors(submit(event, {"need_accessibility_support": "on", "sessions": ["Talks", "Workshop"]})[1]) == {
        "support_details": ["required"], "laptop_os": ["required"]}
    _q, form = submit(event, {"sessions": ["Talks"], "linux_distribution": "", "laptop_os": "Linux"})
    assert form.is_valid(), form.errors
    assert "laptop_os" not in form.cleaned_data and "linux_distribution" not in form.cleaned_data  # hidden chain
    assert errors(submit(event, {"sessions": ["Workshop"], "laptop_os": "Linux"})[1]) == {
        "linux_distribution": ["required"]}


def test_a_condition_on_a_missing_question_never_shows_it(event, ask):
    ask("Orphan", required=True, show_if_question="deleted_question", show_if_value="x")
    _q, form = submit(event, {"orphan": "kept?"})
    assert form.is_valid() and "orphan" not in form.cleaned_data


def test_conditional_fields_carry_their_rule_for_the_browser(event, ask):
    ask("Attending", FieldType.RADIO, choices="In person\nOnline")
    ask("Dietary needs", required=True, show_if_question="attending", show_if_value="In person")
    html = submit(event, {})[1].as_p()
    assert 'data-show-if="attending"' in html and 'data-show-value="In person"' in html and 'data-required="true"' in html


def test_snapshot_is_json_serialisable_for_every_type(event, ask):
    ask("Born", FieldType.DATE)
    ask("Height", FieldType.NUMBER)
    ask("Country", FieldType.COUNTRY)
    questions, form = submit(event, {"born": "1990-04-01", "height": "1.75", "country": "NZ"})
    assert form.is_valid(), form.errors
    snapshot = json.loads(json.dumps(answers_snapshot(questions, form.cleaned_data)))
    assert [snapshot[k]["value"] for k in ("born", "height", "country")] == ["1990-04-01", "1.75", "NZ"]


# --- editor validation --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"field_type": FieldType.DROPDOWN, "choices": "Only one"}, "choices"),
        ({"min_length": 10, "max_length": 2}, "max_length"),
        ({"field_type": FieldType.NUMBER, "min_value": 5, "max_value": 1}, "max_value"),
        ({"field_type": FieldType.FILE, "max_upload_mb": 500}, "max_upload_mb"),
        ({"field_type": FieldType.FILE, "allowed_extensions": " , "}, "allowed_extensions"),
        ({"show_if_question": "attending"}, "show_if_value"),
    ],
)
def test_editor_is_told_about_questions_that_cannot_work(event, options, field):
    from django.core.exceptions import ValidationError

    form = RegistrationForm.objects.create(event=event)
    question = RegistrationQuestion(form=form, label="Q", **options)
    with pytest.raises(ValidationError) as error:
        question.full_clean(exclude=["form"])
    assert field in error.value.message_dict


def test_editor_builds_questions_in_the_admin_and_sees_their_identity(org_a, event, ask, member, site_client):
    ask("Dietary requirements")
    form = RegistrationForm.objects.get(event=event)
    owner = member(org_a, "owner")
    html = site_client(org_a, owner).get(f"/admin/snippets/cms/registrationform/edit/{form.pk}/").text
    assert "dietary_requirements" in html and "Identity" in html


def test_conditions_name_the_prefixed_field_when_the_form_has_a_prefix(event, ask):
    ask("Attending", FieldType.RADIO, choices="In person\nOnline")
    ask("Dietary needs", required=True, show_if_question="attending", show_if_value="In person")
    form_class = registration_form_class(questions_for(event=event))
    html = form_class(prefix="a0-q").as_p()
    assert 'data-show-if="a0-q-attending"' in html and 'name="a0-q-attending"' in html
    form = form_class(prefix="a0-q", data={"a0-q-attending": "In person"})
    assert errors(form) == {"dietary_needs": ["required"]}


def test_a_question_added_or_relabelled_after_a_first_read_is_asked_at_once(event, ask):
    """Question lists are kept per process and content generation: every change must retire them."""
    ask("Name")
    assert [q.label for q in questions_for(event=event)] == ["Name"]
    company = ask("Company")
    assert [q.label for q in questions_for(event=event)] == ["Name", "Company"]
    company.label = "Employer"
    company.save()
    assert [q.label for q in questions_for(event=event)] == ["Name", "Employer"]
