from tests.conftest import *  # noqa: F401,F403  (the same database set-up and fixtures as the suite)
