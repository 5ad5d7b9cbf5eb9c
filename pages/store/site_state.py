"""The site-wide content version: one number in the database, bumped after every change to the site.

Caches key on it, so a save in one worker or an import in another process is seen by every worker
on its next request. Never kept only in a process's memory.

The database is its owner; the shared cache holds a copy (`shared_content_version`), so a page served
from the cache needs no database query:

- a bump runs when the writer's transaction commits (`bump_content_version`, called by every write
  path): it increments the number and publishes it; every worker and machine sees it on its next
  request;
- a copy older than QUIRE_VERSION_MAX_AGE seconds is checked against the database again, so a copy left
  behind by a failed publish (the cache was unreachable at that moment) is wrong for that long at most;
  a process-local cache (local memory, the default without REDIS_URL) is never trusted: its copy only
  serves as the last known version during an outage;
- when the database cannot answer, the last copy is used and the request is marked stale (pages already
  cached are served with `X-Quire-Stale`, see `pages.site.caching.database_unavailable`); after a
  database failure this process asks the database again only every QUIRE_DB_RETRY_AFTER seconds, so a
  hung database does not hold every request for the connect timeout.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed
from django.db import InterfaceError, OperationalError, connections, router, transaction
from django.db.models import F
from django.http import HttpRequest

from pages.models import SiteState

logger = logging.getLogger("quire.database")

# What a database that cannot answer raises (refused or lost connection, timeout, locked file).
DATABASE_ERRORS = (OperationalError, InterfaceError)
# Not prefixed by the release (pages/site/release.py): every release running at once must agree on it.
SHARED_VERSION_KEY = "quire:content-version"
_SHARED_VERSION_TIMEOUT = 7 * 24 * 3600
_database_down_until = 0.0
_down_lock = threading.Lock()

SITE_STATE_ID = 1
_VERSION_SQL = f"SELECT content_version FROM {SiteState._meta.db_table} WHERE id = %s"  # noqa: S608


def content_version() -> int:
    """The current content version (one tiny query, run on every public request: plain SQL, as the
    ORM's query building would cost more than the query itself)."""
    # Always the primary: a replica's copy may lag, and pages are filed under this number.
    connection = connections[router.db_for_write(SiteState)]
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL, [SITE_STATE_ID])
        row = cursor.fetchone()
    return row[0] if row else 0


class _BumpCounts(threading.local):
    """The bumps this thread asked for and the last one it ran, per database alias (a connection
    belongs to one thread): a bump run after a commit covers every bump asked for before it."""

    def __init__(self) -> None:
        self.asked: dict[str, int] = {}
        self.done: dict[str, int] = {}


_bumps = _BumpCounts()


def bump_content_version() -> None:
    """Mark every cached page and navigation as stale once the caller's writes are committed.

    Call it once per write path, after its last write, inside or outside its transaction: the bump
    runs when the transaction commits (at once outside one), and a rolled-back transaction bumps
    nothing. Bumps asked for in one transaction make one bump at its commit (a write path that calls
    another, an import that changed pages and files). Bumping after the commit holds no lock on the
    SiteState row while the writer works, and never files a page under a number the writer's
    transaction may still roll back.
    """
    alias = router.db_for_write(SiteState)
    asked = _bumps.asked[alias] = _bumps.asked.get(alias, 0) + 1
    transaction.on_commit(functools.partial(_bump_committed, alias, asked), using=alias)


def _bump_committed(alias: str, asked: int) -> None:
    """The bump, after the commit. The write stays whatever happens here: a database that cannot
    answer leaves the version as it was (caches keep serving the content before this write until the
    next bump), which is logged, never raised to the writer, whose change is already committed."""
    if asked <= _bumps.done.get(alias, 0):
        return  # a bump run after the same commit covered this one
    _bumps.done[alias] = _bumps.asked[alias]
    try:
        updated = SiteState.objects.filter(pk=SITE_STATE_ID).update(content_version=F("content_version") + 1)
        if not updated:
            with transaction.atomic(using=alias):
                SiteState.objects.get_or_create(pk=SITE_STATE_ID, defaults={"content_version": 2})
    except DATABASE_ERRORS as error:
        logger.error(
            "The content version was not bumped after a committed change (%s: %s); cached pages "
            "show the content before it until the next change.",
            type(error).__name__,
            error,
        )
        return
    _shared_cache().delete(SHARED_VERSION_KEY)
    publish_content_version()


# ------------------------------------------------------------------------------- the shared copy
def _shared_cache():
    return caches[getattr(settings, "QUIRE_CACHE_ALIAS", "default")]


@functools.cache
def _max_age() -> float:
    """Seconds the cache's copy is trusted without the database: none when the cache is this process's
    own (local memory: another process's bump never reaches it), unless QUIRE_VERSION_IN_CACHE says.
    Read once per process and settings (it is asked on every request)."""
    shared = getattr(settings, "QUIRE_VERSION_IN_CACHE", None)
    if shared is None:
        shared = not isinstance(_shared_cache(), LocMemCache | DummyCache)
    return float(getattr(settings, "QUIRE_VERSION_MAX_AGE", 5)) if shared else 0.0


def _settings_changed(**_kwargs) -> None:
    _max_age.cache_clear()


setting_changed.connect(_settings_changed, dispatch_uid="quire-version-max-age")


def publish_content_version() -> None:
    """Put the committed content version in the shared cache (after a bump's commit)."""
    try:
        version = content_version()
    except DATABASE_ERRORS:
        return  # the copy was deleted by the bump: the next reader asks the database
    _shared_cache().set(SHARED_VERSION_KEY, (version, time.time()), _SHARED_VERSION_TIMEOUT)


def shared_content_version(before_query=None) -> tuple[int, bool]:
    """The content version, and whether it is stale (the database could not answer; the last copy).

    From the shared cache when its copy is recent; else from the database, and shared again. Raises
    the database's error only when the database cannot answer and no copy is known. `before_query` is
    called just before the database is asked (the fast path's `close_old_connections`).
    """
    global _database_down_until
    cache = _shared_cache()
    known = _read_shared_copy(cache)
    if not (isinstance(known, tuple) and len(known) == 2):
        known = None
    now = time.time()
    max_age = _max_age()
    if known is not None and now - known[1] < max_age:
        return known[0], False
    if known is not None and time.monotonic() < _database_down_until:
        return known[0], True
    try:
        if before_query is not None:
            before_query()
        version = content_version()
    except DATABASE_ERRORS as error:
        with _down_lock:
            first = time.monotonic() >= _database_down_until
            _database_down_until = time.monotonic() + float(getattr(settings, "QUIRE_DB_RETRY_AFTER", 2))
        if first:
            logger.warning("Database unavailable (%s: %s)", type(error).__name__, error)
        if known is None:
            raise
        return known[0], True
    _database_down_until = 0.0
    # An untrusted (process-local) copy only serves as the last known version: rewritten when it changes.
    untrusted_and_same = max_age == 0 and known is not None and known[0] == version
    if not untrusted_and_same:
        cache.set(SHARED_VERSION_KEY, (version, now), _SHARED_VERSION_TIMEOUT)
    return version, False


def _read_shared_copy(cache):
    """The shared copy, read without a round trip while it has not changed where the cache can tell
    (pages/site/cache_backend.py: `get_watched`)."""
    get_watched = getattr(cache, "get_watched", None)
    return get_watched(SHARED_VERSION_KEY) if get_watched is not None else cache.get(SHARED_VERSION_KEY)


def known_content_version() -> int | None:
    """The last content version shared through the cache, whatever its age; None if there is none."""
    known = _shared_cache().get(SHARED_VERSION_KEY)
    return known[0] if isinstance(known, tuple) and len(known) == 2 else None


def forget_database_failures() -> None:
    """Ask the database again at once (tests)."""
    global _database_down_until
    _database_down_until = 0.0


# ----------------------------------------------------------------------------------------- requests
_VERSION_ATTRIBUTE = "_quire_content_version"
_STALE_ATTRIBUTE = "_quire_stale"


def request_content_version(request: HttpRequest | None) -> int:
    """The content version for this request: read once (see site_state), then remembered on the request.

    When the database could not answer and the last shared copy is used, the request is marked stale
    (`request_is_stale`). Raises the database's error when there is no copy either.
    """
    if request is None:
        return shared_content_version()[0]
    version = getattr(request, _VERSION_ATTRIBUTE, None)
    if version is None:
        version, stale = shared_content_version()
        setattr(request, _VERSION_ATTRIBUTE, version)
        setattr(request, _STALE_ATTRIBUTE, stale)
    return version


def request_is_stale(request: HttpRequest) -> bool:
    """True when this request's content version is the last known one (the database did not answer)."""
    return bool(getattr(request, _STALE_ATTRIBUTE, False))
