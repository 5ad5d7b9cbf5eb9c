"""Drafts of live pages: edits by someone without the publish permission wait for a publisher.

Readers, the search index and the export keep using the Page row (the live version); the proposed
fields live in one PageDraft per page. A publisher publishes it (the fields are saved through
pages.editing.saving.save_page, with a revision in the history) or rejects it (the draft is dropped).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from pages.models import Page, PageDraft
from pages.store.revisions import (
    RESTORED_FIELDS,
    PageDiff,
    RestoreError,
    check_url_free,
    diff_states,
    page_state,
)

# What a draft may change: everything a revision restores except the published state.
DRAFT_FIELDS = [name for name in RESTORED_FIELDS if name != "published"]


def needs_draft(page: Page, *, can_publish: bool) -> bool:
    """True when an edit must wait for a publisher: the stored page is live and the user may not publish."""
    if can_publish or page.pk is None:
        return False
    return Page.objects.filter(pk=page.pk, published=True).exists()


def _stored(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def draft_state(draft: PageDraft, page: Page) -> dict[str, Any]:
    """The page as the draft would make it (a page_state dict: the live values for what it leaves alone)."""
    state = page_state(page)
    for name in DRAFT_FIELDS:
        if name in draft.data:
            value = draft.data[name]
            state[name] = parse_datetime(value) if name == "date" and isinstance(value, str) else value
    return state


def save_draft(page: Page, *, user, base_version: int | None = None) -> PageDraft:
    """Store the edited (unsaved) page object's fields as its pending draft; the page row is untouched."""
    data = {name: _stored(getattr(page, name)) for name in DRAFT_FIELDS}
    author = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        live_version = Page.objects.filter(pk=page.pk).values_list("version", flat=True).get()
        draft = PageDraft.objects.select_for_update().filter(page_id=page.pk).first()
        if draft is None:
            draft = PageDraft(page_id=page.pk, version=0)
        draft.data, draft.author = data, author
        draft.base_version = base_version or live_version
        draft.version += 1
        draft.save()
    return draft


def apply_draft(page: Page, draft: PageDraft) -> Page:
    """Copy the draft's fields onto the page object (not saved): what the editor's form starts from."""
    for name, value in draft_state(draft, page).items():
        if name in DRAFT_FIELDS:
            setattr(page, name, value)
    return page


def draft_diff(draft: PageDraft) -> PageDiff:
    """What publishing the draft changes on the live page."""
    return diff_states(page_state(draft.page), draft_state(draft, draft.page))


def author_name(draft: PageDraft) -> str:
    return draft.author.get_username() if draft.author else "a deleted user"


def publish_draft(draft: PageDraft, *, user) -> Page:
    """Make the draft the live page (one save, one revision) and drop it."""
    from pages.editing.saving import save_page

    with transaction.atomic():
        page = Page.objects.select_for_update().get(pk=draft.page_id)
        state = draft_state(draft, page)
        check_url_free(state["url_path"], exclude_pk=page.pk)
        if state["parent_id"] is not None and not Page.objects.filter(pk=state["parent_id"]).exists():
            state["parent_id"] = None
        old_url = page.url_path
        for name in DRAFT_FIELDS:
            setattr(page, name, state[name])
        comment = f"Published the changes drafted by {author_name(draft)}."
        save_page(page, user=user, old_url=old_url, comment=comment)
        draft.delete()
    return page


def reject_draft(draft: PageDraft) -> None:
    """Drop the draft; the live page stays as it is."""
    draft.delete()


__all__ = [
    "DRAFT_FIELDS",
    "RestoreError",
    "apply_draft",
    "draft_diff",
    "draft_state",
    "needs_draft",
    "publish_draft",
    "reject_draft",
    "save_draft",
]


def save_revision_as_draft(page: Page, version, *, user) -> PageDraft:
    """A restore by someone who may not publish a live page: the revision becomes its pending draft."""
    from pages.store.revisions import version_state

    state = version_state(version)
    check_url_free(state["url_path"], exclude_pk=page.pk)
    proposed = Page.objects.get(pk=page.pk)
    for name in DRAFT_FIELDS:
        setattr(proposed, name, state[name])
    return save_draft(proposed, user=user)


def proposed_page(page: Page, query) -> tuple[Page, str] | None:
    """The page as a staff preview asks to see it, rendered but not saved: `?draft=1` (its changes
    awaiting publication) or `?revision=<version id>` (an older revision). None for the page as it is."""
    from django.http import Http404
    from reversion.models import Version

    from pages.store.page_derivation import apply_rendering
    from pages.store.revisions import version_state

    if query.get("draft"):
        draft = PageDraft.objects.filter(page=page).first()
        if draft is None:
            raise Http404("This page has no changes awaiting publication.")
        state, label = draft_state(draft, page), "changes"
    elif query.get("revision"):
        wanted = str(query.get("revision"))
        version = Version.objects.get_for_object(page).filter(pk=wanted).first() if wanted.isdigit() else None
        if version is None:
            raise Http404("No such revision of this page.")
        state, label = version_state(version), "revision"
    else:
        return None
    for name in DRAFT_FIELDS:
        setattr(page, name, state[name])
    apply_rendering(page)
    return page, label
