from django.core.management.base import BaseCommand

from search.indexing import events_index_rebuild_all_organizations


class Command(BaseCommand):
    help = "Rebuild the portal's events index from the database and swap it in without downtime."

    def handle(self, *args, **options):
        def progress(done, total, organization):
            width = 30
            filled = int(width * done / total) if total else width
            self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {organization.slug:<30}", ending="")
            self.stdout.flush()

        count = events_index_rebuild_all_organizations(progress=progress)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} events."))
