"""Scheduled go-live and expiry of pages: Wagtail's publish_scheduled, run in every organization's
schema (Celery beat calls this once a minute; see config/celery.py)."""

from celery import shared_task
from django.core.management import call_command
from django_tenants.utils import schema_context


@shared_task
def pages_publish_scheduled_all_organizations() -> int:
    """Publish pages whose go-live time has come and unpublish expired ones, organization by
    organization. Idempotent (Wagtail's command only acts on what is due). Returns the number of
    organizations visited."""
    from operations.organizations.models import Organization

    schemas = list(Organization.objects.real().filter(is_active=True).values_list("schema_name", flat=True))
    for schema in schemas:
        with schema_context(schema):
            call_command("publish_scheduled", verbosity=0)
    return len(schemas)
