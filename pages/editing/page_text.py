"""A page saved from the whole text of its file (front matter and body), as the admin's conflict
screen does: the text is read by the import's own rules (`markdown_io`, `source_fields`) and saved
through the one save path (`editing.save_page`), so it gets a revision like any edit."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from pages.content.markdown_io import SourceError, json_safe, parse_text, write_text
from pages.content.merging import has_conflict_markers
from pages.content.source_fields import FieldErrors, derive_fields
from pages.editing.saving import save_page
from pages.models import Page, SyncConflict
from pages.store.site_settings import site_rules
from pages.sync.page_files import SYNCED_PARENT, export_path, sha256_hex


class PageTextError(ValueError):
    """The text cannot be saved as the page; the message says where and why (nothing was saved)."""


def apply_page_text(page: Page, text: str, *, user, comment: str) -> Page:
    """Set every field of `page` from a file text and save it (a revision by `user`)."""
    from pages.editing.admin_forms import validate_url_path

    path = page.source_path or export_path(page)
    if has_conflict_markers(text):
        raise PageTextError(
            "The text still has conflict markers (<<<<<<<, |||||||, =======, >>>>>>>); "
            "keep the lines you want and remove the markers."
        )
    try:
        source = parse_text(path, text)
        fields = derive_fields(source.front_matter, path, site_rules())
    except SourceError as exc:
        raise PageTextError(str(exc)) from exc
    except FieldErrors as exc:
        raise PageTextError(f"{path}: {exc}") from exc
    try:
        validate_url_path(fields.url_path, exclude_pk=page.pk)
    except ValidationError as exc:
        raise PageTextError(" ".join(exc.messages)) from exc
    old_url = page.url_path
    for name, value in fields.model_values().items():
        setattr(page, name, value)
    page.body = source.body
    page.front_matter = json_safe(source.front_matter)
    page.front_matter_raw = source.front_matter_raw
    synced_parent = (page.source_format or {}).get(SYNCED_PARENT)
    page.source_format = {**source.source_format, SYNCED_PARENT: synced_parent}
    page.parent = _parent_named(page, fields.parent, fields.grand_parent)
    return save_page(page, user=user, old_url=old_url, comment=comment)


def _parent_named(page: Page, title: str | None, grand_parent: str | None) -> Page | None:
    """The parent the text names: the current one when its title matches, else the one page with
    that title (and grand parent, when given); the current parent when the title is ambiguous."""
    if title is None:
        return None
    current = page.parent if page.parent_id else None
    if current is not None and current.title == title:
        return current
    candidates = Page.objects.filter(title=title).exclude(pk=page.pk)
    if grand_parent:
        candidates = candidates.filter(parent__title=grand_parent)
    found = list(candidates[:2])
    return found[0] if len(found) == 1 else current


def resolve_conflict(conflict: SyncConflict, text: str, *, user) -> Page:
    """Save `text` (the file's, the admin's or a merged text) as the page, recorded as a revision.

    The file's text becomes the new base and its hash the synced file hash: the next import sees the
    file as synced, the next export writes `text` (nothing to write when the file's side was taken).
    Raises `PageTextError` (nothing saved) when the text cannot be read as a page.
    """
    with transaction.atomic():
        page = Page.objects.select_for_update().get(pk=conflict.page_id)
        base = _file_side_as_page(page, conflict.file_text)
        page = apply_page_text(page, text, user=user, comment="Resolved a sync conflict.")
        Page.objects.filter(pk=page.pk).update(
            synced_text=conflict.file_text,
            file_hash=conflict.file_hash,
            synced_content_hash=base,
        )
        conflict.delete()
    return page


def _file_side_as_page(page: Page, file_text: str) -> str:
    """The content hash the page would have holding exactly the file's text (the new synced hash)."""
    source = parse_text(page.source_path or "page.md", file_text, parse_yaml=False)
    return sha256_hex(write_text(source.front_matter_raw, source.body, source.source_format).encode("utf-8"))
