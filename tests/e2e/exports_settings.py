"""Test-server and worker settings for the export browser test: a real Celery worker instead of
eager tasks, a low "large export" threshold and small chunks so the progress bar moves."""

import os

from config.settings_test import *  # noqa: F401,F403

CELERY_TASK_ALWAYS_EAGER = False
EXPORTS_SYNC_MAX_ROWS = 100
EXPORTS_CHUNK_ROWS = 200
EXPORTS_ROOT = os.environ["EXPORTS_ROOT"]
# Each chunk waits a little, so that a browser polling once a second sees the bar move.
EXPORTS_CHUNK_PAUSE = 0.3
