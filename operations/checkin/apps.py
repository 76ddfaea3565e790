from django.apps import AppConfig


class Config(AppConfig):
    name = "operations.checkin"
    label = "checkin"
    verbose_name = "Check-in"
    default_auto_field = "django.db.models.BigAutoField"
