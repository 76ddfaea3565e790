from django.apps import AppConfig


class Config(AppConfig):
    name = "operations.organizations"
    label = "organizations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from operations.core import generations
        from operations.organizations.access import receivers_connect

        generations.receivers_connect()
        receivers_connect()
