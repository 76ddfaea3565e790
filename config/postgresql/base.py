"""PostgreSQL for django-tenants, without setting a search path the connection already has.

django-tenants forgets the connection's search path whenever code selects a schema, even the one
already in place, so every request paid a ``SET search_path`` round trip (the middleware selects
the public schema, then the organization's). This wrapper remembers what the open connection
really has, and forgets it whenever PostgreSQL may have undone it (a rollback or a savepoint
rollback: SET is transactional) or the connection goes away. Only then is the SET skipped: when
the search path wanted is exactly the one the connection holds.
"""

from django_tenants.postgresql_backend import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        self._search_path_live = None
        super().__init__(*args, **kwargs)

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
