"""pages/site/nav_cache.py: the navigation built once per content version, shared in pieces."""

import threading
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.test import Client

from pages.editing.saving import save_page
from pages.models import Page
from pages.site import nav_cache
from pages.store.site_state import content_version
from tests.commits import committed


@pytest.fixture(autouse=True)
def in_pieces(settings):
    """The tests' cache is this process's memory: store the navigation in pieces all the same."""
    settings.QUIRE_NAV_PIECES = True


def make_page(title, url_path, **fields):
    return Page.objects.create(title=title, url_path=url_path, body="", body_html="<p>x</p>", **fields)


@pytest.fixture
def site(db):
    home = make_page("Home", "/", nav_order="1")
    guide = make_page("Guide", "/guide/", nav_order="2")
    install = make_page("Install", "/guide/install/", nav_order="3", parent=guide)
    return {"home": home, "guide": guide, "install": install}


@pytest.fixture
def wide_site(db, settings):
    """Forty sections of five pages each: with a window of 8 the top level is windowed."""
    settings.QUIRE_NAV_WINDOW = 8
    sections = []
    for s in range(40):
        section = make_page(f"Section {s:02d}", f"/s{s}/", nav_order=str(s))
        sections.append(section)
        for c in range(5):
            make_page(f"Page {s:02d}.{c}", f"/s{s}/p{c}/", nav_order=str(c), parent=section)
    return sections


class CountingCache:
    """The shared cache, with every key asked of it (get, get_many) written down."""

    def __init__(self, cache):
        self.cache = cache
        self.asked: list[str] = []

    def get(self, key, *args, **kwargs):
        self.asked.append(key)
        return self.cache.get(key, *args, **kwargs)

    def get_many(self, keys, *args, **kwargs):
        self.asked.extend(keys)
        return self.cache.get_many(keys, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.cache, name)


@pytest.fixture
def counting(monkeypatch):
    counter = CountingCache(caches["default"])
    monkeypatch.setattr(nav_cache, "_cache", lambda: counter)
    return counter


def nav_keys(keys):
    return [key for key in keys if ":nav:" in key]


def chunk_keys(level, version=None):
    """The keys of the chunks of one level as stored for `version` (default: the current one)."""
    version = content_version() if version is None else version
    cache = caches["default"]
    if level == 0:
        digests = cache.get(nav_cache.meta_key(version, "")).chunks[0]
    else:
        place = cache.get(nav_cache.place_key(version, "", level))[level]
        digests = next(node[4] for node in place.opened if node[0] == level)
    return [nav_cache.chunk_key(digest) for digest in digests]


def test_pages_read_only_the_pieces_their_sidebar_shows(wide_site, counting):
    """After one build, a page view asks the shared cache for the meta, its place and the chunks of
    the levels it shows: never another section's children."""
    client = Client()
    client.get("/s0/p0/")  # builds and stores
    nav_cache.forget_local_navigation()  # a fresh worker
    counting.asked.clear()
    page = client.get("/s30/p1/")
    assert page.status_code == 200
    asked = nav_keys(counting.asked)
    version = content_version()
    chunks = {key for key in asked if ":chunk:" in key}
    # the top level's window (entries 26-33 of 40: its first chunk) and its own section's children
    assert chunks == {chunk_keys(0)[0], chunk_keys(wide_site[30].pk)[0]}
    # the place of the page and of its parent: one entry holds both unless their ids fall on either
    # side of a bucket's edge (ids come from the database's sequence)
    page_id = Page.objects.get(url_path="/s30/p1/").pk
    places = {nav_cache.place_key(version, "", pk) for pk in (page_id, wide_site[30].pk)}
    assert {key for key in asked if ":p:" in key} == places
    assert nav_cache.meta_key(version, "") in asked
    assert len(asked) == 1 + len(places) + 2
    for other in wide_site[:30]:
        assert not set(chunk_keys(other.pk)) & set(asked)


def test_every_sidebar_from_pieces_is_the_whole_trees_sidebar(wide_site, settings):
    """The pieces give each page the same sidebar, breadcrumbs and neighbours as the whole tree."""
    settings.QUIRE_NAV_WINDOW = 8
    client = Client()
    client.get("/")
    whole = nav_cache.whole_navigation()
    pieces = nav_cache.site_navigation()
    assert isinstance(pieces, nav_cache.CachedNavigation)
    for page in Page.objects.all():
        a = whole.page(page.pk, page.parent_id, with_children=True)
        b = pieces.page(page.pk, page.parent_id, with_children=True)
        assert a.sidebar == b.sidebar
        assert [r.id for r in a.breadcrumbs] == [r.id for r in b.breadcrumbs]
        assert [r.url_path for r in a.children] == [r.url_path for r in b.children]
        assert (a.previous and a.previous.id) == (b.previous and b.previous.id)
        assert (a.following and a.following.id) == (b.following and b.following.id)
        assert whole.branch(page.pk) == pieces.branch(page.pk)
    assert whole.html == pieces.html
    for start, end in [(0, 8), (8, 40), (30, 40), (39, 40), (0, 41), (5, 5)]:
        assert whole.entries(0, start, end) == pieces.entries(0, start, end)


def test_a_page_view_does_not_load_the_whole_navigation_into_the_worker(wide_site, settings):
    """A worker keeps at most QUIRE_NAV_LOCAL_ENTRIES pieces, and none holds the whole tree."""
    settings.QUIRE_NAV_LOCAL_ENTRIES = 5
    client = Client()
    client.get("/s0/")
    nav_cache.forget_local_navigation()
    for s in range(0, 40, 3):
        assert client.get(f"/s{s}/p2/").status_code == 200
    assert len(nav_cache._local) <= 5
    assert nav_cache._local_whole is None


def test_a_piece_gone_from_the_cache_is_built_again(wide_site):
    """An evicted chunk does not break a page: the navigation is built and stored again."""
    client = Client()
    before = client.get("/s12/p1/").content
    nav_cache.forget_local_navigation()
    version = content_version()
    (gone,) = chunk_keys(wide_site[12].pk)
    caches["default"].delete(gone)
    from pages.site import caching

    caching._cache().delete(caching.cache_key("page", version, "testserver", "/s12/p1/"))
    assert client.get("/s12/p1/").content == before
    assert caches["default"].get(gone) is not None


def test_a_failing_cache_still_renders_the_navigation(site, monkeypatch):
    """With a shared cache that answers nothing and stores nothing, pages still carry their sidebar."""
    from django.core.cache.backends.dummy import DummyCache

    dummy = DummyCache("dummy", {})
    monkeypatch.setattr(nav_cache, "_cache", lambda: dummy)
    monkeypatch.setattr("pages.site.cache_backend.cache_is_down", lambda cache: True)
    html = Client().get("/guide/install/").content.decode()
    assert f'data-nav-link="{site["install"].pk}" aria-current="page"' in html
    assert 'href="/guide/"' in html


def test_parent_change_refreshes_the_navigation(client, site):
    """Moving a page under another parent is seen by the next page view's breadcrumbs and sidebar."""
    before = client.get("/guide/install/").content.decode()
    assert 'href="/guide/"><span' in before or 'href="/guide/">Guide' in before
    install = site["install"]
    install.parent = site["home"]
    with committed():
        save_page(install)
    navigation = nav_cache.site_navigation()
    around = navigation.page(install.pk, site["home"].pk)
    assert [r.id for r in around.breadcrumbs] == [site["home"].pk]
    assert f'id="nav-{site["home"].pk}"' in around.sidebar


def test_navigation_is_rebuilt_after_a_save(site):
    """A save bumps the version, so the next request reads a navigation built with the change."""
    first = nav_cache.site_navigation()
    site["guide"].title = "Handbook"
    with committed():
        save_page(site["guide"])
    second = nav_cache.site_navigation()
    assert second.version > first.version
    assert ">Handbook</a>" in second.html
    assert ">Guide</a>" not in second.html


def test_another_process_reads_the_shared_pieces(site, monkeypatch):
    """A worker with nothing of its own reads what another worker stored, without building."""
    first = nav_cache.site_navigation()
    nav_cache.forget_local_navigation()
    monkeypatch.setattr(nav_cache, "build_navigation", lambda *a, **k: pytest.fail("built again"))
    second = nav_cache.site_navigation()
    assert isinstance(second, nav_cache.CachedNavigation)
    assert second.html == first.html and second.version == first.version


def test_pieces_of_an_older_format_are_not_read_after_an_upgrade(site):
    """Every key names the navigation's format: what an older release stored is never read."""
    version = content_version()
    caches["default"].set(f"quire:nav:{version}", {"html": "<ul>old shape</ul>"})
    navigation = nav_cache.site_navigation()
    assert navigation.version == version and "old shape" not in navigation.html


def test_navigation_of_a_new_version_is_built_once_across_concurrent_workers(monkeypatch):
    """Workers asking at once for a navigation nobody has built wait for one builder's pieces: the
    builder finishes only once the five others have found the build taken and are waiting."""
    from pages.content.nav_tree import build_tree

    builds = []
    refused = []  # workers that found the build lock taken
    all_waiting = threading.Event()
    shared = nav_cache._cache

    class CountingCache:
        def __init__(self, cache):
            self.cache = cache

        def __getattr__(self, name):
            return getattr(self.cache, name)

        def add(self, key, *args, **kwargs):
            added = self.cache.add(key, *args, **kwargs)
            if not added and key.endswith(":building"):
                refused.append(key)
                if len(refused) == 5:
                    all_waiting.set()
            return added

    def slow_build(version, request=None):
        builds.append(version)
        assert all_waiting.wait(30), f"only {len(refused)} workers waited for the builder"
        return nav_cache.SiteNavigation(
            version=version, tree=build_tree([]), closed={}, branch_url_pattern="{}"
        )

    monkeypatch.setattr(nav_cache, "_cache", lambda: CountingCache(shared()))
    monkeypatch.setattr(nav_cache, "build_navigation", slow_build)
    monkeypatch.setattr(nav_cache, "_entry_timeout", lambda version: 60)
    results = []
    version = 77

    def worker():
        request = SimpleNamespace(_quire_content_version=version, _quire_stale=False)
        results.append(nav_cache.site_navigation(request))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == [version]
    assert len(results) == 6 and all(r.version == version for r in results)


def test_a_new_navigation_drops_the_pieces_of_the_version_before_the_previous(site):
    """The builder of a version deletes the pieces of the one before the previous one."""
    first = nav_cache.site_navigation()
    first_meta = nav_cache.meta_key(first.version, "")
    assert caches["default"].get(first_meta) is not None
    for title in ("Renamed", "Renamed again"):
        site["guide"].title = title
        with committed():
            save_page(site["guide"])
        nav_cache.site_navigation()
    assert caches["default"].get(first_meta) is None
    assert caches["default"].get(nav_cache.place_key(first.version, "", site["guide"].pk)) is None


def test_an_edit_is_read_by_every_page_and_the_branches(client, wide_site):
    """After an edit in one section, its branch and its pages show the change; other pages too."""
    client.get("/s3/p0/")
    page = Page.objects.get(url_path="/s3/p4/")
    page.title = "Renamed page"
    with committed():
        save_page(page)
    assert b"Renamed page" in client.get("/s3/p0/").content
    assert b"Renamed page" in client.get(f"/-/nav/{wide_site[3].pk}/").content


def test_a_cache_that_evicts_pieces_does_not_make_every_request_build(wide_site, monkeypatch):
    """Once a piece is found missing, this process keeps the whole navigation for the version."""
    client = Client()
    client.get("/s1/")
    nav_cache.forget_local_navigation()
    caches["default"].delete(chunk_keys(wide_site[5].pk)[0])
    builds = []
    real_build = nav_cache.build_navigation
    monkeypatch.setattr(
        nav_cache, "build_navigation", lambda *a, **k: builds.append(1) or real_build(*a, **k)
    )
    monkeypatch.setattr(nav_cache, "store_navigation", lambda cache, navigation: True)  # it stays gone
    for _ in range(3):
        nav_cache.site_navigation().page(wide_site[5].pk, None)
    assert len(builds) == 1


def test_without_a_shared_cache_each_process_keeps_its_whole_navigation(site, settings, monkeypatch):
    """A cache of the process's own memory gets no pieces: the whole navigation, built once."""
    settings.CACHES = {  # local memory even where the suite runs on Redis (REDIS_URL)
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "own-memory"}
    }
    settings.QUIRE_NAV_PIECES = None  # decided by the cache
    builds = []
    real_build = nav_cache.build_navigation
    monkeypatch.setattr(
        nav_cache, "build_navigation", lambda *a, **k: builds.append(1) or real_build(*a, **k)
    )
    first = nav_cache.site_navigation()
    assert isinstance(first, nav_cache.SiteNavigation)
    assert nav_cache.site_navigation() is first and len(builds) == 1
    assert not any(":nav:" in key for key in caches["default"]._cache)


def test_an_edit_in_one_section_leaves_the_other_sections_chunks_as_they_were(client, wide_site):
    """Chunks are keyed by their content: after an edit in section 3 the other sections' chunks keep
    their keys (still stored, still in every worker's memory); section 3's and the top level's do not
    change unless their entries did."""
    client.get("/s3/p0/")
    before = {section.pk: chunk_keys(section.pk) for section in wide_site}
    top_before = chunk_keys(0)
    page = Page.objects.get(url_path="/s3/p4/")
    page.title = "Renamed page"
    with committed():
        save_page(page)
    assert b"Renamed page" in client.get("/s3/p0/").content  # the new version's pieces are stored
    after = {section.pk: chunk_keys(section.pk) for section in wide_site}
    assert after[wide_site[3].pk] != before[wide_site[3].pk]
    assert chunk_keys(0) == top_before
    for section in wide_site:
        if section.pk != wide_site[3].pk:
            assert after[section.pk] == before[section.pk]
            assert caches["default"].get(after[section.pk][0]) is not None


def test_a_draft_under_a_section_gets_the_sidebar_of_the_whole_tree(wide_site):
    """A page outside the navigation (a draft in preview) gets its parent's open branch, from pieces
    as from the whole tree."""
    draft = make_page("Draft", "/s7/draft/", parent=wide_site[7], published=False)
    Client().get("/s0/")
    whole = nav_cache.whole_navigation()
    pieces = nav_cache.site_navigation()
    assert isinstance(pieces, nav_cache.CachedNavigation)
    for parent_id in (wide_site[7].pk, None):
        a, b = whole.page(draft.pk, parent_id), pieces.page(draft.pk, parent_id)
        assert a.sidebar == b.sidebar
        assert [r.id for r in a.breadcrumbs] == [r.id for r in b.breadcrumbs]
        assert b.previous is None and b.following is None
