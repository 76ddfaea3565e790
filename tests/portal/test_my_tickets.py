""""My tickets" on the root domain: a signed-in person's orders from every organization, found by
the account that placed them or by a verified e-mail address, never anyone else's."""

import pytest
from allauth.account.models import EmailAddress
from django.db import transaction
from django.test import Client

from operations.accounts.models import AttendeeOrder, User
from operations.organizations.services import organization_deactivate
from operations.ticketing.services.lifecycle import order_cancel
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from tests.operations.ticketing.builders import event_make, ticket_type_make

pytestmark = pytest.mark.django_db


def registered(*, email: str, event_name: str, user=None, complete=True):
    event = event_make(slug=event_name.lower().replace(" ", "-"), name=event_name)
    order = order_reserve(event=event, items=[Item(ticket_type_make(event).pk, 1)], user=user)
    if complete:
        order = order_complete(order=order, name="Buyer", email=email, payment_method="",
                               attendees=[Attendee("Mina Seo", email)])
    return order


def person(email: str, *, verified=True) -> User:
    user = User.objects.create_user(email=email, password="correct-horse-battery-staple")
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def my_tickets(user) -> str:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user, backend="operations.accounts.backends.EmailBackend")
    response = client.get("/my-tickets/")
    assert response.status_code == 200
    return response.content.decode()


def test_orders_from_every_organization_with_links_to_their_order_pages(org_a, org_b, in_schema):
    mina = person("mina@example.com")
    with in_schema(org_a):
        alpha = registered(email="mina@example.com", event_name="Alpha Summit")
    with in_schema(org_b):
        beta = registered(email="other@example.com", event_name="Beta Jazz Night", user=mina)  # signed in, other address
        registered(email="someone@example.com", event_name="Beta Workshop")
        registered(email="mina@example.com", event_name="Beta Abandoned", complete=False)  # a basket, not an order

    page = my_tickets(mina)
    assert "Alpha Summit" in page and "Beta Jazz Night" in page
    assert "Beta Workshop" not in page and "Beta Abandoned" not in page
    assert org_a.url(f"/register/order/{alpha.secret}/") in page
    assert org_b.url(f"/register/order/{beta.secret}/") in page


def test_an_unverified_address_shows_nothing(org_a, in_schema):
    mallory = person("mina@example.com", verified=False)
    with in_schema(org_a):
        registered(email="mina@example.com", event_name="Alpha Summit")
    assert "Alpha Summit" not in my_tickets(mallory)


def test_the_copy_follows_the_order_and_rolls_back_with_it(org_a, in_schema):
    with in_schema(org_a):
        order = registered(email="mina@example.com", event_name="Alpha Summit")
        assert AttendeeOrder.objects.get(order_id=order.pk, schema_name=org_a.schema_name).status == "confirmed"
        order_cancel(order=order, reason="Plans changed")
        assert AttendeeOrder.objects.get(order_id=order.pk, schema_name=org_a.schema_name).status == "cancelled"
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                doomed = registered(email="mina@example.com", event_name="Doomed")
                raise RuntimeError
        assert not AttendeeOrder.objects.filter(code=doomed.code).exists()


def test_orders_of_a_deactivated_organization_are_hidden(org_a, in_schema):
    mina = person("mina@example.com")
    with in_schema(org_a):
        registered(email="mina@example.com", event_name="Alpha Summit")
    organization_deactivate(organization=org_a)
    assert "Alpha Summit" not in my_tickets(mina)


def test_signing_in_is_required():
    response = Client(HTTP_HOST="localhost").get("/my-tickets/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

