"""Test-server settings for the registration browser test: real SMTP (EMAIL_URL) instead of the
in-memory outbox, so the e-mail is captured by the test's own SMTP server."""

from config.settings_test import *  # noqa: F401,F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
