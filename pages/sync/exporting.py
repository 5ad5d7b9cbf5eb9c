"""Writing pages back to markdown files: `export_pages` plans each file against what is on disk (three-way
sync: unchanged, newer on disk, both edited and merged, or a conflict) and writes what it must.

What a page's file holds, its path and the hashes sync compares are `pages.sync.page_files`' rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from pages.content import front_matter
from pages.content.markdown_io import json_safe, write_text
from pages.models import Page
from pages.store.site_settings import site_rules, using_rules
from pages.store.site_state import bump_content_version
from pages.sync.page_files import (
    FILE_GONE,
    SYNCED_PARENT,
    edited_since_sync,
    export_path,
    front_matter_text,
    sha256_hex,
    write_atomically,
)


@dataclass
class ExportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)  # both sides edited, cleanly merged and written
    newer_on_disk: list[str] = field(default_factory=list)  # file edited, page not: file left alone
    missing: list[str] = field(default_factory=list)  # file deleted on disk: not written back
    not_written: list[str] = field(default_factory=list)  # pruned pages (their file was deleted)
    conflicts: list[str] = field(default_factory=list)  # overlapping edits: file left alone
    errors: list[str] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)
    written_pages: list[tuple[int, str]] = field(default_factory=list)  # (page id, path) written

    @property
    def failed(self) -> bool:
        return bool(self.conflicts or self.errors)

    def summary(self) -> str:
        line = (
            f"Wrote {len(self.created)} new, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, errors {len(self.errors)}"
        )
        extra = [
            (len(self.merged), "merged"),
            (len(self.newer_on_disk), "newer on disk (left alone)"),
            (len(self.missing), "deleted on disk (not written)"),
            (len(self.not_written), "pruned (not written)"),
            (len(self.conflicts), "conflicts (left alone)"),
        ]
        return line + "".join(f", {count} {label}" for count, label in extra if count)


def _unique_path(path: str, taken: set[str]) -> str:
    if path not in taken:
        return path
    stem, suffix = path.rsplit(".", 1)
    number = 2
    while f"{stem}-{number}.{suffix}" in taken:
        number += 1
    return f"{stem}-{number}.{suffix}"


def export_file_paths(pages: Iterable[Page] | None = None) -> dict[int, str]:
    """The file each page is exported to, by page id: the one naming rule for `export_pages` and the
    admin's download. A page imported from a file keeps its source path; any other page gets the path
    its URL gives (`export_path`), with -2, -3, ... added when another page's file has it already
    (source paths first, then the other pages in id order).

    `pages`: every page, in id order, with pk, url_path and source_path loaded (by default read in
    one query); the name of one page depends on all of them.
    """
    if pages is None:
        pages = Page.objects.only("pk", "url_path", "source_path").order_by("pk")
    pages = list(pages)
    taken = {page.source_path for page in pages if page.source_path}
    paths: dict[int, str] = {}
    for page in pages:
        paths[page.pk] = page.source_path or _unique_path(export_path(page), taken)
        taken.add(paths[page.pk])
    return paths


def export_pages(
    directory: Path,
    *,
    dry_run: bool = False,
    record_sync: bool = True,
    force: bool = False,
    diffs: bool = False,
    only: set[int] | None = None,
) -> ExportResult:
    """Write every page to `directory`, as carefully as the import reads it.

    Each file's bytes on disk are compared with the page's last sync (`file_hash`):
    - unchanged on disk (or equal to what would be written): the page's text is written;
    - changed on disk, page unchanged since the sync: the file is newer, left alone and reported;
    - changed on both sides: three-way merge with the base (`synced_text`); a clean merge is written,
      overlapping edits are a conflict (file untouched, a `SyncConflict` recorded, diff3 in `diffs`);
    - deleted on disk (in the recorded site folder): not written back; pruned pages never are.
    `force` writes the database's text whatever the disk holds. `diffs` fills `result.diffs` with a
    unified diff of every file written (or, in a dry run, that would be). `only`: the ids of the pages
    to write (default: every page).
    With `record_sync`, each written page's sync state is updated so that importing the folder again
    reports it unchanged (a merged file is left for the next import to bring its file edits in).
    """
    with using_rules(site_rules()):
        result = _export_pages(
            directory, dry_run=dry_run, record_sync=record_sync, force=force, diffs=diffs, only=only
        )
    if only is None:
        from pages.sync.site_files import export_site_files

        created, updated, unchanged, errors = export_site_files(directory.resolve(), dry_run=dry_run)
        result.created += created
        result.updated += updated
        result.unchanged += unchanged
        result.errors += errors
    return result


def _export_pages(
    directory: Path, *, dry_run: bool, record_sync: bool, force: bool, diffs: bool, only: set[int] | None
) -> ExportResult:
    from pages.sync.sync_state import is_site_root

    result = ExportResult()
    root = directory.resolve()
    in_site_root = is_site_root(root)
    pages = list(Page.objects.select_related("parent").defer("body_html", "toc").order_by("pk"))
    paths = export_file_paths(pages)
    synced: list[tuple[Page, str, str, str, str]] = []
    conflicts: list[tuple[Page, str, str]] = []
    for page in pages:
        path = paths[page.pk]
        if only is not None and page.pk not in only:
            continue
        target = (root / path).resolve()
        if not target.is_relative_to(root):
            result.errors.append(f"{path}: would be written outside {directory}; skipped")
            continue
        if (page.source_format or {}).get(FILE_GONE) and not page.published and not force:
            result.not_written.append(path)
            continue
        raw = front_matter_text(page)
        text = write_text(raw, page.body, page.source_format or {})
        try:
            plan = _plan_file(page, target, text, force, in_site_root)
        except (OSError, UnicodeDecodeError) as exc:
            result.errors.append(f"{path}: the file on disk cannot be read ({exc}); left alone")
            continue
        if plan.outcome in ("newer_on_disk", "missing"):
            getattr(result, plan.outcome).append(path)
            continue
        if plan.outcome == "conflict":
            result.conflicts.append(path)
            result.diffs[path] = plan.merged
            conflicts.append((page, plan.disk_text, sha256_hex(plan.disk_bytes)))
            continue
        data = plan.write.encode("utf-8")
        if plan.disk_bytes == data:
            result.unchanged.append(path)
        else:
            listed = result.merged if plan.outcome == "merged" else (
                result.created if plan.disk_bytes is None else result.updated
            )  # fmt: skip
            listed.append(path)
            if diffs:
                result.diffs[path] = _diff_text(path, plan.disk_text or "", plan.write)
            if not dry_run:
                write_atomically(target, data)
            result.written_pages.append((page.pk, path))
        digest = sha256_hex(text.encode("utf-8"))
        if (
            page.source_path != path
            or page.file_hash != digest
            or page.front_matter_raw != raw
            or page.synced_text != text
            or page.synced_content_hash != digest
        ):
            synced.append((page, path, raw, digest, text))
    if record_sync and not dry_run:
        if synced:
            _record_sync(synced)
        _record_conflicts(conflicts)
    return result


@dataclass
class _FilePlan:
    outcome: str  # "write", "merged", "newer_on_disk", "missing", "conflict"
    write: str = ""  # the text to write ("write" / "merged")
    merged: str = ""  # the diff3 text of a conflict
    disk_bytes: bytes | None = None
    disk_text: str | None = None


def _plan_file(page: Page, target: Path, text: str, force: bool, in_site_root: bool) -> _FilePlan:
    """What to do with one page's file, from its bytes on disk and the page's last sync."""
    from pages.content.merging import MergeUnavailable, merge3

    if not target.is_file():
        if page.file_hash and in_site_root and not force:
            return _FilePlan("missing")
        return _FilePlan("write", text)
    disk = target.read_bytes()
    disk_text = disk.decode("utf-8")
    if force or disk_text == text or sha256_hex(disk) == page.file_hash:
        return _FilePlan("write", text, disk_bytes=disk, disk_text=disk_text)
    if page.synced_content_hash and not edited_since_sync(page):
        return _FilePlan("newer_on_disk", disk_bytes=disk, disk_text=disk_text)
    try:
        merge = merge3(page.synced_text or "", disk_text, text)
    except MergeUnavailable as exc:
        return _FilePlan("conflict", merged=str(exc), disk_bytes=disk, disk_text=disk_text)
    if merge.clean and page.synced_text:
        return _FilePlan("merged", merge.text, disk_bytes=disk, disk_text=disk_text)
    return _FilePlan("conflict", merged=merge.text, disk_bytes=disk, disk_text=disk_text)


def _diff_text(path: str, old: str, new: str) -> str:
    from pages.content.merging import unified_diff

    return unified_diff(old, new, f"a/{path}", f"b/{path}")


def _record_conflicts(conflicts: list[tuple[Page, str, str]]) -> None:
    from pages.sync.sync_state import record_conflict

    for page, disk_text, disk_hash in conflicts:
        record_conflict(page, disk_text, disk_hash, found_by="export")


def _record_sync(synced: list[tuple[Page, str, str, str, str]]) -> None:
    from pages.models import SyncConflict

    with transaction.atomic():
        for page, path, raw, digest, text in synced:
            data = front_matter.load(raw).data if raw.strip() else {}
            source_format = {
                "has_front_matter": True,
                **(page.source_format or {}),
                SYNCED_PARENT: page.parent_id,
            }
            source_format.pop(FILE_GONE, None)
            SyncConflict.objects.filter(page=page).delete()
            Page.objects.filter(pk=page.pk, version=page.version).update(
                synced_text=text,
                source_path=path,
                front_matter_raw=raw,
                front_matter=json_safe(data),
                source_format=source_format,
                file_hash=digest,
                synced_content_hash=digest,
            )
        bump_content_version()
