"""The navigation tree, built from one list of page records and rendered once as HTML. Pure: no ORM.

`build_tree` turns the published pages (as plain records) into a tree in Just the Docs' order:
children under their `parent`, siblings sorted by `sort_pages`, reversed where the parent says
`child_nav_order: reversed` (or the older `desc`). A page with `nav_exclude` is left out of the tree
with its whole subtree, and so is a page whose parent is not public.

`render_nav_html` writes the whole tree once, with no page marked as current, so that one string can
be cached per content version and shared by every page. `mark_current` then marks the current page
and opens its ancestors by a few exact string substitutions on that shared HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.html import escape

from pages.navigation import sort_pages

REVERSED_ORDERS = frozenset({"reversed", "desc"})


@dataclass(frozen=True)
class NavRecord:
    """The few columns of a published page that navigation needs."""

    id: int
    title: str
    url_path: str
    nav_order: str = ""
    parent_id: int | None = None
    source_path: str | None = None
    nav_exclude: bool = False
    child_nav_order: str | None = None


@dataclass
class NavTree:
    """Published pages as a tree: `roots` and `children` hold only pages shown in the navigation."""

    by_id: dict[int, NavRecord]
    roots: list[NavRecord]
    children: dict[int, list[NavRecord]] = field(default_factory=dict)
    order: list[NavRecord] = field(default_factory=list)

    def lineage(self, parent_id: int | None) -> list[NavRecord]:
        """The public chain ending at `parent_id`, root first: the breadcrumb trail above a page."""
        trail: list[NavRecord] = []
        seen: set[int] = set()
        record = self.by_id.get(parent_id) if parent_id is not None else None
        while record and record.id not in seen:
            seen.add(record.id)
            trail.append(record)
            record = self.by_id.get(record.parent_id) if record.parent_id is not None else None
        trail.reverse()
        return trail

    def children_of(self, page_id: int) -> list[NavRecord]:
        return self.children.get(page_id, [])

    def neighbours(self, page_id: int) -> tuple[NavRecord | None, NavRecord | None]:
        """The previous and next page in navigation order (depth first), or None at either end."""
        index = self._position.get(page_id)
        if index is None:
            return None, None
        previous = self.order[index - 1] if index > 0 else None
        following = self.order[index + 1] if index + 1 < len(self.order) else None
        return previous, following

    def in_nav(self, page_id: int) -> bool:
        return page_id in self._position

    def __post_init__(self) -> None:
        self._position = {record.id: i for i, record in enumerate(self.order)}


def _sorted_siblings(records: list[NavRecord], parent: NavRecord | None) -> list[NavRecord]:
    ordered = sort_pages(records)
    if parent and (parent.child_nav_order or "").strip().lower() in REVERSED_ORDERS:
        ordered.reverse()
    return ordered


def build_tree(records: Iterable[NavRecord]) -> NavTree:
    """Build the navigation tree from every published page (one query's worth of records)."""
    by_id = {record.id: record for record in records}
    grouped: dict[int | None, list[NavRecord]] = {}
    for record in by_id.values():
        if record.nav_exclude:
            continue
        parent_key = record.parent_id if record.parent_id in by_id else None
        if record.parent_id is not None and parent_key is None:
            continue  # its parent is a draft, scheduled or deleted: the subtree is not public
        grouped.setdefault(parent_key, []).append(record)

    children: dict[int, list[NavRecord]] = {}
    order: list[NavRecord] = []
    roots = _sorted_siblings(grouped.get(None, []), None)

    def walk(nodes: list[NavRecord], seen: set[int]) -> None:
        for node in nodes:
            order.append(node)
            kids = grouped.get(node.id)
            if kids and node.id not in seen:
                children[node.id] = _sorted_siblings(kids, node)
                walk(children[node.id], seen | {node.id})

    walk(roots, set())
    return NavTree(by_id=by_id, roots=roots, children=children, order=order)


def home_record(tree: NavTree) -> NavRecord | None:
    """`/`: the page whose URL is `/`, else the root `index` page, else the first page in nav order."""
    for record in tree.by_id.values():
        if record.url_path == "/":
            return record
    for record in tree.by_id.values():
        if record.parent_id is None and (record.source_path or "").rsplit(".", 1)[0] == "index":
            return record
    return tree.order[0] if tree.order else None


# -- HTML -------------------------------------------------------------------------------------------


def _item_token(page_id: int) -> str:
    return f'class="nav-item" data-nav="{page_id}"'


def _link_token(page_id: int) -> str:
    return f'data-nav-link="{page_id}"'


def _toggle_token(page_id: int) -> str:
    return f'aria-expanded="false" aria-controls="nav-{page_id}"'


def render_nav_html(tree: NavTree) -> str:
    """The whole navigation as one `<ul>`, with no current page (cache this per content version)."""
    parts: list[str] = []

    def write(nodes: Sequence[NavRecord], list_id: str | None) -> None:
        parts.append(f'<ul class="nav-list" id="{list_id}">' if list_id else '<ul class="nav-list">')
        for node in nodes:
            title = escape(node.title)
            kids = tree.children.get(node.id)
            parts.append(f"<li {_item_token(node.id)}>")
            href = escape(node.url_path)
            parts.append(f'<a class="nav-link" href="{href}" {_link_token(node.id)}>{title}</a>')
            if kids:
                parts.append(
                    f'<button type="button" class="nav-toggle" {_toggle_token(node.id)} hidden>'
                    f'<span class="visually-hidden">{title}: show or hide pages</span></button>'
                )
                write(kids, f"nav-{node.id}")
            parts.append("</li>")
        parts.append("</ul>")

    write(tree.roots, None)
    return "".join(parts)


def mark_current(nav_html: str, current_id: int | None, ancestor_ids: Iterable[int] = ()) -> str:
    """Mark the current page and open it and its ancestors in HTML from `render_nav_html`."""
    if current_id is None:
        return nav_html
    html = nav_html
    for page_id in ancestor_ids:
        html = html.replace(_item_token(page_id), f'class="nav-item is-open" data-nav="{page_id}"', 1)
        html = html.replace(_toggle_token(page_id), f'aria-expanded="true" aria-controls="nav-{page_id}"', 1)
    html = html.replace(
        _item_token(current_id), f'class="nav-item is-current is-open" data-nav="{current_id}"', 1
    )
    html = html.replace(
        _toggle_token(current_id), f'aria-expanded="true" aria-controls="nav-{current_id}"', 1
    )
    return html.replace(_link_token(current_id), f'{_link_token(current_id)} aria-current="page"', 1)
