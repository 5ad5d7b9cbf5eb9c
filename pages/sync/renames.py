"""Renamed files keep their page: a file gone since the last import plus a new file with (nearly) the
same text in the same run is one page that moved.

The import calls `find_renames` before it hashes the files, then `apply_renames` points each page at
its new path; the page is then imported like any changed file, so its URL follows the new path, its
old URL answers 301 (the redirect every moved page gets), and its history carries on.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pages.content.merging import similarity
from pages.models import Page

RENAME_SIMILARITY = 0.8
"""A new file at least this alike (0..1, line by line) to a vanished file's last synced text is its rename."""
MAX_PAIRS = 50_000
"""Line-by-line comparisons a run may spend on edited renames (new files × vanished files; about 0.25 ms
each); beyond, only files moved unchanged are recognised (by their hash)."""


def in_scope(path: str, prefixes: list[str]) -> bool:
    """True when a source path lies in one of the imported folders (prefix "" is the whole site)."""
    return any(path.startswith(prefix) for prefix in prefixes)


def find_renames(found: dict[str, Path], existing: dict[str, dict], prefixes: list[str]) -> dict[str, str]:
    """{new path: old path} for the files of this run that are renames of vanished pages' files.

    `found` maps each found path to its file; `existing` is the import's rows by source path. Pairs
    are taken best first, each old and new path at most once.
    """
    vanished = [path for path in existing if path not in found and in_scope(path, prefixes)]
    new = [path for path in found if path not in existing]
    if not vanished or not new:
        return {}
    texts: dict[str, str] = {}
    for new_path in new:
        try:
            texts[new_path] = found[new_path].read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # the import reports the file itself
    # Files moved unchanged (a whole folder moved, say): their bytes hash to the vanished file's hash.
    renames: dict[str, str] = {}
    by_hash: dict[str, list[str]] = {}
    for old_path in vanished:
        if existing[old_path].get("file_hash"):
            by_hash.setdefault(existing[old_path]["file_hash"], []).append(old_path)
    for new_path, text in sorted(texts.items()):
        candidates = by_hash.get(hashlib.sha256(text.encode("utf-8")).hexdigest())
        if candidates:
            renames[new_path] = candidates.pop(0)
    # Files moved and edited: compared line by line with the vanished pages' last synced text.
    vanished = [path for path in vanished if path not in set(renames.values())]
    new = [path for path in texts if path not in renames]
    if not vanished or not new or len(vanished) * len(new) > MAX_PAIRS:
        return renames
    old_texts = dict(
        Page.objects.filter(source_path__in=vanished)
        .exclude(synced_text=None)
        .values_list("source_path", "synced_text")
    )
    scored: list[tuple[float, str, str]] = []
    for new_path in new:
        text = texts[new_path].lstrip("\ufeff")
        for old_path, old_text in old_texts.items():
            score = similarity(old_text.lstrip("\ufeff"), text, RENAME_SIMILARITY)
            if score >= RENAME_SIMILARITY:
                scored.append((score, new_path, old_path))
    taken: set[str] = set()
    for _, new_path, old_path in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if new_path not in renames and old_path not in taken:
            renames[new_path] = old_path
            taken.add(old_path)
    return renames


def apply_renames(renames: dict[str, str], existing: dict[str, dict]) -> None:
    """Point each renamed page at its new path (inside the import's transaction). Its file hash is
    forgotten so the new file is read even when its bytes are unchanged: the URL comes from the path."""
    for new_path, old_path in renames.items():
        Page.objects.filter(source_path=old_path).update(source_path=new_path, file_hash="")
        existing[new_path] = {**existing.pop(old_path), "source_path": new_path, "file_hash": ""}
