"""Reordering the pages under one parent: one call rewrites their nav_order as 1, 2, 3, …"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from pages.models import Page
from pages.store.revisions import record_revision
from pages.store.site_state import bump_content_version


class ReorderError(ValueError):
    """The submitted order does not list exactly the current children of the parent."""


def children_of(parent: Page | None):
    return Page.objects.filter(parent=parent)


def reorder_children(parent: Page | None, ordered_ids: Sequence[int], user=None) -> list[Page]:
    """Give the children of parent (top-level pages when None) nav_order 1..n in the given order.

    Pages whose nav_order changes get their version bumped, updated_by set and a revision; the
    content version is bumped once. Raises ReorderError when the ids are not exactly the children
    (a page was added, moved or deleted meanwhile), changing nothing.
    """
    ids = [int(i) for i in ordered_ids]
    with transaction.atomic():
        children = {p.pk: p for p in children_of(parent).select_for_update()}
        if len(ids) != len(set(ids)):
            raise ReorderError("The order lists a page twice.")
        if set(ids) != set(children):
            raise ReorderError(
                "The pages under this parent changed while you were reordering them "
                "(a page was added, moved or deleted). Reload and try again."
            )
        changed = []
        now = timezone.now()
        for position, pk in enumerate(ids, start=1):
            page = children[pk]
            if page.nav_order != str(position):
                page.nav_order = str(position)
                changed.append(page)
        editor = {"updated_by": user} if user is not None and user.is_authenticated else {}
        for page in changed:
            Page.objects.filter(pk=page.pk).update(
                nav_order=page.nav_order, version=F("version") + 1, updated_at=now, **editor
            )
            page.refresh_from_db(fields=["version", "updated_at", "updated_by"])
        if changed:
            bump_content_version()
            record_revision(changed, user=user, comment="Reordered.")
    return [children[pk] for pk in ids]
