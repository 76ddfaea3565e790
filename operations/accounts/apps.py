from django.apps import AppConfig


class Config(AppConfig):
    name = "operations.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from operations.accounts import receivers  # noqa: F401
        from operations.accounts.attendee_orders import receivers_connect

        receivers_connect()
