"""Read-replica routing (DATABASE_REPLICA_URL): public page views read from the replica.

Only the reads inside `public_reads()` (the public views: pages, navigation, search, sitemap, feed) go
to the replica, and only while the replica has caught up with the content version the request is
served at: a lagging replica would otherwise fill the cache with old pages under the new version, so
then the request reads from the primary. A replica that answers the version check but then fails
(lost mid-request, a query cancelled by recovery) costs the reader nothing: the view runs again on the
primary. Writes, the admin, the editor, management commands and the content version itself
(pages/store/site_state.py) always use the primary.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

from pages.store.site_state import _VERSION_SQL, DATABASE_ERRORS, SITE_STATE_ID

logger = logging.getLogger("quire.database")

REPLICA = "replica"
PRIMARY = "default"
_read_alias: ContextVar[str | None] = ContextVar("quire_read_alias", default=None)
# After the replica failed, this process leaves it alone until then (a hung replica would otherwise cost
# every uncached public request the connect timeout). Only a shortcut: the primary answers meanwhile.
_replica_down_until = 0.0


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_version() -> int | None:
    """The content version as the replica sees it; None when it cannot answer (or failed lately)."""
    if time.monotonic() < _replica_down_until:
        return None
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_VERSION_SQL, [SITE_STATE_ID])
            row = cursor.fetchone()
    except DATABASE_ERRORS:
        replica_failed()
        return None
    return row[0] if row else 0


def replica_failed() -> None:
    """Read the primary instead for the next QUIRE_DB_RETRY_AFTER seconds in this process."""
    global _replica_down_until
    _replica_down_until = time.monotonic() + float(getattr(settings, "QUIRE_DB_RETRY_AFTER", 2))


@contextlib.contextmanager
def public_reads(version: int):
    """Reads in this block use the replica if it has reached `version`, else the primary."""
    alias = PRIMARY
    if replica_configured():
        seen = replica_version()
        if seen is not None and seen >= version:
            alias = REPLICA
    token = _read_alias.set(alias)
    try:
        yield alias
    finally:
        _read_alias.reset(token)


def reads_from_replica(view):
    """A public view's reads go through `public_reads` at the request's content version."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not replica_configured():
            return view(request, *args, **kwargs)
        from pages.store.site_state import request_content_version

        with public_reads(request_content_version(request)) as alias:
            try:
                return view(request, *args, **kwargs)
            except DATABASE_ERRORS as error:
                if alias != REPLICA:
                    raise
                replica_failed()
                logger.warning("Replica failed for %s %s, reading the primary (%s: %s)", request.method,
                               request.path, type(error).__name__, error)  # fmt: skip
        token = _read_alias.set(PRIMARY)
        try:
            return view(request, *args, **kwargs)
        finally:
            _read_alias.reset(token)

    return wrapper


class PublicReadsRouter:
    """Reads go to the alias chosen by `public_reads` (the primary outside it); writes to the primary."""

    def db_for_read(self, model, **hints):
        return _read_alias.get() or PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
