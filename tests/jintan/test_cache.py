"""The cache keeps requests working while Redis is unreachable."""

import socket
import time

from jintan.cache import ResilientRedisCache


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cache_at(location):
    return ResilientRedisCache(location, {"KEY_PREFIX": f"cache-test-{time.time()}"})


def test_an_unreachable_redis_reads_as_a_miss_and_drops_writes_quickly():
    cache = cache_at(f"redis://127.0.0.1:{closed_port()}/0")
    started = time.monotonic()
    assert cache.get("version", 7) == 7
    cache.set("version", 1)
    assert cache.add("throttle", [1]) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.delete("version") is False
    assert time.monotonic() - started < 5


def test_a_reachable_redis_caches_as_usual():
    cache = cache_at("redis://127.0.0.1:6379/14")
    cache.set("version", 41)
    assert cache.get("version") == 41
    assert cache.incr("version") == 42
    cache.delete("version")
    assert cache.get("version", "gone") == "gone"
