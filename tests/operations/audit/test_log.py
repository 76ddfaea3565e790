"""The audit log: what each entry changed, and the log's filters (operations/audit)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from operations.audit.models import AuditEntry


def _entry(**fields) -> AuditEntry:
    return AuditEntry.objects.create(**fields)


def test_an_entry_lists_only_the_fields_it_changed_or_set(org_a, in_schema):
    with in_schema(org_a):
        moved = _entry(action="order.paid", before={"status": "awaiting_payment", "paid": "0", "code": "REG-1"},
                       after={"status": "confirmed", "paid": "25.50", "code": "REG-1", "source": "offline"})
        assert moved.changes == [("status", "awaiting_payment", "confirmed"), ("paid", "0", "25.50"),
                                 ("source", None, "offline")]
        created = _entry(action="order.confirmed", after={"status": "confirmed"})
        assert created.changes == [("status", None, "confirmed")]
        assert _entry(action="order.resent").changes == []


def test_the_log_filters_by_action_actor_target_and_dates(org_a, in_schema, member, site_client):
    with in_schema(org_a):
        owner = member(org_a, "owner")
        client = site_client(org_a, owner)
        _entry(action="order.cancelled", actor_label="kim@example.com", target_label="REG-20261204-AAAAAA",
               before={"status": "confirmed"}, after={"status": "cancelled"})
        _entry(action="membership.invited", actor_label="lee@example.com", target_label="new@example.com")
        old = _entry(action="order.approved", actor_label="kim@example.com", target_label="REG-20250101-BBBBBB")
        AuditEntry.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=400))

        def shown(query: str) -> set[str]:
            response = client.get(reverse("audit_log") + query)
            assert response.status_code == 200, query
            return {entry.action for entry in response.context["page_obj"]}

        assert shown("?action=order.") == {"order.cancelled", "order.approved"}
        assert shown("?who=kim@") == {"order.cancelled", "order.approved"}
        assert shown("?what=aaaaaa") == {"order.cancelled"}
        assert shown(f"?since={(timezone.now() - timedelta(days=1)).date()}&who=kim") == {"order.cancelled"}
        page = client.get(reverse("audit_log") + "?action=order.cancelled").content.decode()
        assert "<del>confirmed</del>" in page and "<ins>cancelled</ins>" in page


def test_an_unreadable_date_is_named_and_the_other_filters_still_apply(org_a, in_schema, member, site_client):
    with in_schema(org_a):
        client = site_client(org_a, member(org_a, "owner"))
        _entry(action="order.cancelled", actor_label="kim@example.com")
        _entry(action="membership.invited", actor_label="lee@example.com")
        response = client.get(reverse("audit_log") + "?since=yesterday&who=kim")
        assert response.status_code == 400 and "Enter a date as YYYY-MM-DD." in response.content.decode()
        assert [entry.action for entry in response.context["page_obj"]] == ["order.cancelled"]
