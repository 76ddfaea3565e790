from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.page_cache import receivers_connect
        from cms.registration import questions_copy
        from operations.events.signals import event_cloned

        receivers_connect()
        event_cloned.connect(questions_copy, dispatch_uid="cms.registration.questions_copy")
