"""The sync state shared by import, export and the admin: the recorded site folder and open conflicts.

A conflict (`SyncConflict`) holds the file's text as it was found; the admin's side is the page and
the base is the page's `synced_text`. Resolving one saves the chosen text as an edit (a revision in
the history) and records the file's text as the new base, so the next export writes the choice and
the next import sees the file as already synced.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pages.models import Page, SiteState, SyncConflict
from pages.store.site_state import SITE_STATE_ID

CONFIG_FILE = "_config.yml"


def recorded_site_root() -> Path | None:
    value = SiteState.objects.filter(pk=SITE_STATE_ID).values_list("site_root", flat=True).first()
    return Path(value) if value else None


def is_site_root(folder: Path) -> bool:
    """True when `folder` is the folder the pages were imported from (as recorded at the first import)."""
    recorded = recorded_site_root()
    return recorded is not None and recorded == folder.resolve()


def record_site_root(folder: Path) -> None:
    """Remember the site folder (absolute) the first time one is imported; later runs keep it."""
    state, _ = SiteState.objects.get_or_create(pk=SITE_STATE_ID)
    if not state.site_root:
        SiteState.objects.filter(pk=SITE_STATE_ID).update(site_root=str(folder.resolve()))


def find_site_root(folder: Path) -> tuple[Path, str]:
    """(site root, prefix of `folder` inside it) for an import of `folder`.

    The site root is the nearest folder at or above `folder` holding `_config.yml`; without one, the
    folder recorded at the first import when `folder` lies inside it; else `folder` itself. The prefix
    ("" or "docs/ui/") is put before every path found in `folder`, so a page's identity (its source
    path) is the same whichever folder of the site is imported.
    """
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate, _prefix(folder, candidate)
    recorded = recorded_site_root()
    if recorded is not None and folder.is_relative_to(recorded):
        return recorded, _prefix(folder, recorded)
    return folder, ""


def _prefix(folder: Path, root: Path) -> str:
    relative = folder.relative_to(root).as_posix()
    return "" if relative == "." else relative + "/"


def record_conflict(page: Page, file_text: str, file_hash: str, *, found_by: str) -> SyncConflict:
    conflict, _ = SyncConflict.objects.update_or_create(
        page=page, defaults={"file_text": file_text, "file_hash": file_hash, "found_by": found_by}
    )
    return conflict


def clear_conflict(page: Page) -> None:
    SyncConflict.objects.filter(page=page).delete()


@dataclass(frozen=True)
class ConflictSides:
    """The three texts of a conflict and git's diff3 merge of them."""

    base: str
    file: str
    admin: str
    merged: str
    clashes: int


def conflict_sides(conflict: SyncConflict) -> ConflictSides:
    from pages.content.merging import MergeUnavailable, merge3
    from pages.sync.page_files import page_file_text

    page = conflict.page
    admin = page_file_text(page)
    try:
        merge = merge3(page.synced_text or "", conflict.file_text, admin)
        merged, clashes = merge.text, merge.conflicts
    except MergeUnavailable as exc:
        merged, clashes = f"{exc}\n", 1
    return ConflictSides(page.synced_text or "", conflict.file_text, admin, merged, clashes)
