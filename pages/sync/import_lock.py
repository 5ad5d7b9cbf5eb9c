"""The import lock: one import at a time, across processes and servers, held for one transaction.

PostgreSQL: a transaction-level advisory lock (imports exclude each other, admin saves go on; the pages an
import updates are row-locked as it writes them). SQLite: the database's write lock, waited for up to
`wait` seconds through SQLite's busy timeout. A killed process loses its lock with its transaction.
"""

from __future__ import annotations

import contextlib
import time
from contextlib import contextmanager

from django.db import DatabaseError, OperationalError, connection, transaction

from pages.models import SiteState

IMPORT_LOCK_KEY = 0x51756972  # "Quir": the PostgreSQL advisory lock every import takes
# SQLite's page cache during an import (KiB; its default is 2 MB). An import writes far more than the
# default holds in one transaction; a page pushed out to the WAL is read back, through the WAL index,
# for every later change to it — the search index's b-trees most of all. At 10,000 pages 16 MB cut the
# import's CPU by about 6% (`make bench`); larger caches gained nothing more and cost memory.
SQLITE_IMPORT_CACHE_KIB = 16 * 1024


class ImportBusy(Exception):
    """Another import holds the lock (or, on SQLite, another write holds the database)."""


BUSY_MESSAGE = (
    "Another import is running (waited {wait:g} s); nothing was changed. "
    "Try again when it has finished, or pass --wait SECONDS."
)


def acquire_import_lock(wait: float) -> None:
    """Hold the import lock until the surrounding transaction ends, waiting up to `wait` seconds.

    PostgreSQL: a transaction-level advisory lock (imports exclude each other, admin saves go on).
    SQLite: the database's write lock (taken by a write statement, or already by BEGIN IMMEDIATE).
    """
    if connection.vendor == "postgresql":
        deadline = time.monotonic() + wait
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
                if cursor.fetchone()[0]:
                    return
                if time.monotonic() >= deadline:
                    raise ImportBusy(BUSY_MESSAGE.format(wait=wait))
                time.sleep(0.1)
    table = connection.ops.quote_name(SiteState._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET content_version = content_version WHERE id = %s", [1])  # noqa: S608


def _set_sqlite_busy_timeout(seconds: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")


@contextmanager
def _sqlite_cache_size(kib: int):
    """SQLite's page cache at `kib` KiB for the block, then back to what it was."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        # After a failed run the connection may be unusable; the failure, not this, is what to report.
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


@contextmanager
def import_transaction(wait: float, *, lock: bool = True):
    """One transaction holding the import lock; ImportBusy when it is not free within `wait` seconds."""
    sqlite = connection.vendor == "sqlite"
    default_timeout = float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5))
    if sqlite:
        connection.ensure_connection()
        _set_sqlite_busy_timeout(wait)
    acquired = False
    try:
        with contextlib.ExitStack() as stack:
            if sqlite:
                stack.enter_context(_sqlite_cache_size(SQLITE_IMPORT_CACHE_KIB))
            stack.enter_context(transaction.atomic())
            if lock:
                acquire_import_lock(wait)
            acquired = True
            if sqlite:
                _set_sqlite_busy_timeout(default_timeout)
            yield
    except OperationalError as exc:
        if sqlite and not acquired and "locked" in str(exc):
            raise ImportBusy(
                BUSY_MESSAGE.format(wait=wait).replace("import is", "import (or save) is")
            ) from exc
        raise
    finally:
        if sqlite and not acquired:
            _set_sqlite_busy_timeout(default_timeout)
