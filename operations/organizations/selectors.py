import logging
from collections.abc import Callable

from operations.organizations.models import Membership

log = logging.getLogger(__name__)


def membership_list(*, organization):
    return Membership.objects.filter(organization=organization).select_related("user", "invited_by").order_by(
        "role", "user__email"
    )


def in_each_organization(work: Callable[[], int], *, name: str) -> int:
    """Run ``work`` in the schema of every active organization (a beat task's fan-out) and add up
    what it returns. One organization's failure is logged under ``name`` and does not hold back
    the others."""
    from django_tenants.utils import schema_context

    from operations.organizations.models import Organization

    total = 0
    for schema in Organization.objects.real().filter(is_active=True).values_list("schema_name", flat=True):
        try:
            with schema_context(schema):
                total += work()
        except Exception:  # noqa: BLE001 - logged; the next organization still gets its turn
            log.exception("%s failed in %s", name, schema)
    return total
