"""A page as its file: the path it exports to, the text it exports as, and the hashes three-way sync
compares — the rules import, export, the admin and the sync status share.

A page that nobody edited is written from the parts its file was read into, so its bytes come back
unchanged. When an editor changed a field, only that front-matter key's value is rewritten (or the key
added or removed); every other line, comment and quote stays as written.

The content hash of a page is the SHA-256 of the file text `page_file_text` makes for it. At import it
equals the file's hash; an edit in the admin changes it, which is how the next import knows the page
was edited since it was last synced (`edited_since_sync`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pages.content import front_matter
from pages.content.markdown_io import MAX_FILE_BYTES, SourceError, json_safe, parse_text, write_text
from pages.content.source_fields import DerivedFields, FieldErrors, FieldProblem, derive_fields
from pages.content.urls_from_paths import path_for_url
from pages.models import Page
from pages.store.site_settings import site_rules


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export_path(page: Page) -> str:
    """The file a page is written to: where it came from, or a path made from its URL."""
    return page.source_path or path_for_url(page.url_path)


def _nav_order_yaml(text: str):
    """nav_order as YAML should hold it: a number when the text is exactly how that number is written
    (`3`, `4.5`), else the text itself (so `4.50` reads back as `4.50`)."""
    value = text.strip()
    for kind in (int, float):
        try:
            number = kind(value)
        except ValueError:
            continue
        if str(number) == value:
            return number
    return value


def _date_text(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S %z")


SITE_DIR = "site_dir"
"""Key in Page.source_format: where the imported folder lies under the folder holding _config.yml."""
SYNCED_PARENT = "synced_parent_id"
"""Key in Page.source_format: the parent the page had at its last sync (an editor's new parent differs)."""


def _parent_edited(page: Page, fields: DerivedFields, follow_parent_titles: bool) -> bool:
    fmt = page.source_format or {}
    if SYNCED_PARENT in fmt and page.parent_id != fmt[SYNCED_PARENT]:
        return True
    if SYNCED_PARENT not in fmt and page.parent_id and not page.source_path:
        return True  # made in the admin
    return follow_parent_titles and page.parent_id is not None and page.parent.title != fields.parent


def _edits(page: Page, fields: DerivedFields, follow_parent_titles: bool) -> list[tuple[str, object]]:
    """(key, value) pairs an editor changed; value None means remove the key."""
    edits: list[tuple[str, object]] = []
    if page.nav_order != fields.nav_order:
        edits.append(("nav_order", _nav_order_yaml(page.nav_order) if page.nav_order.strip() else None))
    if page.url_path != fields.url_path:
        edits.append(("permalink", page.url_path))
    if page.date != fields.date:
        edits.append(("date", _date_text(page.date) if page.date else None))
    for name in ("published", "nav_exclude", "search_exclude", "has_toc"):
        if getattr(page, name) != getattr(fields, name):
            edits.append((name, getattr(page, name)))
    if page.description != fields.description:
        edits.append(("description", page.description or None))
    if _parent_edited(page, fields, follow_parent_titles):
        edits.append(("parent", page.parent.title if page.parent_id else None))
        edits.append(("grand_parent", _grand_parent_title(page)))
    return edits


def _grand_parent_title(page: Page) -> str | None:
    """`grand_parent:` for a page whose parent's title is not unique (Just the Docs then needs it to
    find the parent), else None (the key is removed: a stale one would point elsewhere)."""
    parent = page.parent if page.parent_id else None
    if parent is None or parent.parent_id is None:
        return None
    if not Page.objects.filter(title=parent.title).exclude(pk=parent.pk).exists():
        return None
    return Page.objects.filter(pk=parent.parent_id).values_list("title", flat=True).first()


def front_matter_text(page: Page, *, follow_parent_titles: bool = True) -> str:
    """The page's front matter YAML: as written, with only the keys an editor changed rewritten.

    `follow_parent_titles` also rewrites `parent:` when the parent page's title changed since (so the
    file still names its parent); the content hash leaves it out, as it is not an edit of this page.
    """
    raw = page.front_matter_raw or ""
    data = dict(page.front_matter or {})
    path = export_path(page)
    rules, site_dir = site_rules(), (page.source_format or {}).get(SITE_DIR, "")
    try:
        fields = derive_fields(data, path, rules, site_dir)
    except FieldErrors:
        return raw
    if page.title != fields.title or (not fields.has_title and not page.source_path):
        raw = front_matter.set_key(raw, "title", page.title)
        data["title"] = page.title
        fields = derive_fields(data, path, rules, site_dir)
    for key, value in _edits(page, fields, follow_parent_titles):
        raw = front_matter.remove_key(raw, key) if value is None else front_matter.set_key(raw, key, value)
    return raw


def page_file_text(page: Page, *, follow_parent_titles: bool = True) -> str:
    """The whole file for a page (front matter, body, original BOM and line endings)."""
    raw = front_matter_text(page, follow_parent_titles=follow_parent_titles)
    return write_text(raw, page.body, page.source_format or {})


def reimport_problems(page: Page, keys: Iterable[str] = ()) -> list[FieldProblem]:
    """What the import would refuse in the file export writes for this page ([] when it reads back).

    The admin calls it before saving, so every saved page can be exported and imported again: the file
    is read with the import's own reader and field rules, and the front-matter `keys` must read back
    with the values the page holds. A problem's key is "" when it is not about one key.
    """
    path = export_path(page)
    text = page_file_text(page)
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        message = f"the file would be {size:,} bytes, over the import's {MAX_FILE_BYTES:,}-byte limit"
        return [FieldProblem("", message)]
    try:
        source = parse_text(path, text)
        derive_fields(source.front_matter, path)
    except SourceError as exc:
        return [FieldProblem("", exc.message if exc.line is None else f"line {exc.line}: {exc.message}")]
    except FieldErrors as exc:
        return exc.problems
    wanted, read = json_safe(page.front_matter or {}), json_safe(source.front_matter)
    return [
        FieldProblem(key, f"would read back as {read.get(key)!r}, not {wanted.get(key)!r}")
        for key in keys
        if read.get(key) != wanted.get(key)
    ]


def content_hash(page: Page) -> str:
    """The hash three-way sync compares: SHA-256 of the file text the page exports to, counting only
    this page's own edits (a parent page renamed elsewhere does not make this page 'edited')."""
    return sha256_hex(page_file_text(page, follow_parent_titles=False).encode("utf-8"))


def edited_since_sync(page: Page) -> bool:
    """Whether an editor changed the page since its last import or export: its content hash differs
    from the one that sync recorded. A page never synced (made in the admin) has nothing to differ
    from: False. Callers that care about the rules of the last sync pin them (`using_rules`)."""
    return bool(page.synced_content_hash) and content_hash(page) != page.synced_content_hash


FILE_GONE = "file_gone"
"""Key in Page.source_format: the page was unpublished because its file was deleted (export skips it
until an editor publishes it again)."""


def write_atomically(target: Path, data: bytes) -> None:
    """Write `data` to `target` through a temporary file beside it: a reader sees the old file or the
    new one, never a part."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".quire-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
