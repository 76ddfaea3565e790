from tests.search.support import events_index  # noqa: F401  (fixture)
