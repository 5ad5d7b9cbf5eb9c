"""Putting a page's history back: an older revision as its newest state, or a deleted page recovered.

Both save through the one save path (`pages.editing.saving.save_page`), so the restore is itself a revision.
"""

from __future__ import annotations

from django.db import transaction
from reversion.models import Version

from pages.editing.saving import save_page
from pages.models import Page
from pages.store.revisions import RestoreError, check_url_free, version_state


def restore_revision(page: Page, version: Version, *, user, can_publish: bool) -> Page:
    """Put an older revision back as the page's newest state (a new revision; history is kept).

    Without the publish permission the page keeps its current published state.
    """
    state = version_state(version)
    check_url_free(state["url_path"], exclude_pk=page.pk)
    old_url = page.url_path
    published = page.published
    for name, value in state.items():
        setattr(page, name, value)
    if not can_publish:
        page.published = published
    if page.parent_id is not None and not Page.objects.filter(pk=page.parent_id).exists():
        page.parent_id = None
    when = version.revision.date_created.strftime("%Y-%m-%d %H:%M")
    save_page(page, user=user, old_url=old_url, comment=f"Restored the revision of {when}.")
    return page


def recover_page(version: Version, *, user, can_publish: bool) -> Page:
    """Bring a deleted page back from its last revision (as a draft without the publish permission)."""
    state = version_state(version)
    with transaction.atomic():
        if Page.objects.filter(pk=version.object_id).exists():
            raise RestoreError(f"The page “{version.object_repr}” is not deleted.")
        check_url_free(state["url_path"], exclude_pk=None)
        page = Page(pk=int(version.object_id))
        for name, value in state.items():
            setattr(page, name, value)
        source_path = version.field_dict.get("source_path")
        if source_path and not Page.objects.filter(source_path=source_path).exists():
            page.source_path = source_path
        page.version = int(version.field_dict.get("version") or 0) + 1
        if not can_publish:
            page.published = False
        if page.parent_id is not None and not Page.objects.filter(pk=page.parent_id).exists():
            page.parent_id = None
        save_page(page, user=user, comment="Recovered after deletion.")
    return page
