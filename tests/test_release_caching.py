"""Release-safe cache keys, reads without a database query on a hit, cached sitemap, feed and search."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pages.editing.saving import save_page
from pages.models import Page
from pages.site import caching, release, sitemaps
from pages.store import site_state
from tests.commits import committed

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def make_pages(count: int = 3) -> list[Page]:
    pages = [
        Page.objects.create(
            title=f"Page {i}", url_path=f"/p{i}/", nav_order=str(i), body_html=f"<p>Body {i} guide</p>"
        )
        for i in range(count)
    ]
    with committed():
        site_state.bump_content_version()  # as the write path that adds pages does
    return pages


def behind_the_cache(page: Page, html: str) -> None:
    """Change a row without bumping the content version: only a cache miss shows it."""
    Page.objects.filter(pk=page.pk).update(body_html=html)


# -- the release -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_another_release_never_serves_this_releases_cached_page(client, settings):
    """Two releases at the same content version (a rolling deploy) each serve their own HTML."""
    (page, *_) = make_pages(1)
    settings.QUIRE_RELEASE = "release-1"
    first = client.get("/p0/").content
    behind_the_cache(page, "<p>as the new release renders it</p>")
    assert client.get("/p0/").content == first  # release 1: its cached copy
    settings.QUIRE_RELEASE = "release-2"
    assert b"as the new release renders it" in client.get("/p0/").content
    settings.QUIRE_RELEASE = "release-1"
    assert client.get("/p0/").content == first


@pytest.mark.django_db
def test_settings_that_shape_pages_are_part_of_the_release(client, settings):
    """Two instances configured with different site names never share cached pages."""
    (page, *_) = make_pages(1)
    settings.QUIRE_SITE_NAME = "Site A"
    assert b"Site A" in client.get("/p0/").content
    settings.QUIRE_SITE_NAME = "Site B"
    assert b"Site B" in client.get("/p0/").content


def test_every_cached_kind_is_keyed_by_the_release(settings):
    settings.QUIRE_RELEASE = "v42"
    assert caching.cache_key("page", 7, "host", "/a/").startswith("quire:v42-")
    assert release.current_release() in caching.cache_key("nav", 2, 7)


def test_default_release_follows_code_and_static_files(settings, tmp_path, monkeypatch):
    """Without QUIRE_RELEASE the release is a hash of the code, templates and static files."""
    settings.QUIRE_RELEASE = ""
    for folder in ("pages", "site_project", "templates"):
        (tmp_path / folder).mkdir()
    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "templates" / "page.html").write_text("<p>v1</p>")
    (static / "site.css").write_text("body{}")
    monkeypatch.setattr(release, "PROJECT_ROOT", tmp_path)
    settings.STATICFILES_DIRS = [static]
    before = release.code_fingerprint()
    (tmp_path / "templates" / "page.html").write_text("<p>v2</p>")
    after_template = release.code_fingerprint()
    (static / "site.css").write_text("body{color:red}")
    after_css = release.code_fingerprint()
    assert len({before, after_template, after_css}) == 3


def test_manifest_decides_the_release_when_static_files_are_collected(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(release, "PROJECT_ROOT", tmp_path)
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATIC_ROOT.mkdir()
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    manifest.write_text('{"paths": {"site.css": "site.111.css"}}')
    first = release.code_fingerprint()
    manifest.write_text('{"paths": {"site.css": "site.222.css"}}')
    assert release.code_fingerprint() != first


# -- the content version through the cache -----------------------------------------------------------
@pytest.fixture
def shared_cache(settings):
    """Treat the test's local-memory cache as the shared one (it is, within this one process)."""
    settings.QUIRE_VERSION_IN_CACHE = True


@pytest.mark.django_db(transaction=True)
def test_cached_page_view_runs_no_query(client, shared_cache, django_assert_num_queries):
    """With the content version shared through the cache, a page hit needs no database at all."""
    make_pages(3)
    assert client.get("/p1/").status_code == 200
    with django_assert_num_queries(0):
        hit = client.get("/p1/")
    assert hit.status_code == 200 and b"Body 1" in hit.content


@pytest.mark.django_db(transaction=True)
def test_a_save_is_seen_at_once_through_the_shared_version(client, shared_cache):
    """The commit of a save publishes the new version: the next request is fresh (no waiting out
    QUIRE_VERSION_MAX_AGE)."""
    (page, *_) = make_pages(1)
    client.get("/p0/")
    page.body = "Edited and committed"
    save_page(page)
    assert site_state.known_content_version() == site_state.content_version()
    assert b"Edited and committed" in client.get("/p0/").content


@pytest.mark.django_db(transaction=True)
def test_a_version_bumped_elsewhere_is_seen_within_the_max_age(client, shared_cache, settings):
    """A writer whose publish never reached the cache (it was down) is seen once the copy is older
    than QUIRE_VERSION_MAX_AGE: the copy is checked against the database again."""
    (page, *_) = make_pages(1)
    settings.QUIRE_VERSION_MAX_AGE = 0
    client.get("/p0/")
    Page.objects.filter(pk=page.pk).update(body_html="<p>Imported elsewhere</p>")
    from pages.models import SiteState

    SiteState.objects.filter(pk=site_state.SITE_STATE_ID).update(content_version=10_000)
    assert b"Imported elsewhere" in client.get("/p0/").content


def test_a_process_local_cache_is_never_trusted_for_the_version(settings):
    """Without Redis each worker has its own cache, which another process's bump never reaches."""
    settings.QUIRE_VERSION_IN_CACHE = None
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert site_state._max_age() == 0
    settings.QUIRE_VERSION_IN_CACHE = True
    assert site_state._max_age() == settings.QUIRE_VERSION_MAX_AGE


@pytest.mark.django_db
def test_a_bump_is_made_and_shared_when_the_writes_commit():
    """Inside the writing transaction the version stays the committed one (nothing is filed under a
    number the transaction could still roll back); its commit bumps it and shares the new number."""
    make_pages(1)
    before, stale = site_state.shared_content_version()
    with committed():
        site_state.bump_content_version()
        assert site_state.content_version() == before
        assert site_state.shared_content_version() == (before, False)
    assert site_state.content_version() == before + 1
    assert site_state.known_content_version() == before + 1


# -- sitemap, feed, search ---------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_sitemap_and_feed_are_cached(client, shared_cache):
    make_pages(3)
    for url in ("/sitemap.xml", "/feed.xml"):
        first = client.get(url)
        assert first.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            again = client.get(url)
        assert again.content == first.content and len(queries) == 0, url


@pytest.mark.django_db
def test_sitemap_past_its_limit_is_an_index_of_parts(client, monkeypatch):
    """Past the per-file limit (50,000 URLs; 2 here) /sitemap.xml is an index of /sitemap-N.xml."""
    monkeypatch.setattr(sitemaps, "SITEMAP_LIMIT", 2)
    make_pages(5)
    index = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314 - our own response
    assert index.tag == f"{NS}sitemapindex"
    parts = [loc.text for loc in index.iter(f"{NS}loc")]
    assert parts == [f"http://testserver/sitemap-{n}.xml" for n in (1, 2, 3)]
    seen = []
    for n in (1, 2, 3):
        urlset = ET.fromstring(client.get(f"/sitemap-{n}.xml").content)  # noqa: S314
        seen += [loc.text for loc in urlset.iter(f"{NS}loc")]
    assert sorted(seen) == sorted(f"http://testserver/p{i}/" for i in range(5))
    assert client.get("/sitemap-4.xml").status_code == 404


@pytest.mark.django_db
def test_small_sitemap_has_no_parts(client):
    make_pages(2)
    assert client.get("/sitemap-1.xml").status_code == 404
    assert ET.fromstring(client.get("/sitemap.xml").content).tag == f"{NS}urlset"  # noqa: S314


@pytest.mark.django_db
def test_search_results_are_cached_per_content_version(client, monkeypatch):
    """A repeated query is answered from the cache; a save (new version) searches again."""
    from pages.store import search

    (page, *_) = make_pages(2)
    calls = []
    real = search.search
    monkeypatch.setattr(search, "search", lambda text, limit=20: calls.append(text) or real(text, limit))
    first = client.get("/search/?q=guide")
    again = client.get("/search/?q=GUIDE")  # the same words
    assert first.status_code == again.status_code == 200 and len(calls) == 1
    client.get("/search.json?q=guide")  # another limit: its own entry
    assert len(calls) == 2
    page.title = "Renamed"
    with committed():
        save_page(page)
    client.get("/search/?q=guide")
    assert len(calls) == 3
