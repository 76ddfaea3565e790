"""The Celery app. Tasks carry the caller's schema (tenant_schemas_celery) and run inside it."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from tenant_schemas_celery.app import CeleryApp  # noqa: E402

app = CeleryApp("tessera")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    # Periodic work fans out over organizations explicitly (operations.organizations.selectors.in_each_organization).
    "ticketing-expire-reservations": {  # ticketing: expire holds, release seats, notify waiting lists
        "task": "operations.ticketing.tasks.orders_expire_all_organizations",
        "schedule": 60.0,
    },
    "ticketing-email-catch-up": {  # ticketing: tickets e-mails that never went out (broker down at commit)
        "task": "operations.ticketing.tasks.order_emails_catch_up_all_organizations",
        "schedule": 300.0,
    },
    "exports-housekeeping": {  # exports: delete expired export files, store funnel page-view counters
        "task": "operations.exports.tasks.exports_housekeeping_all_organizations",
        "schedule": 300.0,
    },
    "cms-publish-scheduled": {  # cms: scheduled go-live and expiry of pages
        "task": "cms.tasks.pages_publish_scheduled_all_organizations",
        "schedule": 60.0,
    },
    "events-progress": {  # events: published → ongoing when they start → completed when they end
        "task": "operations.events.tasks.events_progress_all_organizations",
        "schedule": 300.0,
    },
    "payments-reconcile": {  # payments: settle card payments whose webhook never arrived
        "task": "operations.payments.tasks.payments_reconcile_all_organizations",
        "schedule": 120.0,
    },
}
