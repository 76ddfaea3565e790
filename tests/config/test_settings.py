import os
import subprocess
import sys

import pytest

from config.checks import insecure_production_problems

SAFE = {
    "DEBUG": False, "SECRET_KEY": "k" * 64, "ALLOWED_HOSTS": ["events.example"], "PLATFORM_SCHEME": "https",
    "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
}


def test_a_safe_production_configuration_passes():
    assert insecure_production_problems(SAFE) == []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 60}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ["*"]}, "ALLOWED_HOSTS"),
        ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE"),
    ],
)
def test_insecure_production_settings_are_named(change, fragment):
    problems = insecure_production_problems({**SAFE, **change})
    assert len(problems) == 1 and fragment in problems[0]


def test_debug_mode_is_not_held_to_production_rules():
    assert insecure_production_problems({**SAFE, "DEBUG": True, "SECRET_KEY": ""}) == []


def test_startup_refuses_an_insecure_production_configuration():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="false")
    result = subprocess.run([sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "Refusing to start: insecure production configuration" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr
