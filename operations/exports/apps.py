from django.apps import AppConfig


class Config(AppConfig):
    name = "operations.exports"
    label = "exports"
    verbose_name = "Exports and reports"
    default_auto_field = "django.db.models.BigAutoField"
