"""The site-wide content version: one number in the database, bumped by every change to any page.

Caches key on it, so a save in one worker or an import in another process is seen by every worker
on its next request. Never kept only in a process's memory.
"""

from __future__ import annotations

from django.db import connections, router, transaction
from django.db.models import F

from pages.models import SiteState

SITE_STATE_ID = 1
_VERSION_SQL = f"SELECT content_version FROM {SiteState._meta.db_table} WHERE id = %s"  # noqa: S608


def content_version() -> int:
    """The current content version (one tiny query, run on every public request: plain SQL, as the
    ORM's query building would cost more than the query itself)."""
    connection = connections[router.db_for_read(SiteState)]
    connection.quire_version_reads = getattr(connection, "quire_version_reads", 0) + 1
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL, [SITE_STATE_ID])
        row = cursor.fetchone()
    return row[0] if row else 0


def bump_content_version() -> None:
    """Mark every cached page and navigation as stale; call inside the transaction that changes pages.

    Inside an atomic block a bump is skipped when the same block (same savepoint) already bumped and
    nobody has read the version since (a Page save's signal, then the saving code's own call): no
    cache can hold anything under the bumped version yet, so a writer updates the SiteState row once.
    """
    alias = router.db_for_write(SiteState)
    connection = connections[alias]
    reads = getattr(connection, "quire_version_reads", 0)
    if connection.in_atomic_block and _bumped_in_this_block(connection, reads):
        return
    updated = SiteState.objects.filter(pk=SITE_STATE_ID).update(content_version=F("content_version") + 1)
    if not updated:
        with transaction.atomic(using=alias):
            SiteState.objects.get_or_create(pk=SITE_STATE_ID, defaults={"content_version": 2})
    if connection.in_atomic_block:
        transaction.on_commit(_Bumped(reads), using=alias)


def _bumped_in_this_block(connection, reads: int) -> bool:
    block = set(connection.savepoint_ids)
    return any(
        isinstance(func, _Bumped) and func.reads == reads and savepoints == block
        for savepoints, func, *_ in connection.run_on_commit
    )


class _Bumped:
    """Marker in the transaction's on-commit list: it has bumped (dropped if that part rolls back)."""

    def __init__(self, reads: int) -> None:
        self.reads = reads

    def __call__(self) -> None:
        pass
