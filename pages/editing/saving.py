"""What every edit does, whoever makes it (admin form, list edits, actions, reordering, restore).

One save path: the optimistic-lock check on `version`, rendering once, search sections, the redirect
from a changed URL, the site content version, `updated_by`, and a revision in the history.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from pages.models import Page
from pages.store.page_derivation import apply_rendering, remember_old_url, save_sections
from pages.store.revisions import record_revision
from pages.store.site_state import bump_content_version


class EditConflict(Exception):
    """The page was saved by someone else (or an import) after this edit started."""

    def __init__(self, page_id: int, expected_version: int):
        self.page_id, self.expected_version = page_id, expected_version
        super().__init__(f"Page {page_id} is no longer at version {expected_version}.")


def save_page(
    page: Page,
    *,
    user=None,
    expected_version: int | None = None,
    old_url: str | None = None,
    comment: str = "",
) -> Page:
    """Save a page edit: `UPDATE … WHERE version = expected`; zero rows raises EditConflict.

    expected_version defaults to the version the page object was loaded with.
    """
    with transaction.atomic():
        if not page._state.adding:
            expected = page.version if expected_version is None else expected_version
            claimed = Page.objects.filter(pk=page.pk, version=expected).update(version=F("version") + 1)
            if not claimed:
                raise EditConflict(page.pk, expected)
            page.version = expected + 1
        rendered = apply_rendering(page)
        if user is not None and user.is_authenticated:
            page.updated_by = user
        page.save()
        save_sections(page, rendered)
        remember_old_url(page, old_url)
        bump_content_version()
        record_revision([page], user=user, comment=comment)
    return page


def set_published(pages: Iterable[Page], published: bool, *, user) -> int:
    """Publish or unpublish pages (each saved through save_page); returns how many changed."""
    changed = 0
    with transaction.atomic():
        for page in pages:
            if page.published != published:
                page.published = published
                save_page(page, user=user, comment="Published." if published else "Unpublished.")
                changed += 1
    return changed


def delete_pages(pages: Iterable[Page], *, user) -> int:
    """Delete pages, keeping their last state in the history so they can be recovered."""
    pages = list(pages)
    with transaction.atomic():
        if not pages:
            return 0
        record_revision(pages, user=user, comment="Deleted.")
        Page.objects.filter(pk__in=[p.pk for p in pages]).delete()
        bump_content_version()
    return len(pages)
