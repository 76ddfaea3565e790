"""Startup refuses a production configuration that would be insecure (run from settings)."""

from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_KEY_LENGTH = 50


def insecure_production_problems(settings: dict) -> list[str]:
    """Everything wrong with a production (DEBUG off) configuration, as sentences."""
    if settings["DEBUG"]:
        return []
    problems = []
    key = settings["SECRET_KEY"]
    if len(key) < MIN_SECRET_KEY_LENGTH or key.startswith("django-insecure"):
        problems.append(
            f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_KEY_LENGTH} characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    if "*" in settings["ALLOWED_HOSTS"] and not settings.get("ALLOW_ANY_HOST"):
        problems.append(
            "ALLOWED_HOSTS must not contain '*'; list the platform domain and custom domains "
            "(or set ALLOW_ANY_HOST=true when a proxy already restricts host names)."
        )
    if settings["PLATFORM_SCHEME"] == "https" and not (
        settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
    ):
        problems.append("SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE must stay on when serving https.")
    return problems


def refuse_insecure_production(settings: dict) -> None:
    problems = insecure_production_problems(settings)
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start: insecure production configuration (DEBUG is off).\n  - "
            + "\n  - ".join(problems)
            + "\nFor local development set DEBUG=true (make run does)."
        )
