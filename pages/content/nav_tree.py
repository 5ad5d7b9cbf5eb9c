"""The navigation tree, built from one list of page records and rendered once as HTML. Pure: no ORM.

`build_tree` turns the published pages (as plain records) into a tree in Just the Docs' order:
children under their `parent`, siblings sorted by `sort_pages`, reversed where the parent says
`child_nav_order: reversed` (or the older `desc`). A page with `nav_exclude` is left out of the tree
with its whole subtree, and so is a page whose parent is not public.

`render_sidebar` writes a page's sidebar: the top level, and the current page's branch open (see the
HTML section below); `render_branch` writes one closed branch, for a reader who opens it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from django.utils.html import escape, strip_tags

from pages.content.navigation import sort_pages
from pages.content.sanitising import title_html

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
    front_matter: dict | None = field(default=None, compare=False)  # title and nav_order as written
    collection: str = ""  # the label of the collection it is a document of; "" for a page


@dataclass(frozen=True)
class NavSection:
    """A collection listed after the pages (`just_the_docs.collections`): its documents' top level,
    under a heading (`name`) when `heading` is on, folded away when `fold` is on."""

    collection: str  # the collection's label
    level: str  # the key of its top level in the "more pages" URLs: `c<index>`
    name: str
    fold: bool
    heading: bool
    roots: list[NavRecord]


@dataclass
class NavTree:
    """Published pages as a tree: `roots` and `children` hold only pages shown in the navigation."""

    by_id: dict[int, NavRecord]
    roots: list[NavRecord]
    children: dict[int, list[NavRecord]] = field(default_factory=dict)
    order: list[NavRecord] = field(default_factory=list)
    sections: list[NavSection] = field(default_factory=list)

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

    def sibling_index(self, page_id: int) -> int | None:
        """Where a page stands among its siblings in the navigation (None when it is not in it)."""
        return self._sibling_index.get(page_id)

    def __post_init__(self) -> None:
        self._position = {record.id: i for i, record in enumerate(self.order)}
        self._sibling_index = {record.id: i for i, record in enumerate(self.roots)}
        for section in self.sections:
            self._sibling_index.update((record.id, i) for i, record in enumerate(section.roots))
        for kids in self.children.values():
            self._sibling_index.update((record.id, i) for i, record in enumerate(kids))


def _sorted_siblings(
    records: list[NavRecord], parent: NavRecord | None, case_sensitive: bool
) -> list[NavRecord]:
    ordered = sort_pages(records, case_sensitive=case_sensitive)
    if parent and (parent.child_nav_order or "").strip().lower() in REVERSED_ORDERS:
        ordered.reverse()
    return ordered


def build_tree(
    records: Iterable[NavRecord],
    *,
    case_sensitive: bool = True,
    collections: Sequence = (),
    listed_collections: int | None = None,
) -> NavTree:
    """Build the navigation tree from every published page (one query's worth of records); text
    sorts case-sensitively unless `case_sensitive` is off (the site's `nav_sort: case_insensitive`).

    As in Just the Docs, the pages come first; the documents of the `collections` listed in
    `just_the_docs.collections` (`jekyll_site.NavCollection`s, in order) follow, each collection a tree
    of its own; documents of other collections (posts among them) are not in the navigation. Each
    collection gets its heading when more than one collection is listed (`listed_collections`, every
    entry of the config's list) or when there are top-level pages."""
    by_id = {record.id: record for record in records}
    grouped: dict[tuple[str, int | None], list[NavRecord]] = {}
    for record in by_id.values():
        if record.nav_exclude:
            continue
        parent = by_id.get(record.parent_id) if record.parent_id is not None else None
        if record.parent_id is not None and (parent is None or parent.collection != record.collection):
            continue  # its parent is a draft, scheduled, deleted or elsewhere: the subtree is not public
        grouped.setdefault((record.collection, record.parent_id), []).append(record)

    children: dict[int, list[NavRecord]] = {}
    order: list[NavRecord] = []

    def walk(group: str, nodes: list[NavRecord], seen: set[int]) -> None:
        for node in nodes:
            order.append(node)
            kids = grouped.get((group, node.id))
            if kids and node.id not in seen:
                children[node.id] = _sorted_siblings(kids, node, case_sensitive)
                walk(group, children[node.id], seen | {node.id})

    roots = _sorted_siblings(grouped.get(("", None), []), None, case_sensitive)
    walk("", roots, set())
    listed = len(collections) if listed_collections is None else listed_collections
    sections = []
    for index, collection in enumerate(collections):
        if not collection.label:
            continue
        section_roots = _sorted_siblings(grouped.get((collection.label, None), []), None, case_sensitive)
        walk(collection.label, section_roots, set())
        sections.append(
            NavSection(
                collection=collection.label,
                level=f"c{index}",
                name=collection.name,
                fold=collection.fold,
                heading=listed > 1 or bool(roots),
                roots=section_roots,
            )
        )
    return NavTree(by_id=by_id, roots=roots, children=children, order=order, sections=sections)


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
#
# The sidebar shows the top level and, under the current page and each of its ancestors, their
# children: what Just the Docs shows open. A closed section's pages are not in the HTML; its toggle
# names the URL of that branch (`render_branch`), which the page's script fetches when a reader
# opens it. So a page carries a sidebar the size of the top level plus its own branch, whatever the
# number of pages, and every closed entry is a string made once per content version (`closed_items`).


def _toggle(node: NavRecord, title: str, branch_url: str, expanded: bool) -> str:
    title = escape(strip_tags(title))
    """A section's open/close button; `aria-controls` names the children's list only when that list is
    in the page (a closed branch gets it from the script once loaded)."""
    state = f'aria-expanded="true" aria-controls="nav-{node.id}"' if expanded else 'aria-expanded="false"'
    return (
        f'<button type="button" class="nav-toggle" {state} data-branch="{escape(branch_url)}" hidden>'
        f'<span class="visually-hidden">{title}: show or hide pages</span></button>'
    )


def _item(
    node,
    has_children: bool,
    branch_url: str,
    classes: str = "",
    current: bool = False,
    prefix: str = "",
) -> str:
    """One entry's `<li>` up to (not including) its children's list and its closing tag. An entry with
    children gets a toggle, shown expanded when `classes` says the entry is open. The title's HTML is
    shown (sanitised), as Just the Docs shows it; every URL starts with the site's `prefix`."""
    title = title_html(node.title)
    marker = ' aria-current="page"' if current else ""
    href = escape(prefix + node.url_path)
    link = f'<a class="nav-link" href="{href}" data-nav-link="{node.id}"{marker}>{title}</a>'
    toggle = ""
    if has_children:
        toggle = _toggle(node, node.title, branch_url, expanded="is-open" in classes)
    class_attribute = f"nav-item {classes}" if classes else "nav-item"
    return f'<li class="{class_attribute}" data-nav="{node.id}">{link}{toggle}'


def closed_items(tree: NavTree, branch_url: Callable[[int], str], prefix: str = "") -> dict[int, str]:
    """Every entry as a closed `<li>` (its link, and a toggle if it has children): once per version."""
    children = tree.children
    return {
        node.id: _item(node, node.id in children, branch_url(node.id), prefix=prefix) + "</li>"
        for node in tree.order
    }


_EXTERNAL_ICON = (
    '<svg class="icon nav-external-icon" aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="14" '
    'height="14"><path d="M14 3h7v7M21 3l-9 9M19 14v6H4V5h6"/></svg>'
    '<span class="visually-hidden"> (external link)</span>'
)


def render_external_links_html(links: Sequence, prefix: str = "") -> str:
    """Just the Docs' `nav_external_links` (`jekyll_site.ExternalLink`s) as the list written after the
    pages: an icon unless `hide_icon`, a new tab (`noopener noreferrer`) when the link asks for one."""
    if not links:
        return ""
    items = []
    for link in links:
        href = prefix + link.url if link.url.startswith("/") else link.url
        target = ' target="_blank" rel="noopener noreferrer"' if link.new_tab else ""
        icon = "" if link.hide_icon else _EXTERNAL_ICON
        items.append(
            f'<li class="nav-item external"><a class="nav-link external" href="{escape(href)}"{target}>'
            f"{escape(link.title)}{icon}</a></li>"
        )
    return f'<ul class="nav-list nav-external-links">{"".join(items)}</ul>'


# -- Windows ----------------------------------------------------------------------------------------
#
# A level with more entries than the window (QUIRE_NAV_WINDOW, 150 by default: a flat site of thousands
# of posts) is not written whole: the sidebar shows the window around the open entry (or the first
# entries), and each hidden run becomes one "N more pages" entry whose link loads that run
# (`/-/nav/<parent id, 0 for the top level>/<start>-<end>/`, a window at a time). No page carries an
# unbounded sidebar, and each load is bounded by the window too.

NO_WINDOW = 0
TOP_LEVEL = 0


def window_bounds(count: int, focus: int | None, size: int) -> tuple[int, int]:
    """The [start, end) of the entries shown of `count`, centred on index `focus` when there is one."""
    if size <= NO_WINDOW or count <= size:
        return 0, count
    if focus is None:
        return 0, size
    start = max(0, min(focus - size // 2, count - size))
    return start, start + size


def _more_item(url: str, hidden: int) -> str:
    label = "1 more page" if hidden == 1 else f"{hidden:,} more pages"
    return (
        f'<li class="nav-item nav-more"><a class="nav-more-link" href="{escape(url)}" '
        f'data-more="{escape(url)}">{label}</a></li>'
    )


def range_url(branch_url: Callable, parent_id: int | str, start: int, end: int) -> str:
    return f"{branch_url(parent_id)}{start}-{end}/"


# -- Level sources ----------------------------------------------------------------------------------
#
# The renderers below read the navigation through a `LevelSource`: a level's length and a slice of its
# entries (`NavEntry`: what one sidebar entry needs, its closed HTML made once per content version), the
# place of an open page in its level, and the collections listed after the pages. `TreeSource` reads a
# whole `NavTree` in memory; `pages.site.nav_cache` reads the pieces a page needs from the shared cache. Both
# give the same HTML, since both go through the same renderers.


class NavEntry(NamedTuple):
    """One entry of a level: enough to write it closed (`closed`) or open (the rest)."""

    id: int
    title: str
    url_path: str
    has_children: bool
    closed: str
    collection: str = ""


class SectionHead(NamedTuple):
    """A collection listed after the pages (see `NavSection`), with its top level's length."""

    collection: str
    level: str
    name: str
    fold: bool
    heading: bool
    count: int


class LevelSource(Protocol):
    pages_level: bool  # the pages' top level is written (there are pages, or no collection is listed)
    heads: Sequence[SectionHead]

    def count(self, level: int | str) -> int: ...

    def entries(self, level: int | str, start: int, end: int) -> Sequence[NavEntry]: ...

    def place(self, page_id: int) -> tuple[int | str, int] | None:
        """(level, index) of a page in the navigation, None when it is not in it."""

    def collections(self, page_ids: Iterable[int]) -> set[str]:
        """The collections of these pages that are public ("" for pages)."""


def level_of(tree: NavTree, record: NavRecord) -> int | str:
    """The key of the level a record of the tree stands in: its parent's id, the top level (0), or a
    collection's top level ("c<index>")."""
    if record.parent_id is not None:
        return record.parent_id
    if record.collection:
        return next((s.level for s in tree.sections if s.collection == record.collection), TOP_LEVEL)
    return TOP_LEVEL


def tree_heads(tree: NavTree) -> list[SectionHead]:
    return [
        SectionHead(s.collection, s.level, s.name, s.fold, s.heading, len(s.roots)) for s in tree.sections
    ]


class TreeSource:
    """A `LevelSource` over a whole tree in memory and its closed entries."""

    def __init__(self, tree: NavTree, closed: dict[int, str]):
        self.tree = tree
        self.closed = closed
        self.pages_level = bool(tree.roots or not tree.sections)
        self.heads = tree_heads(tree)

    def nodes(self, level: int | str) -> list[NavRecord]:
        return _level(self.tree, level) or []

    def count(self, level: int | str) -> int:
        return len(self.nodes(level))

    def entries(self, level: int | str, start: int, end: int) -> list[NavEntry]:
        children, closed = self.tree.children, self.closed
        return [
            NavEntry(n.id, n.title, n.url_path, n.id in children, closed[n.id], n.collection)
            for n in self.nodes(level)[start:end]
        ]

    def place(self, page_id: int) -> tuple[int | str, int] | None:
        index = self.tree.sibling_index(page_id)
        if index is None or not self.tree.in_nav(page_id):
            return None
        return level_of(self.tree, self.tree.by_id[page_id]), index

    def collections(self, page_ids: Iterable[int]) -> set[str]:
        by_id = self.tree.by_id
        return {by_id[i].collection for i in page_ids if i in by_id}


def render_sidebar(
    source: LevelSource,
    branch_url: Callable[[int], str],
    current_id: int | None = None,
    ancestor_ids: Iterable[int] = (),
    prefix: str = "",
    window: int = NO_WINDOW,
    after_pages: str = "",
) -> str:
    """The sidebar: the top level, and open under the current page and its ancestors their children;
    a level longer than `window` shows only the window around its open entry (see Windows above).
    `after_pages` (the external links) comes after the pages, and the collections after it."""
    opened = set(ancestor_ids)
    if current_id is not None:
        opened.add(current_id)
    focus: dict[int | str, int] = {}
    for page_id in opened:
        place = source.place(page_id)
        if place is not None and (place[0] not in focus or place[1] < focus[place[0]]):
            focus[place[0]] = place[1]
    parts: list[str] = []

    def write(level: int | str, count: int, list_id: str | None) -> None:
        parts.append(f'<ul class="nav-list" id="{list_id}">' if list_id else '<ul class="nav-list">')
        start, end = window_bounds(count, focus.get(level), window)
        if start > 0:
            parts.append(_more_item(range_url(branch_url, level, 0, start), start))
        for node in source.entries(level, start, end):
            if node.id not in opened:
                parts.append(node.closed)
                continue
            kids = node.has_children
            current = node.id == current_id
            classes = " ".join(name for name, on in (("is-current", current), ("is-open", kids)) if on)
            parts.append(_item(node, kids, branch_url(node.id), classes, current, prefix))
            opened.discard(node.id)  # a cycle cannot open a branch twice
            if kids:
                write(node.id, source.count(node.id), f"nav-{node.id}")
            parts.append("</li>")
        if end < count:
            parts.append(_more_item(range_url(branch_url, level, end, count), count - end))
        parts.append("</ul>")

    if source.pages_level:
        write(TOP_LEVEL, source.count(TOP_LEVEL), None)
    parts.append(after_pages)
    collections = source.collections(opened)
    for head in source.heads:
        name = escape(head.name)
        if not head.heading:
            write(head.level, head.count, None)
        elif head.fold:
            is_open = head.collection in collections
            parts.append(
                f'<details class="nav-category-fold"{" open" if is_open else ""}>'
                f'<summary class="nav-category">{name or escape(head.collection)}</summary>'
            )
            write(head.level, head.count, None)
            parts.append("</details>")
        else:
            parts.append(f'<div class="nav-category">{name}</div>' if name else "")
            write(head.level, head.count, None)
    return "".join(parts)


def _level(tree: NavTree, parent_id: int | str) -> list[NavRecord] | None:
    """One level's entries: the top level (0), a collection's top level ("c<index>"), a page's children."""
    if isinstance(parent_id, str):
        return next((s.roots for s in tree.sections if s.level == parent_id), None)
    return tree.roots if parent_id == TOP_LEVEL else tree.children.get(parent_id)


def render_branch(
    source: LevelSource,
    page_id: int,
    branch_url: Callable[[int], str] | None = None,
    window: int = NO_WINDOW,
) -> str | None:
    """The closed list of one page's children (what a toggle fetches), or None if it has none; past
    `window` entries, the first window and a "more" entry for the rest."""
    count = source.count(page_id) if page_id != TOP_LEVEL else 0
    if not count:
        return None
    end = count if branch_url is None else window_bounds(count, None, window)[1]
    more = _more_item(range_url(branch_url, page_id, end, count), count - end) if end < count else ""
    return (
        f'<ul class="nav-list" id="nav-{page_id}">'
        + "".join(entry.closed for entry in source.entries(page_id, 0, end))
        + more
        + "</ul>"
    )


def render_range(
    source: LevelSource,
    parent_id: int | str,
    start: int,
    end: int,
    branch_url: Callable[[int], str],
    window: int,
) -> str | None:
    """Entries [start, end) of one level (a "more" entry's load), at most `window` of them and a "more"
    entry for the rest; None when the level or the range does not exist."""
    count = source.count(parent_id)
    if not count or not 0 <= start < end <= count:
        return None
    stop = min(end, start + window) if window > NO_WINDOW else end
    items = "".join(entry.closed for entry in source.entries(parent_id, start, stop))
    if stop < end:
        items += _more_item(range_url(branch_url, parent_id, stop, end), end - stop)
    return f'<ul class="nav-list">{items}</ul>'
