"""Sign-up, e-mail verification, sign-in, password reset and lockout on the root domain
(allauth + django-axes), and the lockout on an organization's Wagtail admin login."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client

from operations.accounts.models import User
from tests.conftest import PASSWORD

NEW_PASSWORD = "another-long-passphrase-42"


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # allauth keeps its rate-limit counters in the cache. The configured cache is the shared Redis,
    # which outlives the test transaction: counters from earlier tests (or runs) would leak in.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "accounts-tests",
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        }
    }
    cache = caches["default"]
    assert isinstance(cache, LocMemCache)
    cache.clear()  # locmem storage is per process, not per settings change


@pytest.fixture
def client(db):
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def verified_user(db):
    user = User.objects.create_user(email="ada@example.test", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


def _signup(client, email="grace@example.test", password=PASSWORD, password2=None):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": password, "password2": password2 or password}
    )


def _login(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def _link_in(message, pattern) -> str:
    match = re.search(pattern, message.body)
    assert match, f"no link matching {pattern!r} in:\n{message.body}"
    return match.group(0)


def _signed_in_user_id(client):
    return client.session.get("_auth_user_id")


# --- Sign-up and verification -----------------------------------------------------------------

def test_signup_sends_a_verification_email_and_does_not_sign_in(client):
    response = _signup(client)

    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="grace@example.test")
    assert not EmailAddress.objects.get(user=user).verified
    assert _signed_in_user_id(client) is None
    assert [m.to for m in mail.outbox] == [["grace@example.test"]]
    assert mail.outbox[0].subject.startswith("[Tessera] ")
    _link_in(mail.outbox[0], r"http://localhost/accounts/confirm-email/[^/\s]+/")


def test_unverified_account_cannot_sign_in(db):
    _signup(Client(HTTP_HOST="localhost"))

    other_browser = Client(HTTP_HOST="localhost")
    response = _login(other_browser, "grace@example.test", PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert _signed_in_user_id(other_browser) is None


def test_following_the_confirmation_link_verifies_and_signs_in(client):
    _signup(client)
    link = _link_in(mail.outbox[0], r"http://localhost/accounts/confirm-email/[^/\s]+/")
    path = link.removeprefix("http://localhost")

    confirm_page = client.get(path)
    assert confirm_page.status_code == 200 and b"grace@example.test" in confirm_page.content
    response = client.post(path)

    user = User.objects.get(email="grace@example.test")
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert _signed_in_user_id(client) == str(user.pk)


def test_confirmation_link_signs_in_from_another_browser_after_a_password_login(db):
    _signup(Client(HTTP_HOST="localhost"))
    path = _link_in(mail.outbox[0], r"http://localhost/accounts/confirm-email/[^/\s]+/").removeprefix(
        "http://localhost"
    )

    other_browser = Client(HTTP_HOST="localhost")
    other_browser.post(path)
    response = _login(other_browser, "grace@example.test", PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in_user_id(other_browser) == str(User.objects.get(email="grace@example.test").pk)


# --- Sign-in ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["ada@example.test", "ADA@Example.TEST", "  Ada@example.test "])
def test_sign_in_by_email_ignores_case(client, verified_user, typed):
    response = _login(client, typed, PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in_user_id(client) == str(verified_user.pk)


def test_wrong_password_shows_the_form_again_with_an_error(client, verified_user):
    response = _login(client, verified_user.email, "not-the-password")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert _signed_in_user_id(client) is None


# --- Password reset ---------------------------------------------------------------------------

def test_password_reset_link_sets_a_new_password(client, verified_user):
    response = client.post("/accounts/password/reset/", {"email": "ADA@example.test"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/done/"
    assert [m.to for m in mail.outbox] == [["ada@example.test"]]

    link = _link_in(mail.outbox[0], r"http://localhost/accounts/password/reset/key/[^/\s]+/")
    form_page = client.get(link.removeprefix("http://localhost"), follow=True)
    assert form_page.status_code == 200 and "password1" in form_page.context["form"].fields
    set_password_path = form_page.redirect_chain[-1][0]
    done = client.post(set_password_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302

    verified_user.refresh_from_db()
    assert verified_user.check_password(NEW_PASSWORD) and not verified_user.check_password(PASSWORD)
    fresh = Client(HTTP_HOST="localhost")
    assert _login(fresh, verified_user.email, NEW_PASSWORD)["Location"] == "/"


def test_password_reset_link_works_only_once(client, verified_user):
    client.post("/accounts/password/reset/", {"email": verified_user.email})
    path = _link_in(mail.outbox[0], r"http://localhost/accounts/password/reset/key/[^/\s]+/").removeprefix(
        "http://localhost"
    )
    set_password_path = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(set_password_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    again = Client(HTTP_HOST="localhost").get(path, follow=True)
    assert again.status_code == 200 and again.context["token_fail"]


# --- Lockout ----------------------------------------------------------------------------------
# django-axes counts failures per address and per IP (AXES_FAILURE_LIMIT=5) and answers 429 with
# account/locked_out.html; the failure that reaches the limit is already answered that way.

def test_sixth_sign_in_after_five_failures_is_locked_out_even_with_the_right_password(client, verified_user):
    failures = [_login(client, verified_user.email, f"wrong-{i}") for i in range(5)]
    assert [r.status_code for r in failures[:4]] == [200] * 4

    locked = _login(client, verified_user.email, PASSWORD)

    assert _signed_in_user_id(client) is None
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content


def test_lockout_also_applies_on_an_organizations_admin_login(org_a):
    client = Client(HTTP_HOST=org_a.primary_host())
    owner = "owner@alpha.test"
    failures = [client.post("/admin/login/", {"username": owner, "password": f"wrong-{i}"}) for i in range(5)]
    assert [r.status_code for r in failures[:4]] == [200] * 4

    locked = client.post("/admin/login/", {"username": owner.upper(), "password": PASSWORD})

    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    assert _signed_in_user_id(client) is None
    assert client.get("/admin/").status_code == 302  # still signed out


# --- Refused sign-ups -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("email", "password2", "field", "message"),
    [
        ("grace@example.test", "a-different-passphrase", "password2", "You must type the same password each time."),
        ("not-an-address", None, "email", "Enter a valid email address."),
    ],
)
def test_bad_signup_shows_the_form_with_an_error_and_creates_nothing(client, email, password2, field, message):
    users_before = User.objects.count()

    response = _signup(client, email=email, password2=password2)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message.encode() in response.content
    assert User.objects.count() == users_before and not mail.outbox


def test_signup_with_a_known_email_creates_nothing_and_does_not_reveal_the_account(client, verified_user):
    # allauth's enumeration prevention (ACCOUNT_PREVENT_ENUMERATION, default on): the visitor sees
    # the same "check your e-mail" step as after a real sign-up; the owner of the address is told.
    response = _signup(client, email="Ada@Example.test")

    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert User.objects.filter(email__iexact="ada@example.test").count() == 1
    assert not EmailAddress.objects.exclude(user=verified_user).exists()
    assert [m.to for m in mail.outbox] == [["ada@example.test"]]
    _link_in(mail.outbox[0], r"http://localhost/accounts/password/reset/")


def test_a_password_reset_lifts_the_lockout(client, verified_user):
    for attempt in range(5):
        _login(client, verified_user.email, f"wrong-{attempt}")
    assert _login(client, verified_user.email, PASSWORD).status_code == 429

    client.post("/accounts/password/reset/", {"email": verified_user.email})
    path = _link_in(mail.outbox[-1], r"http://localhost/accounts/password/reset/key/[^/\s]+/").removeprefix(
        "http://localhost"
    )
    set_password_path = client.get(path, follow=True).redirect_chain[-1][0]
    assert client.post(set_password_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302

    assert _login(Client(HTTP_HOST="localhost"), verified_user.email, NEW_PASSWORD)["Location"] == "/"
