"""The navigation of the current content version, kept in the shared cache in small pieces.

A site's navigation is built once per content version (one query, one sort, every entry's closed HTML:
`build_navigation`), by one process at a time (`_build_once`: a lock in the shared cache), and stored
as many small entries rather than one blob, so that a page view fetches only what its sidebar needs:

- `m` (meta): the length of the top level and of each listed collection, the home page, the external
  links' HTML. One per version; its presence says the rest is stored.
- `chunk:<digest>`: entries [n*NAV_CHUNK, (n+1)*NAV_CHUNK) of one level (0: the top level,
  `c<index>`: a collection's top level, a page id: that page's children), each entry with its closed
  HTML (`nav_tree.NavEntry`), keyed by a digest of its content: a chunk no edit touched keeps its key
  from one version to the next, so workers keep it and no reader fetches it again. The meta lists the
  top levels' chunk digests, each place those of its page's and ancestors' children.
- `p:<bucket>`: the places of the public pages whose id // NAV_BUCKET is `bucket` (`NavPlace`): where
  the page and its ancestors stand in their levels, its breadcrumb trail, its previous and next page.

The meta and the places are keyed by the content version.

A page view reads the meta, its place's bucket, and the chunks of the levels its sidebar shows (the
window of the top level, and of each of its ancestors' children): a few entries of a few KB whatever
the number of pages (bench/nav_scale.py measures them). This process keeps the entries it read last
in a bounded LRU (QUIRE_NAV_LOCAL_ENTRIES, default 1,000: 5-20 MB), keyed like the shared ones
(never stale), so its memory does not grow with the site. The builder drops the pieces of the version
before the previous one that the newer ones do not share (in-flight requests of the previous one still
find theirs). An edit still rebuilds the whole navigation once (one process) and writes every piece.

Without a working shared cache the process builds the whole navigation itself and keeps that one copy
while the version holds (degraded, never an error); so it does when the cache is this process's own
memory (no pieces: QUIRE_NAV_PIECES), or when pieces go missing (a cache too small for them, evicting);
with QUIRE_CACHE_NAV off every request builds it.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest

from pages.content.nav_tree import (
    TOP_LEVEL,
    NavEntry,
    NavRecord,
    NavTree,
    SectionHead,
    TreeSource,
    closed_items,
    home_record,
    level_of,
    render_branch,
    render_external_links_html,
    render_range,
    render_sidebar,
    tree_heads,
    window_bounds,
)
from pages.site.caching import (
    _cache,
    _entry_timeout,
    _setting,
    cache_key,
    nav_enabled,
    nav_window,
)
from pages.store import base_url
from pages.store.site_state import request_content_version

logger = logging.getLogger("quire.cache")

# Part of every key: entries stored by an older Quire (other shapes) are never read by a newer one.
NAVIGATION_FORMAT = 5
NAV_CHUNK = 64  # entries of one level per cache entry
NAV_BUCKET = 32  # page places per cache entry
_WRITE_BATCH = 500


class NavMeta(NamedTuple):
    pages_level: bool
    top_count: int
    heads: tuple[SectionHead, ...]
    home_id: int | None
    external_html: str
    chunks: dict  # the chunk digests of the top level (0) and of each collection's ("c<index>")


class NavPlace(NamedTuple):
    """Where one public page stands: `own` (id, title, url_path); `trail` the same for its ancestors,
    root first (its breadcrumbs); `opened` (id, level, index, children, the digests of its children's
    chunks) for it and its ancestors that are in the navigation; `collections` of it and its ancestors;
    its previous and next page, or None."""

    own: tuple[int, str, str]
    trail: tuple[tuple[int, str, str], ...]
    opened: tuple[tuple[int, int | str, int, int, tuple[str, ...]], ...]
    collections: tuple[str, ...]
    previous: tuple[int, str, str] | None
    following: tuple[int, str, str] | None


@dataclass
class PageNav:
    """What a page shows of the navigation around it."""

    sidebar: str
    breadcrumbs: list[NavRecord]
    previous: NavRecord | None
    following: NavRecord | None
    children: list[NavRecord] = field(default_factory=list)


def _record(row: tuple[int, str, str] | None) -> NavRecord | None:
    return None if row is None else NavRecord(row[0], row[1], row[2])


def branch_url_pattern() -> str:
    """The URL of one branch's HTML, with "{}" for the page id."""
    return base_url.reversed_url("pages:nav_branch", 0).removesuffix("0/") + "{}/"


# ------------------------------------------------------------------------------ the whole navigation
@dataclass(frozen=True)
class SiteNavigation:
    """The whole navigation of one content version in memory: the tree (breadcrumbs, prev/next,
    children) and every sidebar entry as closed HTML. What the builder makes and stores in pieces, what
    the static build reads, and what a process uses when the shared cache cannot help."""

    version: int
    tree: NavTree
    closed: dict[int, str]
    branch_url_pattern: str
    prefix: str = ""
    external_html: str = ""

    def branch_url(self, page_id) -> str:
        return self.branch_url_pattern.format(page_id)

    @property
    def source(self) -> TreeSource:
        return TreeSource(self.tree, self.closed)

    @property
    def home_id(self) -> int | None:
        record = home_record(self.tree)
        return record.id if record else None

    def sidebar(self, current_id: int | None = None, ancestor_ids: Iterable[int] = ()) -> str:
        return render_sidebar(
            self.source,
            self.branch_url,
            current_id,
            ancestor_ids,
            self.prefix,
            nav_window(),
            self.external_html,
        )

    @property
    def html(self) -> str:
        """The sidebar of a page outside the navigation (search, 404): the top level, closed."""
        return self.sidebar()

    def page(self, page_id: int, parent_id: int | None, with_children: bool = False) -> PageNav:
        tree = self.tree
        trail = tree.lineage(parent_id)
        previous, following = tree.neighbours(page_id)
        return PageNav(
            sidebar=self.sidebar(page_id, [record.id for record in trail]),
            breadcrumbs=trail,
            previous=previous,
            following=following,
            children=tree.children_of(page_id) if with_children else [],
        )

    def branch(self, page_id: int) -> str | None:
        return render_branch(self.source, page_id, self.branch_url, nav_window())

    def entries(self, parent_id: int | str, start: int, end: int) -> str | None:
        return render_range(self.source, parent_id, start, end, self.branch_url, nav_window())


def build_navigation(version: int, request: HttpRequest | None = None) -> SiteNavigation:
    """The whole navigation of the public pages now (one query), with every entry's closed HTML."""
    from pages.site import selectors
    from pages.store.site_settings import nav_case_sensitive, request_site

    rules = request_site(request).rules
    tree = selectors.nav_tree(case_sensitive=nav_case_sensitive(rules), rules=rules)
    pattern = branch_url_pattern()
    prefix = base_url.prefix()
    return SiteNavigation(
        version=version,
        tree=tree,
        closed=closed_items(tree, pattern.format, prefix),
        branch_url_pattern=pattern,
        prefix=prefix,
        external_html=render_external_links_html(rules.nav_external_links, prefix),
    )


# ------------------------------------------------------------------------------------------ the pieces
def _key(version: int, prefix: str, *parts) -> str:
    return cache_key("nav", NAVIGATION_FORMAT, version, prefix, *parts)


def meta_key(version: int, prefix: str) -> str:
    return _key(version, prefix, "m")


def chunk_key(digest: str) -> str:
    """A level chunk's key names its content, not the version: a chunk no edit changed keeps its key
    (and its place in every worker's memory) from one version to the next."""
    return cache_key("nav", NAVIGATION_FORMAT, "chunk", digest)


def _digest(chunk: tuple) -> str:
    return hashlib.blake2b(pickle.dumps(chunk, protocol=5), digest_size=16).hexdigest()


def _chunk_keys(digests: Sequence[str], start: int, end: int) -> list[str]:
    """The keys of the chunks holding entries [start, end) of a level whose chunks are `digests`."""
    if end <= start:
        return []
    return [chunk_key(digests[chunk]) for chunk in range(start // NAV_CHUNK, (end - 1) // NAV_CHUNK + 1)]


def place_key(version: int, prefix: str, page_id: int) -> str:
    return _key(version, prefix, "p", page_id // NAV_BUCKET)


def _row(record: NavRecord | None) -> tuple[int, str, str] | None:
    return None if record is None else (record.id, record.title, record.url_path)


def navigation_entries(navigation: SiteNavigation) -> dict[str, object]:
    """Every piece of `navigation` under its cache key, the meta last (see the module)."""
    tree, version, prefix = navigation.tree, navigation.version, navigation.prefix
    source = navigation.source
    entries: dict[str, object] = {}
    levels: list[int | str] = [TOP_LEVEL, *(s.level for s in tree.sections), *tree.children]
    digests: dict[int | str, tuple[str, ...]] = {}
    for level in levels:
        found = []
        for start in range(0, source.count(level), NAV_CHUNK):
            chunk = tuple(source.entries(level, start, start + NAV_CHUNK))
            found.append(_digest(chunk))
            entries[chunk_key(found[-1])] = chunk
        digests[level] = tuple(found)
    buckets: dict[int, dict[int, NavPlace]] = {}
    for record in tree.by_id.values():
        buckets.setdefault(record.id // NAV_BUCKET, {})[record.id] = _place(tree, record, digests)
    for bucket, places in buckets.items():
        entries[_key(version, prefix, "p", bucket)] = places
    entries[meta_key(version, prefix)] = NavMeta(
        pages_level=source.pages_level,
        top_count=source.count(TOP_LEVEL),
        heads=tuple(tree_heads(tree)),
        home_id=navigation.home_id,
        external_html=navigation.external_html,
        chunks={level: digests[level] for level in [TOP_LEVEL, *(s.level for s in tree.sections)]},
    )
    return entries


def _place(tree: NavTree, record: NavRecord, digests: dict) -> NavPlace:
    trail = tree.lineage(record.parent_id)
    opened = []
    for node in [*trail, record]:
        index = tree.sibling_index(node.id)
        if index is not None and tree.in_nav(node.id):
            kids = len(tree.children.get(node.id, ()))
            opened.append((node.id, level_of(tree, node), index, kids, digests.get(node.id, ())))
    previous, following = tree.neighbours(record.id)
    return NavPlace(
        own=_row(record),
        trail=tuple(_row(node) for node in trail),
        opened=tuple(opened),
        collections=tuple(sorted({node.collection for node in [*trail, record]})),
        previous=_row(previous),
        following=_row(following),
    )


def _derived_place(page_id: int, parent: NavPlace | None) -> NavPlace:
    """The place of a page that is not public (a preview): under its parent's, if that is public."""
    if parent is None:
        return NavPlace((page_id, "", ""), (), (), (), None, None)
    return NavPlace(
        (page_id, "", ""), (*parent.trail, parent.own), parent.opened, parent.collections, None, None
    )


# ------------------------------------------------------------------------------------ this process
class LocalEntries:
    """The shared entries this process read last, at most `size` of them (least recently used go)."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: str, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_local = LocalEntries(1000)
# The whole navigation this process built when the shared cache could not take it (a degraded cache);
# used only while the content version and base URL are still its own.
_local_whole: SiteNavigation | None = None


def _local_entries() -> LocalEntries:
    size = int(_setting("QUIRE_NAV_LOCAL_ENTRIES", 1000))
    if _local.size != size:
        _local.size = size
    return _local


def pieces_enabled() -> bool:
    """Whether the navigation is stored in pieces (QUIRE_NAV_PIECES): by default when the cache is
    shared (Redis); a cache of this process's own memory gains nothing from pieces (and Django's keeps
    300 entries), so each process keeps its whole navigation while the version holds."""
    value = _setting("QUIRE_NAV_PIECES", None)
    if value is None:
        return not isinstance(_cache(), LocMemCache | DummyCache)
    return bool(value)


def forget_local_navigation() -> None:
    """Drop what this process keeps (tests that roll the database back to an older version)."""
    global _local_whole
    _local.clear()
    _local_whole = None


class _Missing(Exception):
    """A piece the meta promised is gone from the shared cache (evicted): the request builds."""


def _or_built(method):
    """A `CachedNavigation` answer that falls back to building the navigation when a piece is gone."""

    @functools.wraps(method)
    def answer(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except _Missing:
            global _local_whole
            whole = _build_once(self.version, self.prefix, self.request)
            if isinstance(whole, CachedNavigation):  # another process stored it meanwhile
                whole = build_navigation(self.version, self.request)
            # The cache evicts pieces (too small for them): keep the whole navigation here while the
            # version holds, rather than build it again on every request.
            logger.warning("navigation pieces of version %s evicted from the cache", self.version)
            _local_whole = whole
            if method.__name__ == "sidebar":
                return whole.sidebar()
            return getattr(whole, method.__name__)(*args, **kwargs)

    return answer


class CachedNavigation:
    """The navigation of one request, read piece by piece from the shared cache (see the module)."""

    def __init__(self, version: int, prefix: str, meta: NavMeta, request: HttpRequest | None):
        self.version = version
        self.prefix = prefix
        self.meta = meta
        self.request = request
        self.branch_url_pattern = branch_url_pattern()
        self.reads: list[str] = []

    @property
    def home_id(self) -> int | None:
        return self.meta.home_id

    def branch_url(self, page_id) -> str:
        return self.branch_url_pattern.format(page_id)

    # -- reading
    def _get_many(self, keys: Sequence[str]) -> dict[str, object]:
        local = _local_entries()
        found: dict[str, object] = {}
        wanted = []
        for key in keys:
            value = local.get(key)
            if value is None:
                wanted.append(key)
            else:
                found[key] = value
        if wanted:
            self.reads.extend(wanted)
            fetched = _cache().get_many(wanted)
            for key, value in fetched.items():
                local.put(key, value)
            found.update(fetched)
        return found

    def _places(self, page_ids: Iterable[int]) -> dict[int, NavPlace]:
        keys = {page_id: place_key(self.version, self.prefix, page_id) for page_id in page_ids}
        buckets = self._get_many(list(dict.fromkeys(keys.values())))
        places = {}
        for page_id, key in keys.items():
            bucket = buckets.get(key)
            if bucket is not None and page_id in bucket:
                places[page_id] = bucket[page_id]
        return places

    def _place(self, page_id: int, parent_id: int | None) -> NavPlace:
        places = self._places([page_id] if parent_id is None else [page_id, parent_id])
        place = places.get(page_id)
        return place if place is not None else _derived_place(page_id, places.get(parent_id))

    def _source(
        self, place: NavPlace | None, extra: Iterable[tuple[int | str, int, int]] = ()
    ) -> ChunkSource:
        """A source holding the chunks of every level the sidebar of `place` shows (its windows), and
        `extra` ranges (level, start, end)."""
        meta, window = self.meta, nav_window()
        opened = place.opened if place else ()
        counts: dict[int | str, int] = {TOP_LEVEL: meta.top_count}
        counts.update((head.level, head.count) for head in meta.heads)
        counts.update((node[0], node[3]) for node in opened)
        digests = dict(meta.chunks)
        digests.update((node[0], node[4]) for node in opened)
        focus = {node[1]: node[2] for node in opened}
        ranges = list(extra)
        levels = ([TOP_LEVEL] if meta.pages_level else []) + [head.level for head in meta.heads]
        levels += [node[0] for node in opened if node[3]]
        for level in levels:
            ranges.append((level, *window_bounds(counts[level], focus.get(level), window)))
        keys = []
        for level, start, end in ranges:
            keys += _chunk_keys(digests[level], start, end)
        keys = list(dict.fromkeys(keys))
        chunks = self._get_many(keys)
        if len(chunks) < len(keys):
            raise _Missing
        return ChunkSource(self, counts, digests, opened, place.collections if place else (), chunks)

    # -- answers
    @_or_built
    def sidebar(self) -> str:
        """The sidebar of a page outside the navigation (search, 404): the top level, closed."""
        return render_sidebar(
            self._source(None), self.branch_url, None, (), self.prefix, nav_window(), self.meta.external_html
        )

    @property
    def html(self) -> str:
        return self.sidebar()

    @_or_built
    def page(self, page_id: int, parent_id: int | None, with_children: bool = False) -> PageNav:
        place = self._place(page_id, parent_id)
        own_children = next((node[3] for node in place.opened if node[0] == page_id), 0)
        extra = [(page_id, 0, own_children)] if with_children and own_children else []
        source = self._source(place, extra)
        ancestors = [row[0] for row in place.trail]
        sidebar = render_sidebar(
            source, self.branch_url, page_id, ancestors, self.prefix, nav_window(), self.meta.external_html
        )
        children = []
        if extra:
            children = [
                NavRecord(e.id, e.title, e.url_path) for e in source.entries(page_id, 0, own_children)
            ]
        return PageNav(
            sidebar=sidebar,
            breadcrumbs=[_record(row) for row in place.trail],
            previous=_record(place.previous),
            following=_record(place.following),
            children=children,
        )

    def _level(self, level: int | str) -> tuple[int, tuple[str, ...]]:
        """A level's length and its chunks' digests (0 and none when there is no such level)."""
        if level == TOP_LEVEL:
            return self.meta.top_count, self.meta.chunks[TOP_LEVEL]
        if isinstance(level, str):
            count = next((head.count for head in self.meta.heads if head.level == level), 0)
            return count, self.meta.chunks.get(level, ())
        place = self._places([level]).get(level)
        node = next((node for node in place.opened if node[0] == level), None) if place else None
        return (node[3], node[4]) if node else (0, ())

    @_or_built
    def branch(self, page_id: int) -> str | None:
        if page_id == TOP_LEVEL:
            return None
        count, digests = self._level(page_id)
        end = window_bounds(count, None, nav_window())[1]
        source = self._partial(page_id, count, digests, 0, end)
        return render_branch(source, page_id, self.branch_url, nav_window())

    @_or_built
    def entries(self, parent_id: int | str, start: int, end: int) -> str | None:
        count, digests = self._level(parent_id)
        if not 0 <= start < end <= count:
            return None
        window = nav_window()
        stop = min(end, start + window) if window > 0 else end
        source = self._partial(parent_id, count, digests, start, stop)
        return render_range(source, parent_id, start, end, self.branch_url, window)

    def _partial(self, level: int | str, count: int, digests, start: int, end: int) -> ChunkSource:
        keys = _chunk_keys(digests, start, end)
        chunks = self._get_many(keys)
        if len(chunks) < len(keys):
            raise _Missing
        return ChunkSource(self, {level: count}, {level: digests}, (), (), chunks)


class ChunkSource:
    """A `nav_tree.LevelSource` over the chunks one request fetched."""

    def __init__(self, navigation: CachedNavigation, counts, digests, opened, collections, chunks: dict):
        self.navigation = navigation
        self.digests = digests
        self.pages_level = navigation.meta.pages_level
        self.heads = navigation.meta.heads
        self.counts = counts
        self.places = {node[0]: (node[1], node[2]) for node in opened}
        self.collections_of_place = collections
        self.chunks = chunks

    def count(self, level: int | str) -> int:
        return self.counts.get(level, 0)

    def entries(self, level: int | str, start: int, end: int) -> list[NavEntry]:
        end = min(end, self.count(level))
        found: list[NavEntry] = []
        digests = self.digests.get(level, ())
        for chunk in range(start // NAV_CHUNK, (end - 1) // NAV_CHUNK + 1) if end > start else ():
            base = chunk * NAV_CHUNK
            found.extend(self.chunks[chunk_key(digests[chunk])][max(start - base, 0) : end - base])
        return found

    def place(self, page_id: int) -> tuple[int | str, int] | None:
        return self.places.get(page_id)

    def collections(self, page_ids: Iterable[int]) -> set[str]:
        return set(self.collections_of_place)


# ----------------------------------------------------------------------------------------- entry point
def site_navigation(request: HttpRequest | None = None):
    """The navigation of the request's content version: a `CachedNavigation` reading pieces from the
    shared cache, or the whole `SiteNavigation` (just built here, the cache off or failing).

    Both answer `page()`, `sidebar()`/`html`, `branch()`, `entries()` and `home_id` alike."""
    global _local_whole
    version = request_content_version(request)
    if not nav_enabled():
        return build_navigation(version, request)
    prefix = base_url.prefix()
    whole = _local_whole
    if whole is not None and whole.version == version and whole.prefix == prefix:
        return whole
    if not pieces_enabled():
        _local_whole = build_navigation(version, request)
        return _local_whole
    key = meta_key(version, prefix)
    local = _local_entries()
    meta = local.get(key)
    if meta is None:
        meta = _cache().get(key)
        if meta is None:
            return _build_once(version, prefix, request)
        local.put(key, meta)
    return CachedNavigation(version, prefix, meta, request)


def whole_navigation(request: HttpRequest | None = None, keep: bool = False) -> SiteNavigation:
    """The whole navigation in memory, built now (the static build walks all of it). `keep`: this
    process's page views (and those of processes forked from it) use it too while its content version
    and base URL hold, instead of building their own (the static build, whose cache is its own)."""
    global _local_whole
    navigation = build_navigation(request_content_version(request), request)
    if keep:
        _local_whole = navigation
    return navigation


def _build_once(version: int, prefix: str, request: HttpRequest | None) -> SiteNavigation:
    """Build and store the navigation of `version`, one builder across all workers and machines.

    The first process to take the lock (an `add` in the shared cache) builds and stores the pieces and
    drops those of the version before the previous one; the others wait up to QUIRE_NAV_BUILD_WAIT
    seconds (default 5) for the meta, then build their own copy. Without a working cache every process
    builds its own, and keeps it while the version holds."""
    from pages.site.cache_backend import cache_is_down

    global _local_whole
    cache = _cache()
    key = meta_key(version, prefix)
    lock = f"{key}:building"
    if cache.add(lock, 1, int(_setting("QUIRE_NAV_BUILD_LOCK", 60))):
        try:
            navigation = build_navigation(version, request)
            stored = store_navigation(cache, navigation)
        finally:
            cache.delete(lock)
        if not stored:
            _local_whole = navigation
        return navigation
    deadline = time.monotonic() + float(_setting("QUIRE_NAV_BUILD_WAIT", 5))
    while time.monotonic() < deadline and not cache_is_down(cache):
        time.sleep(0.02)
        if cache.get(key) is not None:
            return site_navigation(request)
        if not cache.has_key(lock):
            break  # the builder gave up (or its entries could not be stored): build here
    navigation = build_navigation(version, request)
    if cache_is_down(cache):
        _local_whole = navigation
    return navigation


def store_navigation(cache, navigation: SiteNavigation) -> bool:
    """Write every piece of `navigation` (the meta last) and drop the pieces of the version before the
    previous one. False when the cache did not take them all."""
    from pages.site.cache_backend import cache_is_down

    entries = navigation_entries(navigation)
    timeout = _entry_timeout(navigation.version)
    meta = meta_key(navigation.version, navigation.prefix)
    items = [(k, v) for k, v in entries.items() if k != meta]
    for start in range(0, len(items), _WRITE_BATCH):
        if cache.set_many(dict(items[start : start + _WRITE_BATCH]), timeout):
            return False  # keys the cache did not take
    cache.set(meta, entries[meta], timeout)
    if cache_is_down(cache):
        return False
    history_key = cache_key("nav-history", NAVIGATION_FORMAT)
    history = cache.get(history_key) or []
    history = [h for h in history if h[0] != meta]
    history.append((meta, list(entries)))
    while len(history) > 2:
        _, old_keys = history.pop(0)
        kept = {key for _, keys in history for key in keys}  # chunks the newer versions share
        cache.delete_many([key for key in old_keys if key not in kept])
    cache.set(history_key, history, int(_setting("QUIRE_CACHE_TIMEOUT", 24 * 3600)))
    return True
