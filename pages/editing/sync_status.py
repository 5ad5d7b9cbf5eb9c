"""What is not yet in the files, and what the files hold that Quire has not imported.

`unexported_pages` lists the pages whose text differs from their last sync (edited in the admin, or
made there and never exported); `changed_files` compares the site folder's files with the pages' last
synced hashes (when the folder is known: recorded at the first import). The page list's "Sync" filter
and the "What changed since the last sync" screen show both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pages.models import Page
from pages.store.revisions import DiffLine, body_diff
from pages.sync.page_files import edited_since_sync, page_file_text

EDITED, NEW = "edited in Quire", "not in a file yet"
FILE_CHANGED, FILE_NEW, FILE_GONE = "changed on disk", "new file", "deleted on disk"


@dataclass
class UnexportedPage:
    page: Page
    state: str
    diff: list[DiffLine] = field(default_factory=list)


@dataclass(frozen=True)
class ChangedFile:
    path: str
    state: str
    page_id: int | None


def _pages():
    return Page.objects.select_related("parent").defer("body_html", "toc", "render_warnings")


def unexported_page_ids() -> set[int]:
    """The pages whose text differs from their last sync (one content hash per page, in Python)."""
    ids = set()
    for page in _pages().iterator(chunk_size=500):
        if not page.synced_content_hash or edited_since_sync(page):
            ids.add(page.pk)
    return ids


def unexported_pages(*, with_diffs: bool = True) -> list[UnexportedPage]:
    """Pages changed since their last sync, in URL order, each with the diff of its file text."""
    found = []
    for page in _pages().filter(pk__in=unexported_page_ids()).order_by("url_path"):
        state = EDITED if page.synced_content_hash else NEW
        diff = []
        if with_diffs:
            diff = body_diff(
                page.synced_text or "", page_file_text(page), old_name="synced", new_name="Quire"
            )
        found.append(UnexportedPage(page, state, diff))
    return found


def changed_files(root: Path | None) -> list[ChangedFile]:
    """Markdown files of the site folder that differ from the pages' last sync, new ones and deleted
    ones (pruned pages' files are not listed as deleted). Empty when the folder is unknown."""
    if root is None or not root.is_dir():
        return []
    from pages.sync.importing import ImportReport, find_markdown_files

    synced = {
        row[0]: row[1:]
        for row in Page.objects.exclude(source_path=None).values_list(
            "source_path", "file_hash", "pk", "published"
        )
    }
    changes: list[ChangedFile] = []
    seen = set()
    for item in find_markdown_files(root, ImportReport()):
        seen.add(item.path)
        try:
            digest = hashlib.sha256(item.absolute.read_bytes()).hexdigest()
        except OSError:
            continue
        if item.path not in synced:
            changes.append(ChangedFile(item.path, FILE_NEW, None))
        elif synced[item.path][0] != digest:
            changes.append(ChangedFile(item.path, FILE_CHANGED, synced[item.path][1]))
    for path, (file_hash, pk, published) in sorted(synced.items()):
        if path not in seen and file_hash and published:
            changes.append(ChangedFile(path, FILE_GONE, pk))
    return sorted(changes, key=lambda change: change.path)
