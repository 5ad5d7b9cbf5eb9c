"""pages/site/caching.py: cached public responses and navigation, HTTP caching, invalidation."""

import datetime as dt
import re

import pytest
from django.core.cache import caches
from django.utils import timezone
from django.utils.http import http_date

from pages.editing.saving import delete_pages, save_page
from pages.models import Page
from pages.site import caching
from pages.store.site_state import bump_content_version, content_version
from pages.sync.importing import import_directory
from tests.commits import committed


def make_page(title, url_path, body="", **fields):
    return Page.objects.create(
        title=title, url_path=url_path, body=body, body_html=f"<p>{body}</p>", **fields
    )


@pytest.fixture
def site(db):
    home = make_page("Home", "/", "Welcome home", nav_order="1")
    guide = make_page("Guide", "/guide/", "Guide text", nav_order="2")
    install = make_page("Install", "/guide/install/", "Install text", nav_order="3", parent=guide)
    return {"home": home, "guide": guide, "install": install}


def stale_update(page, **fields):
    """Change a row behind the cache's back (no signal, no version bump)."""
    Page.objects.filter(pk=page.pk).update(**fields)


@pytest.mark.django_db
def test_second_request_is_served_from_the_cache(client, site):
    """A warm page is answered from the cache: a change made without a version bump is not seen."""
    first = client.get("/guide/")
    stale_update(site["guide"], body_html="<p>changed behind the cache</p>")
    second = client.get("/guide/")
    assert second.content == first.content
    assert b"changed behind the cache" not in second.content


@pytest.mark.django_db
def test_public_page_carries_http_caching_headers(client, site, settings):
    """Anonymous pages get ETag, Last-Modified, public max-age and Vary: Cookie."""
    settings.QUIRE_PUBLIC_MAX_AGE = 120
    response = client.get("/guide/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=120"
    assert response["ETag"].startswith(f'"{content_version()}-')
    assert response["Last-Modified"]
    assert "Cookie" in response["Vary"]
    assert not response.cookies


@pytest.mark.django_db
def test_if_none_match_answers_304(client, site):
    """A matching If-None-Match gets 304 with no body; another ETag gets the full page."""
    etag = client.get("/guide/")["ETag"]
    not_modified = client.get("/guide/", HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert client.get("/guide/", HTTP_IF_NONE_MATCH='"0-deadbeef"').status_code == 200


@pytest.mark.django_db
def test_if_modified_since_answers_304_until_content_changes(client, site):
    """If-Modified-Since at the Last-Modified gets 304; after a save the page is sent again."""
    last_modified = client.get("/guide/")["Last-Modified"]
    assert client.get("/guide/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    guide = site["guide"]
    guide.body = "new"
    with committed():
        save_page(guide)
    # the new version is later
    caches["default"].set(caching.cache_key("seen", content_version()), 4_000_000_000)
    fresh = client.get("/guide/", HTTP_IF_MODIFIED_SINCE=last_modified)
    assert fresh.status_code == 200
    assert fresh["Last-Modified"] == http_date(4_000_000_000)


@pytest.mark.django_db
def test_304_after_change_is_not_given_for_old_etag(client, site):
    """An ETag from before a save no longer matches: the client gets the new page."""
    etag = client.get("/guide/")["ETag"]
    guide = site["guide"]
    guide.body = "second edition"
    with committed():
        save_page(guide)
    response = client.get("/guide/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert b"second edition" in response.content


@pytest.mark.django_db
def test_save_serves_fresh_page(client, site):
    """After a page is saved its new text is served, not the cached copy."""
    client.get("/guide/")
    guide = site["guide"]
    guide.body = "Edited guide"
    with committed():
        save_page(guide)
    assert b"Edited guide" in client.get("/guide/").content


@pytest.mark.django_db
def test_save_of_one_page_refreshes_the_nav_on_every_page(client, site):
    """Renaming a page changes the sidebar of the other, already cached pages."""
    assert b">Install</a>" in client.get("/guide/").content
    install = site["install"]
    install.title = "Installing Quire"
    with committed():
        save_page(install)
    content = client.get("/guide/").content
    assert b">Installing Quire</a>" in content
    assert b">Install</a>" not in content


@pytest.mark.django_db
def test_delete_removes_page_and_nav_item(client, site):
    """A deleted page answers 404 and leaves every cached sidebar."""
    assert client.get("/guide/install/").status_code == 200
    assert b'href="/guide/install/"' in client.get("/guide/").content
    with committed():
        delete_pages([site["install"]], user=None)
    assert client.get("/guide/install/").status_code == 404
    assert b'href="/guide/install/"' not in client.get("/guide/").content


@pytest.mark.django_db
def test_import_serves_fresh_page(client, tmp_path):
    """A re-import that changes a file is served at once to a warm cache."""
    (tmp_path / "about.md").write_text("---\ntitle: About\n---\nFirst text\n")
    with committed():
        import_directory(tmp_path)
    assert b"First text" in client.get("/about/").content
    (tmp_path / "about.md").write_text("---\ntitle: About\n---\nSecond text\n")
    with committed():
        import_directory(tmp_path)
    content = client.get("/about/").content
    assert b"Second text" in content
    assert b"First text" not in content


@pytest.mark.django_db
def test_nav_is_built_once_per_version_and_marks_the_current_page(client, site, monkeypatch):
    """Two pages share one nav build (tree and HTML); each marks only its own item as current."""
    from pages.site import selectors

    builds = []
    real_nav_tree = selectors.nav_tree
    monkeypatch.setattr(selectors, "nav_tree", lambda **kw: builds.append(1) or real_nav_tree(**kw))
    guide = client.get("/guide/").content.decode()
    install = client.get("/guide/install/").content.decode()
    assert len(builds) == 1
    assert len(re.findall(r'data-nav-link="\d+" aria-current="page"', guide)) == 1
    assert f'data-nav-link="{site["guide"].pk}" aria-current="page"' in guide
    assert f'data-nav-link="{site["install"].pk}" aria-current="page"' in install


@pytest.mark.django_db
def test_page_view_marks_current_item_in_sidebar(client, site):
    """The sidebar of a served page marks that page as current, and no other."""
    content = client.get("/guide/install/").content.decode()
    assert f'data-nav-link="{site["install"].pk}" aria-current="page"' in content
    assert len(re.findall(r'data-nav-link="\d+" aria-current="page"', content)) == 1


@pytest.mark.django_db
def test_staff_never_get_the_shared_anonymous_copy(client, site, django_user_model):
    """Logged-in staff get a fresh, private, unstored response even when an anonymous copy is cached."""
    anonymous = client.get("/guide/").content
    stale_update(site["guide"], body_html="<p>only staff see this yet</p>")
    staff = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    client.force_login(staff)
    response = client.get("/guide/")
    assert b"only staff see this yet" in response.content
    assert response["Cache-Control"] == "private, no-store"
    assert "ETag" not in response
    client.logout()
    assert client.get("/guide/").content == anonymous


@pytest.mark.django_db
def test_admin_responses_are_never_stored(client, site, django_user_model):
    """The admin's pages say private and no-store."""
    staff = django_user_model.objects.create_superuser("boss", password="pw")
    client.force_login(staff)
    response = client.get(f"/admin/pages/page/{site['guide'].pk}/change/")
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


@pytest.mark.django_db
def test_query_string_requests_bypass_the_cache(client, site):
    """A request with a query string is rendered fresh and not stored under the page's key."""
    client.get("/guide/")
    stale_update(site["guide"], body_html="<p>fresh for query</p>")
    assert b"fresh for query" in client.get("/guide/?utm=x").content
    assert b"fresh for query" not in client.get("/guide/").content


@pytest.mark.django_db
def test_missing_pages_are_not_cached(client, site):
    """A 404 is not stored: a page created later at that URL is served."""
    assert client.get("/later/").status_code == 404
    Page.objects.create(title="Later", url_path="/later/", body_html="<p>now here</p>")
    assert b"now here" in client.get("/later/").content


@pytest.mark.django_db
def test_disabled_response_cache_renders_every_request(client, site, settings):
    """With QUIRE_CACHE_RESPONSES off (the benchmark's cold mode) every request renders afresh."""
    settings.QUIRE_CACHE_RESPONSES = False
    settings.QUIRE_CACHE_NAV = False
    client.get("/guide/")
    stale_update(site["guide"], body_html="<p>rendered again</p>")
    assert b"rendered again" in client.get("/guide/").content


@pytest.mark.django_db
def test_scheduled_page_limits_cache_lifetime(client, site, settings):
    """A future-dated page shortens max-age and cache timeouts to the moment it goes live."""
    settings.QUIRE_PUBLIC_MAX_AGE = 3600
    make_page("Soon", "/soon/", "soon", date=timezone.now() + dt.timedelta(seconds=30))
    response = client.get("/guide/")
    max_age = int(response["Cache-Control"].split("max-age=")[1])
    assert 0 < max_age <= 30
    assert caching._entry_timeout(content_version()) <= 30


@pytest.mark.django_db
def test_cached_hit_replays_headers_of_the_full_response(client, site):
    """A page answered early by the middleware carries the headers the whole stack added."""
    miss = client.get("/guide/")
    hit = client.get("/guide/")
    for header in (
        "Content-Type",
        "X-Frame-Options",
        "ETag",
        "Last-Modified",
        "Cache-Control",
        "Content-Length",
    ):
        assert hit[header] == miss[header]
    assert hit["X-Frame-Options"] == "DENY"
    assert int(hit["Content-Length"]) == len(hit.content)
    assert hit.content == miss.content


@pytest.mark.django_db
def test_decorator_alone_caches_without_the_middleware(client, site, settings):
    """Without the middleware installed the decorated view still serves from the cache."""
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "pages.site.caching.PublicPageCacheMiddleware"
    ]
    first = client.get("/guide/")
    stale_update(site["guide"], body_html="<p>changed behind the cache</p>")
    assert client.get("/guide/").content == first.content


@pytest.mark.django_db
def test_a_long_level_is_windowed_and_its_hidden_entries_are_served(client, settings):
    """With more top-level pages than QUIRE_NAV_WINDOW, a page carries the window around it, and the
    "more" links answer the hidden entries (cached like any public answer)."""
    settings.QUIRE_NAV_WINDOW = 3
    for i in range(1, 9):
        make_page(f"Post {i}", f"/p{i}/", nav_order=str(i))
    html = client.get("/p5/").content.decode()
    assert html.count('class="nav-link"') == 3
    links = re.findall(r'data-more="([^"]+)"', html)
    assert links == ["/-/nav/0/0-3/", "/-/nav/0/6-8/"]
    earlier = client.get(links[0])
    assert earlier.status_code == 200 and earlier["Cache-Control"].startswith("public")
    assert [f"/p{i}/" for i in (1, 2, 3)] == re.findall(r'href="(/p\d/)"', earlier.content.decode())
    assert client.get("/-/nav/0/6-99/").status_code == 404


class CountingCache:
    """The shared cache, counting the calls made to it."""

    def __init__(self, cache):
        self.cache, self.calls = cache, 0

    def __getattr__(self, name):
        self.calls += 1
        return getattr(self.cache, name)


@pytest.mark.django_db
def test_version_facts_are_asked_of_the_shared_cache_once_per_process(site, monkeypatch):
    """A content version's first-served time and next go-live are fixed: a render asks the cache once."""
    counting = CountingCache(caching._cache())
    monkeypatch.setattr(caching, "_cache", lambda: counting)
    version = content_version()
    first = (caching.version_last_modified(version), caching.next_scheduled_publication(version))
    asked = counting.calls
    assert asked > 0
    again = (caching.version_last_modified(version), caching.next_scheduled_publication(version))
    assert again == first
    assert counting.calls == asked
    with committed():
        bump_content_version()
    caching.next_scheduled_publication(content_version())
    assert counting.calls > asked, "a new version is asked of the shared cache again"


@pytest.mark.django_db
def test_a_remembered_go_live_time_ends_when_the_page_goes_live(site, monkeypatch):
    """The remembered next go-live time is kept until it passes, then asked of the shared cache again."""
    soon = timezone.now() + dt.timedelta(hours=1)
    make_page("Soon", "/soon/", date=soon)
    version = content_version()
    counting = CountingCache(caching._cache())
    monkeypatch.setattr(caching, "_cache", lambda: counting)
    assert caching.next_scheduled_publication(version) == pytest.approx(soon.timestamp())
    asked = counting.calls
    assert caching.next_scheduled_publication(version) == pytest.approx(soon.timestamp())
    assert counting.calls == asked
    real_time = caching.time.time
    monkeypatch.setattr(caching.time, "time", lambda: real_time() + 2 * 3600)
    caching.next_scheduled_publication(version)
    assert counting.calls > asked
