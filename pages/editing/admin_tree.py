"""The page list's tree: every page (drafts and pages left out of the navigation too) in the site's
navigation order, depth first, with each page's depth and whether it has children. One query.

Siblings are sorted exactly as the public navigation sorts them (pages.content.nav_tree's sibling order, the
site's `nav_sort`, the title and nav_order as written); a
page whose parent is missing is listed at the top level; a parent cycle is broken where it closes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models.fields.json import KT

from pages.content.nav_tree import NavRecord, _sorted_siblings
from pages.models import Page
from pages.site.selectors import _sort_values
from pages.store.site_settings import nav_case_sensitive


@dataclass(frozen=True)
class TreeRow:
    id: int
    depth: int
    parent_id: int | None
    has_children: bool


def tree_rows(queryset=None) -> list[TreeRow]:
    """All pages of `queryset` (default: every page) in navigation order, depth first."""
    queryset = Page.objects.all() if queryset is None else queryset
    rows = queryset.order_by().values_list(
        "id", "title", "url_path", "nav_order", "parent_id", "source_path",
        KT("front_matter__child_nav_order"), "front_matter",
    )  # fmt: skip
    records = {
        pk: NavRecord(
            pk, title, url, nav_order or "", parent, source, False, child_order, front_matter=_sort_values(fm)
        )
        for pk, title, url, nav_order, parent, source, child_order, fm in rows
    }
    case_sensitive = nav_case_sensitive()
    grouped: dict[int | None, list[NavRecord]] = {}
    for record in records.values():
        key = record.parent_id if record.parent_id in records else None
        grouped.setdefault(key, []).append(record)
    ordered: list[TreeRow] = []
    placed: set[int] = set()

    def walk(nodes: list[NavRecord], depth: int, parent: int | None) -> None:
        for node in nodes:
            if node.id in placed:
                continue
            placed.add(node.id)
            kids = [kid for kid in grouped.get(node.id, []) if kid.id not in placed]
            ordered.append(TreeRow(node.id, depth, parent, bool(kids)))
            if kids:
                walk(_sorted_siblings(kids, node, case_sensitive), depth + 1, node.id)

    walk(_sorted_siblings(grouped.get(None, []), None, case_sensitive), 0, None)
    leftovers = [record for record in records.values() if record.id not in placed]  # cycles
    walk(_sorted_siblings(leftovers, None, case_sensitive), 0, None)
    return ordered
