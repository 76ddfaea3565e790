"""The registration flow's forms: blank renderings are kept per process, filled ones never."""

from portal.registration.forms import AttendeeForm, BuyerForm


def test_a_blank_buyer_form_is_rendered_once_and_kept():
    first = BuyerForm(prefix="buyer", initial={"name": "", "email": ""}).as_div()
    assert BuyerForm(prefix="buyer", initial={"name": "", "email": ""}).as_div() is first
    assert 'name="buyer-email"' in first and "Your tickets and the link to your order are sent here." in first


def test_each_prefix_and_initial_choice_has_its_own_kept_form():
    first = AttendeeForm(prefix="a1", initial={"same_as_buyer": True}).as_div()
    second = AttendeeForm(prefix="a2", initial={"same_as_buyer": False}).as_div()
    assert 'name="a1-same_as_buyer"' in first and "checked" in first
    assert 'name="a2-same_as_buyer"' in second and "checked" not in second


def test_a_form_with_values_or_errors_is_rendered_afresh():
    named = BuyerForm(prefix="buyer", initial={"name": "Kim Minji", "email": ""}).as_div()
    assert 'value="Kim Minji"' in named
    bound = BuyerForm({"buyer-name": "", "buyer-email": "not-an-address"}, prefix="buyer")
    assert not bound.is_valid()
    html = bound.as_div()
    assert 'value="not-an-address"' in html and "Enter a valid email address." in html
    assert 'value="not-an-address"' not in BuyerForm(prefix="buyer", initial={"name": "", "email": ""}).as_div()
