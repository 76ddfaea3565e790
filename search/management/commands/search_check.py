import sys

from django.core.management.base import BaseCommand

from search.indexing import events_index_check_all_organizations


class Command(BaseCommand):
    help = ("Compare the events index with the database of every organization and report documents that are "
            "missing, stale (no longer listed) or different. Exits 1 when something disagrees. --fix re-syncs them.")

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Re-sync every disagreeing document.")

    def handle(self, *args, fix=False, **options):
        report = events_index_check_all_organizations()
        for label in ("missing", "stale"):
            for doc_id in report[label]:
                self.stdout.write(f"{label:9} {doc_id}")
        for doc_id, fields in report["different"].items():
            self.stdout.write(f"different {doc_id}: {', '.join(fields)}")
        summary = (f"{report['checked']} documents checked: {len(report['missing'])} missing, "
                   f"{len(report['stale'])} stale, {len(report['different'])} different.")
        bad = report["missing"] or report["stale"] or report["different"]
        if not bad:
            self.stdout.write(self.style.SUCCESS(summary))
            return
        if not fix:
            self.stdout.write(self.style.WARNING(summary))
            sys.exit(1)
        fixed = self._fix(report)
        self.stdout.write(self.style.SUCCESS(f"{summary} Re-synced {fixed}."))

    def _fix(self, report) -> int:
        from django_tenants.utils import schema_context

        from operations.organizations.models import Organization
        from search.indexing import event_page_sync_current_organization, organization_unindex

        ids = [*report["missing"], *report["stale"], *report["different"]]
        schemas = set(Organization.objects.filter(is_active=True).values_list("schema_name", flat=True))
        for doc_id in ids:
            schema, page_id = doc_id.split(":", 1)
            if schema in schemas:
                with schema_context(schema):
                    event_page_sync_current_organization(page_id=int(page_id), refresh=True)
            else:  # an organization that is gone or inactive
                organization_unindex(schema_name=schema, refresh=True)
        return len(ids)
