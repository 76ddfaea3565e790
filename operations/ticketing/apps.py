from django.apps import AppConfig


class Config(AppConfig):
    name = "operations.ticketing"
    label = "ticketing"
    verbose_name = "Ticketing"
    default_auto_field = "django.db.models.BigAutoField"
