"""A Redis cache that degrades to "nothing cached" while Redis is unreachable.

What this platform caches is an optimisation or a soft limit: throttle
counters, the version stamps of the calendar and of the grid boundaries. When
Redis stops, tickets must still be taken in (DESIGN §5: nothing is lost), so a
read answers a miss and a write is dropped, with a warning in the log, instead
of failing the request. Connections time out quickly for the same reason.
``incr`` is left strict: a caller counting on it must know it did not count.
"""

import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (ConnectionError, TimeoutError)


def _tolerant(fallback):
    def wrap(method):
        def tolerant(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as error:
                logger.warning("cache unreachable: %s", error)
                return fallback(*args) if callable(fallback) else fallback

        tolerant.__name__ = method.__name__
        tolerant.__doc__ = method.__doc__
        return tolerant

    return wrap


class _TolerantClient(RedisCacheClient):
    add = _tolerant(False)(RedisCacheClient.add)
    get = _tolerant(lambda key, default: default)(RedisCacheClient.get)
    set = _tolerant(None)(RedisCacheClient.set)
    touch = _tolerant(False)(RedisCacheClient.touch)
    delete = _tolerant(False)(RedisCacheClient.delete)
    get_many = _tolerant(lambda keys: {})(RedisCacheClient.get_many)
    has_key = _tolerant(False)(RedisCacheClient.has_key)
    set_many = _tolerant(lambda data, timeout: [])(RedisCacheClient.set_many)
    delete_many = _tolerant(None)(RedisCacheClient.delete_many)
    clear = _tolerant(False)(RedisCacheClient.clear)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**QUICK_TIMEOUTS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._class = _TolerantClient


QUICK_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}
