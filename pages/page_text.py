"""A page saved from the whole text of its file (front matter and body), as the admin's conflict
screen does: the text is read by the import's own rules (`markdown_io`, `source_fields`) and saved
through the one save path (`editing.save_page`), so it gets a revision like any edit."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from pages.editing import save_page
from pages.exporting import SYNCED_PARENT, export_path
from pages.markdown_io import SourceError, json_safe, parse_text
from pages.merging import has_conflict_markers
from pages.models import Page
from pages.site_settings import site_rules
from pages.source_fields import FieldErrors, derive_fields


class PageTextError(ValueError):
    """The text cannot be saved as the page; the message says where and why (nothing was saved)."""


def apply_page_text(page: Page, text: str, *, user, comment: str) -> Page:
    """Set every field of `page` from a file text and save it (a revision by `user`)."""
    from pages.admin_forms import validate_url_path

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
