"""The check-in list form's ticket type picker: a ticket type's label names its event, and the
picker reads the events with the types (one query, however many types there are)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from operations.checkin.services.lists import checkin_list_default
from operations.checkin.wagtail_hooks import CheckinListViewSet
from tests.operations.checkin.builders import event_make, ticket_type_make


@pytest.fixture
def alpha(org_a, in_schema):
    with in_schema(org_a):
        yield org_a


def _types(count: int, start: int) -> None:
    for number in range(start, start + count):
        ticket_type_make(event_make(slug=f"list-form-{number}"), name=f"Type {number}")


def _queries(render) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        html = render()
    return len(queries), html


def test_the_ticket_type_picker_takes_as_many_queries_for_many_types_as_for_few(alpha):
    form_class = CheckinListViewSet("checkin_lists").get_form_class()
    _types(2, 0)
    few, html = _queries(lambda: str(form_class()["ticket_types"]))
    assert "Type 1 · Conference list-form-1" in html
    _types(6, 2)
    many, html = _queries(lambda: str(form_class()["ticket_types"]))
    assert "Type 7 · Conference list-form-7" in html
    assert many == few == 1


def test_the_admin_edit_page_takes_as_many_queries_for_many_types_as_for_few(alpha, member, site_client):
    event = event_make(slug="list-form-door")
    ticket_type_make(event, name="Door")
    checkin_list = checkin_list_default(event=event)
    client = site_client(alpha, member(alpha, "owner"))
    url = reverse("checkin_lists:edit", args=[checkin_list.pk])
    assert client.get(url).status_code == 200  # warm the per-process caches
    few, html = _queries(lambda: client.get(url).text)
    assert "Door · Conference list-form-door" in html
    _types(6, 0)
    many, html = _queries(lambda: client.get(url).text)
    assert "Type 5 · Conference list-form-5" in html
    assert many == few
