"""A site's other files (images, PDFs, ...): imported into the media storage, served at their own URL,
exported back byte for byte.

Each file is one `SiteFile` row (path, URL, SHA-256, size, content type) and one object in Django's
`default_storage`, named `site/<first 16 hex digits of its hash>/<path>`: a new version never
overwrites the old one, so a run that is rolled back leaves every stored row pointing at its own bytes;
the versions a committed run replaced are deleted once it commits. A file is read again only when its
hash changed. The checks (kind, size, no HTML, SVG without scripts, decodable images) are
`pages.store.uploads.check_site_file`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from pages.content.own_routes import own_route_message
from pages.models import SiteFile
from pages.store.uploads import check_site_file
from pages.sync.page_files import sha256_hex

STORAGE_FOLDER = "site"


@dataclass
class FoundSiteFile:
    path: str  # relative to the imported folder, posix
    absolute: Path
    url_path: str  # where the site serves it (without the base URL)


@dataclass
class SiteFileReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.updated) + len(self.pruned)

    def summary(self) -> str:
        parts = [f"files: new {len(self.created)}", f"updated {len(self.updated)}",
                 f"unchanged {len(self.unchanged)}"]  # fmt: skip
        if self.pruned:
            parts.append(f"removed {len(self.pruned)}")
        if self.refused:
            parts.append(f"refused {len(self.refused)}")
        return ", ".join(parts)


def storage_name(path: str, digest: str) -> str:
    return f"{STORAGE_FOLDER}/{digest[:16]}/{path}"


def _delete_later(names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            with contextlib.suppress(OSError):  # an orphan object is harmless: no row names it
                default_storage.delete(name)

    transaction.on_commit(delete)


def import_site_files(
    found: list[FoundSiteFile],
    *,
    prune: bool,
    dry_run: bool,
    taken_urls: set[str],
    in_scope: Callable[[str], bool] = lambda path: True,
) -> SiteFileReport:
    """Store new and changed files, keep unchanged ones, and with `prune` remove rows whose file is
    gone (only those `in_scope`: the folders imported). Call inside the import's transaction.
    `taken_urls` are page URLs: a page wins its URL."""
    report = SiteFileReport()
    rows = {row.path: row for row in SiteFile.objects.all()}
    replaced: list[str] = []
    seen: set[str] = set()
    for item in found:
        seen.add(item.path)
        row = rows.get(item.path)
        if item.url_path in taken_urls:
            report.refused[item.path] = f"its URL {item.url_path} is a page's URL; the page is served there"
            continue
        reserved = own_route_message(item.url_path)
        if reserved:
            report.refused[item.path] = reserved
            continue
        try:
            data = item.absolute.read_bytes()
        except OSError as exc:
            report.refused[item.path] = f"cannot be read: {exc.strerror or exc}"
            continue
        if data.startswith((b"---\n", b"---\r\n", b"\xef\xbb\xbf---\n")):
            report.refused[item.path] = (
                "it has front matter, so Jekyll renders it with Liquid (a template Quire does not run)"
            )
            continue
        digest = sha256_hex(data)
        if row is not None and row.sha256 == digest and row.url_path == item.url_path:
            report.unchanged.append(item.path)
            continue
        try:
            content_type = check_site_file(item.path, data)
        except ValidationError as exc:
            report.refused[item.path] = exc.messages[0]
            continue
        (report.created if row is None else report.updated).append(item.path)
        if dry_run:
            continue
        name = storage_name(item.path, digest)
        if row is None or row.storage_name != name:
            if default_storage.exists(name):
                default_storage.delete(name)
            name = default_storage.save(name, ContentFile(data))
        if row is not None and row.storage_name != name:
            replaced.append(row.storage_name)
        values = {"url_path": item.url_path, "storage_name": name, "sha256": digest, "size": len(data),
                  "content_type": content_type}  # fmt: skip
        SiteFile.objects.filter(url_path=item.url_path).exclude(path=item.path).delete()
        SiteFile.objects.update_or_create(path=item.path, defaults=values)
    if prune:
        gone = [row for path, row in rows.items() if path not in seen and in_scope(path)]
        report.pruned.extend(sorted(row.path for row in gone))
        if not dry_run and gone:
            SiteFile.objects.filter(pk__in=[row.pk for row in gone]).delete()
            replaced.extend(row.storage_name for row in gone)
    if replaced and not dry_run:
        _delete_later(replaced)
    return report


def export_site_files(
    root: Path, *, dry_run: bool = False
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Write every site file back under `root` (only those whose bytes differ):
    (created, updated, unchanged, errors)."""
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    errors: list[str] = []
    from pages.sync.page_files import write_atomically

    for row in SiteFile.objects.order_by("path"):
        target = (root / row.path).resolve()
        if not target.is_relative_to(root):
            errors.append(f"{row.path}: would be written outside {root}; skipped")
            continue
        try:
            with default_storage.open(row.storage_name, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            errors.append(f"{row.path}: its stored copy cannot be read ({exc}); skipped")
            continue
        if sha256_hex(data) != row.sha256:
            errors.append(f"{row.path}: its stored copy does not match its hash; skipped")
            continue
        existing = target.read_bytes() if target.is_file() else None
        if existing == data:
            unchanged.append(row.path)
            continue
        (created if existing is None else updated).append(row.path)
        if not dry_run:
            write_atomically(target, data)
    return created, updated, unchanged, errors


def site_file_at(url_path: str) -> SiteFile | None:
    return SiteFile.objects.filter(url_path=url_path).first()
