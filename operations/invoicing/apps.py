from django.apps import AppConfig


class Config(AppConfig):
    name = "operations.invoicing"
    label = "invoicing"
    verbose_name = "Invoicing"
    default_auto_field = "django.db.models.BigAutoField"
