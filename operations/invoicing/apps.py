from django.apps import AppConfig


class Config(AppConfig):
    name = "operations.invoicing"
    label = "invoicing"
    verbose_name = "Invoicing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from operations.events.signals import event_cloned
        from operations.invoicing.services.taxes import tax_rule_copy

        event_cloned.connect(tax_rule_copy, dispatch_uid="invoicing.taxes.tax_rule_copy")
