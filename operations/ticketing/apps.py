from django.apps import AppConfig


class Config(AppConfig):
    name = "operations.ticketing"
    label = "ticketing"
    verbose_name = "Ticketing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from operations.organizations.access import kept_while_unchanged
        from operations.ticketing.models import SigningKey

        kept_while_unchanged(SigningKey)  # the active key is kept per process (services/signing.py)
