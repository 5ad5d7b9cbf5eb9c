"""The content version read from Redis without a round trip while Redis has not said it changed.

Every public request reads the content version (pages/store/site_state.py). With Redis, each process reads it
on a connection with CLIENT TRACKING on and keeps the value until Redis pushes an invalidation for it
(pages/site/cache_backend.py, `get_watched`). These tests run against a real Redis.
"""

import time

import pytest
import redis
from django.core.cache import caches

from pages.editing.saving import save_page
from pages.models import Page
from pages.site import cache_backend
from pages.site.cache_backend import forget_failures
from pages.store.site_state import SHARED_VERSION_KEY, shared_content_version
from tests.commits import committed
from tests.servers import real_redis_caches, redis_url


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = real_redis_caches(f"quire-test-tracking-{time.monotonic_ns()}")
    forget_failures()
    cache = caches["default"]
    yield cache
    cache.delete_many(["probe", SHARED_VERSION_KEY])
    if "_watched" in cache._cache.__dict__:
        cache._cache._drop_watched(cache._cache._watched)
    forget_failures()


@pytest.fixture
def other_client():
    """Another Redis client, as another process or machine would be."""
    return redis.Redis.from_url(redis_url())


def sent_commands(cache, monkeypatch) -> list:
    """The commands the tracking connection sends from now on."""
    connection = cache._cache._watched.keys.connection
    sent = []
    original = connection.send_command

    def counting(*args, **kwargs):
        sent.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(connection, "send_command", counting)
    return sent


def read_until(cache, key, expected, seconds=2.0):
    """Read until the value is `expected` (an invalidation crosses the network once), at most `seconds`."""
    deadline = time.monotonic() + seconds
    while (value := cache.get_watched(key)) != expected and time.monotonic() < deadline:
        time.sleep(0.001)
    return value


def test_an_unchanged_value_is_read_once(redis_cache, monkeypatch):
    redis_cache.set("probe", (7, 1.5), 30)
    assert redis_cache.get_watched("probe") == (7, 1.5)
    sent = sent_commands(redis_cache, monkeypatch)
    assert [redis_cache.get_watched("probe") for _ in range(50)] == [(7, 1.5)] * 50
    assert sent == []


def test_a_change_by_another_client_is_read_at_the_next_request(redis_cache, other_client, monkeypatch):
    redis_cache.set("probe", (7, 1.5), 30)
    assert redis_cache.get_watched("probe") == (7, 1.5)
    sent = sent_commands(redis_cache, monkeypatch)
    other_client.set(redis_cache.make_key("probe"), redis_cache._cache._serializer.dumps((8, 2.5)))
    assert read_until(redis_cache, "probe", (8, 2.5)) == (8, 2.5)
    assert sent == ["GET"]  # read again once, after Redis said it changed
    other_client.delete(redis_cache.make_key("probe"))
    assert read_until(redis_cache, "probe", None) is None


def test_a_change_made_through_the_cache_is_read_at_once(redis_cache):
    """A write in this thread drops its copy at once, without waiting for Redis's push: a request reads
    its own writes (a bump deletes the version and reads its own number right after)."""
    redis_cache.set("probe", (1, 0.0), 30)
    assert redis_cache.get_watched("probe") == (1, 0.0)
    for number in range(2, 200):
        redis_cache.set("probe", (number, 0.0), 30)
        assert redis_cache.get_watched("probe") == (number, 0.0)
        redis_cache.delete("probe")
        assert redis_cache.get_watched("probe") is None
    redis_cache.set_many({"probe": (7, 0.0)}, 30)
    assert redis_cache.get_watched("probe") == (7, 0.0)
    redis_cache.delete_many(["probe"])
    assert redis_cache.get_watched("probe") is None
    assert redis_cache.add("probe", (8, 0.0), 30)
    assert redis_cache.get_watched("probe") == (8, 0.0)
    redis_cache.clear()
    assert redis_cache.get_watched("probe") is None


def test_a_write_here_does_not_wait_for_the_push(redis_cache, monkeypatch):
    """Even when Redis's push has not reached the socket yet, this thread reads what it wrote."""
    redis_cache.set("probe", (1, 0.0), 30)
    assert redis_cache.get_watched("probe") == (1, 0.0)
    monkeypatch.setattr(cache_backend._WatchedKeys, "_pushed", lambda self: False)  # nothing arrived yet
    redis_cache.set("probe", (2, 0.0), 30)
    assert redis_cache.get_watched("probe") == (2, 0.0)
    redis_cache.delete("probe")
    assert redis_cache.get_watched("probe") is None


def test_a_flushed_database_drops_every_copy(redis_cache, other_client):
    redis_cache.set("probe", (3, 0.0), 30)
    assert redis_cache.get_watched("probe") == (3, 0.0)
    other_client.flushdb()
    assert read_until(redis_cache, "probe", None) is None


def test_a_killed_connection_never_serves_its_old_copy(redis_cache, other_client, caplog):
    """Redis closed the connection (a restart): invalidations sent meanwhile are lost, so the copy is
    dropped and the value read again on a new connection, without marking the cache down."""
    redis_cache.set("probe", (4, 0.0), 30)
    assert redis_cache.get_watched("probe") == (4, 0.0)
    connection = redis_cache._cache._watched.keys.connection
    connection.send_command("CLIENT", "ID")
    other_client.client_kill_filter(_id=connection.read_response())
    other_client.set(redis_cache.make_key("probe"), redis_cache._cache._serializer.dumps((5, 0.0)))
    with caplog.at_level("WARNING", logger="quire.cache"):
        assert redis_cache.get_watched("probe") == (5, 0.0)
    assert not any("unavailable" in record.getMessage() for record in caplog.records)


def test_a_connection_above_select_limit_works(redis_cache, other_client):
    """A busy process may hold more than 1,024 descriptors; the tracking socket is polled, not select()ed."""
    import os

    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        redis_cache.set("probe", (9, 0.0), 30)
        assert redis_cache.get_watched("probe") == (9, 0.0)
        assert redis_cache._cache._watched.keys.connection._sock.fileno() > 1024
        other_client.set(redis_cache.make_key("probe"), redis_cache._cache._serializer.dumps((10, 0.0)))
        assert read_until(redis_cache, "probe", (10, 0.0)) == (10, 0.0)
    finally:
        for fd in held:
            os.close(fd)


def test_an_unexpected_failure_of_the_tracking_falls_back_to_plain_reads(redis_cache, monkeypatch, caplog):
    """Whatever goes wrong in the tracking itself, the read is answered (with a GET), never raised."""
    redis_cache.set("probe", (11, 0.0), 30)

    def broken(self):
        raise ValueError("unexpected")

    monkeypatch.setattr(cache_backend._WatchedKeys, "_pushed", broken)
    with caplog.at_level("WARNING", logger="quire.cache"):
        assert redis_cache.get_watched("probe") == (11, 0.0)
        assert redis_cache.get_watched("probe") == (11, 0.0)
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["Tracking the content version failed; reading it with GET"]


def test_without_tracking_every_read_asks_redis(redis_cache, settings, monkeypatch):
    settings.QUIRE_CACHE_TRACKING = False
    reads = []
    original = cache_backend.ReusedRedisClient.get

    def counting(self, *args):
        reads.append(args[0])
        return original(self, *args)

    monkeypatch.setattr(cache_backend.ReusedRedisClient, "get", counting)
    redis_cache.set("probe", (6, 0.0), 30)
    for _ in range(3):
        assert redis_cache.get_watched("probe") == (6, 0.0)
    assert len(reads) == 3


def test_the_content_version_follows_a_bump_with_no_round_trip_between(redis_cache, db, monkeypatch):
    """Public requests read the version from the tracked copy; a save anywhere is seen at once."""
    with committed():
        save_page(Page(title="Home", url_path="/", body="x"))
    before, stale = shared_content_version()
    assert not stale
    assert shared_content_version() == (before, False)
    sent = sent_commands(redis_cache, monkeypatch)
    for _ in range(20):
        assert shared_content_version() == (before, False)
    assert sent == []
    with committed():
        save_page(Page(title="Other", url_path="/other/", body="y"))
    after, _ = shared_content_version()
    assert after > before
