from django.apps import AppConfig


class Config(AppConfig):
    name = "operations.ticketing"
    label = "ticketing"
    verbose_name = "Ticketing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete

        from operations.organizations.access import kept_while_unchanged
        from operations.ticketing.answer_files import organization_answer_files_erase
        from operations.ticketing.models import SigningKey

        kept_while_unchanged(SigningKey)  # the active key is kept per process (services/signing.py)
        post_delete.connect(organization_answer_files_erase, sender="organizations.Organization",
                            dispatch_uid="ticketing.answer_files.erase")
