"""The Celery app. Tasks carry the caller's schema (tenant_schemas_celery) and run inside it."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from tenant_schemas_celery.app import CeleryApp  # noqa: E402

app = CeleryApp("tessera")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    # Periodic work fans out over organizations explicitly (see operations.core.tasks).
}
