"""One Redis client per process for the keys every web process must share.

Django's cache is not used for these: its key prefix may differ per process (as in the test
settings), and these keys (markers, generations) only work when every process reads the same one."""

import redis
from django.conf import settings

_client = None


def redis_client() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    return _client
