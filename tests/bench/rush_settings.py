"""Server settings for the rush benchmark: as in production, e-mails (PDF tickets) are queued for
a Celery worker instead of being rendered inside the web request (settings_test runs tasks eagerly)."""

from config.settings_test import *  # noqa: F401,F403

CELERY_TASK_ALWAYS_EAGER = False
