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
    with connections[router.db_for_read(SiteState)].cursor() as cursor:
        cursor.execute(_VERSION_SQL, [SITE_STATE_ID])
        row = cursor.fetchone()
    return row[0] if row else 0


def bump_content_version() -> None:
    """Mark every cached page and navigation as stale; call inside the transaction that changes pages."""
    updated = SiteState.objects.filter(pk=SITE_STATE_ID).update(content_version=F("content_version") + 1)
    if not updated:
        with transaction.atomic():
            SiteState.objects.get_or_create(pk=SITE_STATE_ID, defaults={"content_version": 2})
