"""Deleting an organization (committed, like production) erases the public copies of its orders."""

import pytest
from django_tenants.utils import schema_context

from operations.accounts.models import AttendeeOrder
from tests.harness import committed_organization
from tests.portal.test_my_tickets import registered

pytestmark = pytest.mark.committed


def test_deleting_an_organization_erases_the_copies_of_its_orders(django_db_blocker, django_db_setup):
    with django_db_blocker.unblock():
        with committed_organization("mine") as organization:
            with schema_context(organization.schema_name):
                registered(email="mina@example.com", event_name="Gone Soon")
            assert AttendeeOrder.objects.filter(schema_name=organization.schema_name).count() == 1
        assert not AttendeeOrder.objects.filter(schema_name=organization.schema_name).exists()
