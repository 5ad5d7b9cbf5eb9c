"""A Redis cache that degrades: an error or timeout is logged and the call answers like a miss.

Django's RedisCache raises on every Redis failure, so a Redis on a dead port (or one that accepts and
never answers) turned every public request into a 500. `ResilientRedisCache` is the same backend with
each call guarded:

- a Redis error or timeout is logged (once per outage, at WARNING) and the call answers as an empty
  cache would: `get` the default, `add`/`set`/`delete` False, `get_many` nothing; the request goes on
  without the cache (slower, never a 500);
- after a failure this process skips Redis for `RETRY_AFTER` seconds (OPTIONS `retry_after`, default
  5 s), so a hung Redis costs one socket timeout per process per interval, not one per cache call;
- the socket timeouts are short (see `site_project/settings.py`: QUIRE_CACHE_SOCKET_TIMEOUT).

Nothing depends on what this process remembers: skipping Redis only makes requests miss the cache.

`get_watched` reads a small key that every request asks for and that rarely changes (the content
version, pages/store/site_state.py) without a round trip while it has not changed: the value is read once on
a connection with Redis's CLIENT TRACKING on (RESP3), and Redis pushes an invalidation on that
connection as soon as any client changes or deletes the key (or the key is evicted, or the database
flushed). Before answering from the copy, the process reads whatever Redis has pushed (a non-blocking
poll of the socket); a broken connection drops every copy it held; a write through this process
drops the writing thread's copy at once (the push may come a moment after the write's own answer). So
the copy is as fresh as a GET sent at that moment, less the network's one-way delay. A Redis without
RESP3 (before 6.0), or QUIRE_CACHE_TRACKING=0, reads with a plain GET each time.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import select
import threading
import time

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.core.signals import setting_changed
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError

logger = logging.getLogger("quire.cache")

CACHE_ERRORS = (RedisError, OSError)
DEFAULT_RETRY_AFTER = 5.0

# Per process and per Redis location: until when Redis is skipped after a failure (monotonic seconds).
_down_until: dict[str, float] = {}
_lock = threading.Lock()


def _guarded(fallback):
    """Run the Redis call unless the server is marked down; on a Redis error log, mark down, fall back."""

    def decorate(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            if self._is_down():
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except CACHE_ERRORS as error:
                self._mark_down(method.__name__, error)
                return fallback(*args, **kwargs)

        return call

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


def _false(*args, **kwargs):
    return False


def _none(*args, **kwargs):
    return None


def _empty(*args, **kwargs):
    return {}


def _all_failed(data, *args, **kwargs):
    return list(data)


def _no_counter(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found (the cache is unavailable)")


class ReusedRedisClient(RedisCacheClient):
    """Django's Redis client, made cheaper for what every page view does:

    - one `redis.Redis` per connection pool: Django makes a new one per call, and redis-py builds its
      table of response callbacks (about 170 entries) each time, which cost more than the round trip
      itself on a cached page; a `redis.Redis` is safe to share between threads;
    - `get` (the content version and cached pages, on every public request) sends its command on a
      connection this client keeps (per process and thread) instead of going through the pool, its
      retries and its bookkeeping: 18 µs of CPU instead of 40 µs per read. A connection the server has
      closed is replaced once; any other error is raised to `ResilientRedisCache`, which degrades.
    """

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def _held_connection(self):
        local = self.__dict__.setdefault("_held", threading.local())
        held = getattr(local, "connection", None)
        if held is None or held[0] != os.getpid():  # never a connection made before a fork
            held = local.connection = (os.getpid(), self._get_connection_pool(False).make_connection())
        return held[1]

    def _drop_held_connection(self) -> None:
        local = self.__dict__.get("_held")
        held = getattr(local, "connection", None) if local is not None else None
        if held is not None:
            local.connection = None
            if held[0] == os.getpid():
                held[1].disconnect()

    def get(self, key, default):
        if len(self._servers) != 1:
            return super().get(key, default)
        for attempt in (1, 2):
            connection = self._held_connection()
            try:
                connection.send_command("GET", key)
                value = connection.read_response()
                break
            except RedisConnectionError:
                self._drop_held_connection()
                if attempt == 2:
                    raise
            except BaseException:
                self._drop_held_connection()
                raise
        return default if value is None else self._serializer.loads(value)

    def get_watched(self, key, default):
        """`get` answered from this process's tracked copy while Redis has not invalidated it."""
        if len(self._servers) != 1 or not tracking_enabled() or self.__dict__.get("_no_tracking"):
            return self.get(key, default)
        local = self.__dict__.setdefault("_watched", threading.local())
        for attempt in (1, 2):
            watched = getattr(local, "keys", None)
            try:
                if watched is None or watched.pid != os.getpid():  # never a connection made before a fork
                    watched = local.keys = _WatchedKeys(self._get_connection_pool(False))
                value = watched.get(key, self._serializer.loads)
                break
            except ResponseError as error:  # no RESP3 or no CLIENT TRACKING: plain reads from now on
                local.keys = None
                self.__dict__["_no_tracking"] = True
                logger.info("Redis cannot track keys (%s); reading the content version with GET", error)
                return self.get(key, default)
            except RedisConnectionError:
                self._drop_watched(local)
                if attempt == 2:
                    raise
            except CACHE_ERRORS:  # the cache degrades as for any other call
                self._drop_watched(local)
                raise
            except Exception:  # anything else in the tracking itself: never a 500, plain reads from now on
                self._drop_watched(local)
                self.__dict__["_no_tracking"] = True
                logger.warning("Tracking the content version failed; reading it with GET", exc_info=True)
                return self.get(key, default)
        return default if value is None else value

    # A write through this client drops this thread's tracked copy of the key at once: Redis's push may
    # reach the tracking socket a moment after the write's own answer, and a request must read its writes.
    def _forget_locally(self, *keys) -> None:
        watched = getattr(self.__dict__.get("_watched"), "keys", None)
        if watched is not None:
            for key in keys:
                watched.values.pop(key, None)

    def add(self, key, value, timeout):
        self._forget_locally(key)
        return super().add(key, value, timeout)

    def set(self, key, value, timeout):
        self._forget_locally(key)
        return super().set(key, value, timeout)

    def set_many(self, data, timeout):
        self._forget_locally(*data)
        return super().set_many(data, timeout)

    def delete(self, key):
        self._forget_locally(key)
        return super().delete(key)

    def delete_many(self, keys):
        self._forget_locally(*keys)
        return super().delete_many(keys)

    def incr(self, key, delta):
        self._forget_locally(key)
        return super().incr(key, delta)

    def clear(self):
        watched = getattr(self.__dict__.get("_watched"), "keys", None)
        if watched is not None:
            watched.values.clear()
        return super().clear()

    @staticmethod
    def _drop_watched(local) -> None:
        watched, local.keys = getattr(local, "keys", None), None
        if watched is not None:
            with contextlib.suppress(*CACHE_ERRORS):
                watched.close()


class _WatchedKeys:
    """One connection of this process and thread with CLIENT TRACKING on, and the values read on it
    (unpickled) that Redis has not since said were changed.

    Between two reads nothing is left in the parser's buffer (each read drains what Redis pushed), so
    a poll of the socket tells whether Redis has pushed anything since: one system call."""

    def __init__(self, pool) -> None:
        self.pid = os.getpid()
        self.values: dict[str, object] = {}
        self.connection = pool.connection_class(**{**pool.connection_kwargs, "protocol": 3})
        self.connection.connect()
        self.connection._parser.set_invalidation_push_handler(self._invalidated)
        # poll, not select: a busy process may hold descriptors beyond select's limit of 1,024.
        self._poll = select.poll()
        self._poll.register(self.connection._sock, select.POLLIN)
        self.connection.send_command("CLIENT", "TRACKING", "ON")
        answer = self.connection.read_response()
        if isinstance(answer, ResponseError):
            raise answer

    def _invalidated(self, message) -> None:
        keys = message[1]
        if keys is None:  # FLUSHDB / FLUSHALL: everything
            self.values.clear()
            return
        for key in keys:
            self.values.pop(key.decode() if isinstance(key, bytes) else key, None)

    def _drain(self) -> None:
        """Read every invalidation Redis has pushed (the handler drops their keys)."""
        connection = self.connection
        while connection.can_read(timeout=0):
            connection.read_response(push_request=True)

    def _pushed(self) -> bool:
        """Whether the socket has anything to read (a push, or the end of a closed connection)."""
        return bool(self._poll.poll(0))

    def get(self, key: str, loads) -> object:
        """The key's value (None when it has none), sent for only when Redis said it changed."""
        if self._pushed():
            self._drain()
        if key in self.values:
            return self.values[key]
        self.connection.send_command("GET", key)
        raw = self.connection.read_response(disable_decoding=True)
        value = None if raw is None else loads(raw)
        self.values[key] = value
        self._drain()  # an invalidation that came in the same packet as the answer
        return value

    def close(self) -> None:
        self.values.clear()
        if self.pid == os.getpid():
            self.connection.disconnect()


@functools.cache
def tracking_enabled() -> bool:
    return bool(getattr(settings, "QUIRE_CACHE_TRACKING", True))


def _settings_changed(**_kwargs) -> None:
    tracking_enabled.cache_clear()


setting_changed.connect(_settings_changed, dispatch_uid="quire-cache-tracking")


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, failing soft (see the module docstring)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("retry_after", DEFAULT_RETRY_AFTER))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedRedisClient
        self._location = ",".join(self._servers)

    def _is_down(self) -> bool:
        until = _down_until.get(self._location)
        return until is not None and time.monotonic() < until

    def _mark_down(self, operation: str, error: Exception) -> None:
        with _lock:
            was_up = self._location not in _down_until
            _down_until[self._location] = time.monotonic() + self.retry_after
        if was_up:
            logger.warning(
                "Cache unavailable (%s failed: %s: %s); serving without the cache, retrying in %.0f s",
                operation,
                type(error).__name__,
                error,
                self.retry_after,
            )

    def _mark_up(self) -> None:
        if self._location in _down_until:
            with _lock:
                if _down_until.pop(self._location, None) is not None:
                    logger.warning("Cache available again at %s", self._location)

    @_guarded(_default)
    def get(self, key, default=None, version=None):
        value = super().get(key, default, version)
        self._mark_up()
        return value

    @_guarded(_default)
    def get_watched(self, key, default=None, version=None):
        """`get` for a small, hot, rarely changed key: no round trip while Redis has not said it
        changed (see the module docstring)."""
        names = self.__dict__.setdefault("_watched_names", {})
        name = names.get((key, version))
        if name is None:  # made and checked once: Django's key check walks every character
            name = names[(key, version)] = self.make_and_validate_key(key, version=version)
        value = self._cache.get_watched(name, default)
        self._mark_up()
        return value

    @_guarded(_false)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_guarded(_none)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_guarded(_false)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_guarded(_false)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_guarded(_empty)
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_guarded(_false)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_guarded(_no_counter)
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_guarded(_all_failed)
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_guarded(_none)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_guarded(_false)
    def clear(self):
        return super().clear()


def cache_is_down(cache) -> bool:
    """True while a resilient cache skips its server after a failure (for the readiness check)."""
    return isinstance(cache, ResilientRedisCache) and cache._is_down()


def forget_failures() -> None:
    """Retry every cache at once (tests)."""
    with _lock:
        _down_until.clear()
