"""Files attendees uploaded as answers: staff who may see the order download them from the admin;
nobody else does."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from operations.ticketing.answer_files import answer_files_storage
from operations.ticketing.services.orders import Attendee, Item, order_complete, order_reserve
from tests.operations.ticketing.builders import event_make, ticket_type_make


def _order_with_cv(path: str):
    event = event_make(slug="cv")
    ticket_type = ticket_type_make(event, seats=5)
    answers = {"cv": {"label": "CV", "type": "file", "value": "cv.pdf", "file": path}}
    return order_complete(order=order_reserve(event=event, items=[Item(ticket_type.pk, 1)]), name="Kim",
                          email="kim@example.com", attendees=[Attendee("Kim", "kim@example.com", answers)])


def test_staff_download_an_uploaded_answer_from_the_order(org_a, in_schema, member, site_client):
    with in_schema(org_a):
        path = answer_files_storage().save("test-token/cv.pdf", ContentFile(b"%PDF-1.4 cv"))
        order = _order_with_cv(path)
        position = order.positions.get()
        url = reverse("ticketing_order_answer_file", args=[order.pk, position.pk, "cv"])
        admin = site_client(org_a, member(org_a, "admin"))
        assert f'href="{url}"' in admin.get(reverse("ticketing_order", args=[order.pk])).content.decode()
        response = admin.get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 cv"
        assert 'filename="cv.pdf"' in response["Content-Disposition"] and "no-store" in response["Cache-Control"]
        assert admin.get(reverse("ticketing_order_answer_file", args=[order.pk, position.pk, "other"])).status_code == 404
        answer_files_storage().delete(path)


def test_roles_that_may_not_see_orders_and_visitors_cannot_download_it(org_a, in_schema, member, site_client):
    with in_schema(org_a):
        path = answer_files_storage().save("test-token/cv.pdf", ContentFile(b"%PDF-1.4 cv"))
        order = _order_with_cv(path)
        url = reverse("ticketing_order_answer_file", args=[order.pk, order.positions.get().pk, "cv"])
        assert site_client(org_a, member(org_a, "marketing")).get(url).status_code == 403
        assert site_client(org_a).get(url).status_code in (302, 403)  # a visitor is sent to sign in
        answer_files_storage().delete(path)


@pytest.mark.committed
def test_an_organizations_answer_files_go_when_it_is_erased(django_db_setup, django_db_blocker):
    from pathlib import Path

    from django_tenants.utils import schema_context

    from tests.harness import committed_organization

    with django_db_blocker.unblock():
        with committed_organization("files") as organization:
            with schema_context(organization.schema_name):
                answer_files_storage().save("token/cv.pdf", ContentFile(b"%PDF-1.4 cv"))
                folder = Path(answer_files_storage().location)
            assert (folder / "token" / "cv.pdf").exists()
        assert not folder.exists()
