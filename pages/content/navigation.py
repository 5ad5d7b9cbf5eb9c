"""Just the Docs' navigation: the order of sibling pages and the parent each page names. Pure: no ORM.

Order (Just the Docs' `sorted.html`): pages with a numeric nav_order (ints and floats compared as
numbers), then pages with a text nav_order, then pages without one — titles written as YAML numbers
(`title: 9`, and true/false, which Just the Docs' `jsonify` grouping puts with the numbers) by number,
then the rest by title. A quoted number (`title: "9"`, `nav_order: "3"`) is text, as in Just the Docs.
Text is compared case-sensitively (Ruby's byte order: capitals first), as Just the Docs does unless
`nav_sort: case_insensitive` in _config.yml; case-insensitive comparison folds ASCII letters only, as
Liquid's `sort_natural` does. Unlike Just the Docs, ties are broken deterministically: by title, then by
path.

Parents (Just the Docs' `children.html`): a page's `parent` names a title; `grand_parent` must then be
the parent's own parent title, and `ancestor` a title somewhere above the parent. Pages without a
title are never parents. A page whose parent title is also a top-level title, and that names no
grand_parent or ancestor, belongs under the top-level page (Just the Docs' three-level rule).

Unlike Just the Docs (which only ever sees published files), Quire also holds drafts: an unpublished
page is never the parent of a published one. A published page whose parent title matches only
unpublished pages stays under its current parent if that is published (else at the top level), with a
warning; so an editor's draft reusing a section's title cannot take the section's children off the site.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar


class NavSortable(Protocol):
    """What the order of siblings reads: a Page, a `nav_tree.NavRecord`, or any record with these."""

    title: str
    nav_order: str


T = TypeVar("T", bound=NavSortable)

_NUMBER_RE = re.compile(r"\A[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")


def nav_order_value(raw) -> float | str | None:
    """The nav_order as written ('3', '4.5', 'b') as a number, a string, or None when blank."""
    if isinstance(raw, bool):
        return str(raw).lower()
    if isinstance(raw, int | float):
        return float(raw) if math.isfinite(raw) else str(raw)
    text = (raw or "").strip()
    if not text:
        return None
    if _NUMBER_RE.match(text):
        value = float(text)
        return value if math.isfinite(value) else text
    return text


def _written_as_text(record) -> bool:
    """True when front matter quoted a numeric-looking nav_order ("3"): Just the Docs sorts it as text."""
    front_matter = getattr(record, "front_matter", None)
    written = front_matter.get("nav_order") if isinstance(front_matter, dict) else None
    return isinstance(written, str) and written == record.nav_order


def _title_number(record) -> tuple[int, float] | None:
    """(0, n) for a title written as a YAML number, (1, 0|1) for true/false, else None."""
    front_matter = getattr(record, "front_matter", None)
    written = front_matter.get("title") if isinstance(front_matter, dict) else None
    if isinstance(written, bool):
        return (1, float(written))
    if isinstance(written, int | float) and math.isfinite(written):
        return (0, float(written))
    return None


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_fold(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def sort_key(record: NavSortable, *, case_sensitive: bool = True):
    """The key that puts sibling pages in Just the Docs' order (see the module docstring)."""
    fold = (lambda s: s) if case_sensitive else _ascii_fold
    title = record.title or ""
    path = str(getattr(record, "source_path", None) or getattr(record, "url_path", "") or "")
    tie = (fold(title), fold(path), title, path)
    value = nav_order_value(record.nav_order)
    if isinstance(value, float) and _written_as_text(record):
        value = record.nav_order.strip()
    if isinstance(value, float):
        return (0, value, "", *tie)
    if isinstance(value, str):
        return (1, 0.0, fold(value), *tie)
    title_number = _title_number(record)
    if title_number is not None:
        return (2, *title_number, "", *tie)  # numbers, then true/false
    return (3, 0.0, fold(title), *tie)


def sort_pages(records: Iterable[T], *, case_sensitive: bool) -> list[T]:
    """Sibling pages in navigation order (`case_sensitive`: the site's `nav_sort`; the site's own
    order is `pages.store.site_settings.in_site_nav_order`)."""
    return sorted(records, key=lambda r: sort_key(r, case_sensitive=case_sensitive))


@dataclass(frozen=True)
class NavNode:
    """What parent resolution needs to know about one page (`key` identifies it, e.g. its path)."""

    key: str
    title: str | None
    parent: str | None = None
    grand_parent: str | None = None
    ancestor: str | None = None
    published: bool = True
    current_parent: str | None = None  # the key of the parent it has now (kept when nothing public fits)


@dataclass(frozen=True)
class ParentProblem:
    key: str
    message: str


def resolve_parents(nodes: Iterable[NavNode]) -> tuple[dict[str, str | None], list[ParentProblem]]:
    """Each page's parent key (None for top-level or unresolved pages), and a problem per unclear case.

    An ambiguous parent (several candidates even after grand_parent / ancestor) is resolved to the
    candidate with the smallest key and reported; a missing one leaves the page without a parent.
    """
    nodes = list(nodes)
    by_title: dict[str, list[NavNode]] = {}
    for node in nodes:
        if node.title is not None:
            by_title.setdefault(node.title, []).append(node)
    top_titles = {node.title for node in nodes if node.title is not None and not node.parent}
    # A published page's three-level rule looks at published pages only (a top-level draft with the
    # same title as a nested section must not change where the section's children go).
    public_top_titles = {
        node.title for node in nodes if node.title is not None and not node.parent and node.published
    }
    resolved: dict[str, str | None] = {}
    problems: list[ParentProblem] = []
    by_key = {node.key: node for node in nodes}
    in_progress: set[str] = set()

    def ancestors(key: str | None) -> list[str]:
        titles: list[str] = []
        seen: set[str] = set()
        while key is not None and key not in seen:
            seen.add(key)
            key = resolve(by_key[key])
            if key is not None:
                titles.append(by_key[key].title or "")
        return titles

    def resolve(node: NavNode) -> str | None:
        if node.key in resolved:
            return resolved[node.key]
        if not node.parent:
            resolved[node.key] = None
            return None
        if node.key in in_progress:
            return None
        in_progress.add(node.key)
        candidates = []
        for candidate in by_title.get(node.parent, []):
            if candidate.key == node.key:
                continue
            if node.grand_parent and node.grand_parent != candidate.parent:
                continue
            if (
                node.ancestor
                and node.ancestor != candidate.title
                and node.ancestor not in ancestors(candidate.key)
            ):
                continue
            tops = public_top_titles if node.published else top_titles
            if not node.grand_parent and not node.ancestor and node.parent in tops and candidate.parent:
                continue
            candidates.append(candidate)
        in_progress.discard(node.key)
        candidates.sort(key=lambda c: c.key)
        if node.published:
            hidden = [c.key for c in candidates if not c.published]
            candidates = [c for c in candidates if c.published]
            if hidden and not candidates:
                current = by_key.get(node.current_parent) if node.current_parent else None
                keep = current.key if current is not None and current.published else None
                where = f"stays under {keep}" if keep else "is shown at the top level"
                problems.append(
                    ParentProblem(
                        node.key,
                        f"parent '{node.parent}' matches only unpublished pages ({', '.join(hidden)}), "
                        f"which are never parents of published pages; the page {where}",
                    )
                )
                resolved[node.key] = keep
                return keep
            if hidden:
                problems.append(
                    ParentProblem(
                        node.key,
                        f"parent '{node.parent}' also matches unpublished pages ({', '.join(hidden)}), "
                        "which are never parents of published pages",
                    )
                )
        if not candidates:
            problems.append(ParentProblem(node.key, f"parent '{node.parent}' matches no page title"))
            resolved[node.key] = None
        else:
            if len(candidates) > 1:
                names = ", ".join(c.key for c in candidates)
                problems.append(
                    ParentProblem(
                        node.key,
                        f"parent '{node.parent}' is ambiguous ({names}); "
                        f"add grand_parent or ancestor; using {candidates[0].key}",
                    )
                )
            resolved[node.key] = candidates[0].key
        return resolved[node.key]

    for node in nodes:
        resolve(node)
    _break_cycles(resolved, problems)
    return resolved, problems


def _break_cycles(resolved: dict[str, str | None], problems: list[ParentProblem]) -> None:
    for start in sorted(resolved):
        seen: list[str] = []
        key: str | None = start
        while key is not None and key not in seen:
            seen.append(key)
            key = resolved.get(key)
        if key is not None:
            resolved[key] = None
            problems.append(
                ParentProblem(key, "parent chain loops back to this page; shown at the top level")
            )
