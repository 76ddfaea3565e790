"""Django's Redis cache with one client per connection pool, kept for the life of the process.

Django builds a new ``redis.Redis`` for every cache call; redis-py 8 fills a table of some 170
response callbacks in each one, which cost about a millisecond of CPU per call, more than the
round trip itself. A client is a thin, thread-safe handle on its pool, so one per pool is enough.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class KeptClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
