import time

from django.core.management.base import BaseCommand, CommandError

from operations.organizations.errors import OrganizationError
from operations.organizations.services import organization_create


class Command(BaseCommand):
    help = "Create an organization: schema, subdomain, Wagtail site and home page, branding, owner."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Subdomain and identifier, e.g. acme")
        parser.add_argument("name", help="Display name, e.g. \"Acme Events\"")
        parser.add_argument("--owner", required=True, help="E-mail of the owner (invited if new)")
        parser.add_argument("--name-en", default="", help="English name, when the name is in another language")
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument("--locale", default="en")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            organization = organization_create(
                slug=options["slug"], name=options["name"], owner_email=options["owner"],
                name_en=options["name_en"], timezone=options["timezone"], locale=options["locale"],
            )
        except OrganizationError as error:
            raise CommandError(f"{error.message} [{error.code}]") from None
        self.stdout.write(self.style.SUCCESS(
            f"Created {organization.name} in {time.perf_counter() - started:.1f}s: "
            f"{organization.url()} (admin: {organization.url('/admin/')})"
        ))
