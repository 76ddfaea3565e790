from django.apps import AppConfig


class Config(AppConfig):
    name = "operations.payments"
    label = "payments"
    verbose_name = "Payments"
    default_auto_field = "django.db.models.BigAutoField"
