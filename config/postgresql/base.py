"""PostgreSQL for django-tenants, without setting a search path the connection already has.

django-tenants forgets the connection's search path whenever code selects a schema, even the one
already in place, so every request paid a ``SET search_path`` round trip (the middleware selects
the public schema, then the organization's). This wrapper remembers what the open connection
really has, and forgets it whenever PostgreSQL may have undone it (a rollback or a savepoint
rollback: SET is transactional) or the connection goes away. Only then is the SET skipped: when
the search path wanted is exactly the one the connection holds.

It also spares the health check (CONN_HEALTH_CHECKS: a ``SELECT 1`` round trip before a request's
first statement) on a connection used less than HEALTH_CHECK_IDLE seconds ago. The check finds
connections that died while idle (a server restart, an idle timeout, a dropped network path); a
worker busy with a sales rush uses its connection every few milliseconds and paid a round trip per
request for it. A statement that fails on a dead connection marks it, and Django checks and
replaces it at the end of that request as before.
"""

import time

from django_tenants.postgresql_backend import base

HEALTH_CHECK_IDLE = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        self._search_path_live = None
        self._used_at = float("-inf")
        super().__init__(*args, **kwargs)

    def close_if_health_check_failed(self):
        if (self.connection is not None and not self.health_check_done and not self.errors_occurred
                and time.monotonic() - self._used_at < HEALTH_CHECK_IDLE):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _cursor(self, name=None):
        cursor = super()._cursor(name)
        self._used_at = time.monotonic()
        return cursor

    def _handle_search_path(self, cursor=None):
        if (not self._setting_search_path and self.search_path_set_schemas is None and self.schema_name
                and self._search_path_live is not None and self._search_path_live == self._get_cursor_search_paths()):
            self.search_path_set_schemas = self._search_path_live
            return
        before = self.search_path_set_schemas
        super()._handle_search_path(cursor)
        if self.search_path_set_schemas is None:
            self._search_path_live = None  # the SET failed: what the connection has is unknown
        elif self.search_path_set_schemas is not before:
            self._search_path_live = self.search_path_set_schemas

    def connect(self):
        self._search_path_live = None
        super().connect()

    def close(self):
        self._search_path_live = None
        super().close()

    def rollback(self):
        self._search_path_live = None
        super().rollback()

    def savepoint_rollback(self, sid):
        self._search_path_live = None
        super().savepoint_rollback(sid)
