from django.core.management import call_command
from django.core.management.base import BaseCommand

from operations.organizations.roles import role_permissions_forget
from operations.organizations.services import organization_template_ensure, platform_tenant_ensure


class Command(BaseCommand):
    help = "Migrate the public schema and every organization, and make sure the root domain and the template exist."

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=max(verbosity - 1, 0))
        platform_tenant_ensure()
        organization_template_ensure()
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=max(verbosity - 1, 0))
        role_permissions_forget()
        self.stdout.write(self.style.SUCCESS("Platform schemas are up to date."))
