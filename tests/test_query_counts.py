"""Query counts of a public page view: fixed whatever the number of pages, one query when cached."""

import pytest

from pages.models import Page
from pages.store.site_state import bump_content_version
from tests.commits import committed

# content version + the site's config (once per version) + scheduled-page horizon + the page + the nav list
COLD_PAGE_VIEW_QUERIES = 5
WARM_PAGE_VIEW_QUERIES = 1


@pytest.fixture(autouse=True)
def version_read_from_the_database(settings):
    """The counts include the content-version query, as with the default local-memory cache: a shared
    cache's trusted copy (Redis) answers it without one (tests/test_cache_tracking.py)."""
    settings.QUIRE_VERSION_IN_CACHE = False


def make_site(count: int) -> None:
    sections = [
        Page(title=f"Section {i}", url_path=f"/s{i}/", nav_order=str(i), body_html="<p>s</p>")
        for i in range(max(1, count // 10))
    ]
    Page.objects.bulk_create(sections)
    sections = list(Page.objects.order_by("pk"))
    children = [
        Page(
            title=f"Page {i}",
            url_path=f"/s{i % len(sections)}/p{i}/",
            nav_order=str(i),
            parent=sections[i % len(sections)],
            body_html=f"<p>page {i}</p>",
        )
        for i in range(count - len(sections))
    ]
    Page.objects.bulk_create(children)
    first = Page.objects.get(url_path="/s0/p0/")
    Page.objects.create(
        title="Deep", url_path="/s0/p0/deep/", nav_order="1", parent=first, body_html="<p>d</p>"
    )
    with committed():
        bump_content_version()  # as the write path that adds pages does


def open_in_the_sidebar(path: str) -> int:
    """Links the sidebar of `path` shows: the top level, and the children of the page and its ancestors."""
    page = Page.objects.get(url_path=path)
    opened = []
    while page is not None:
        opened.append(page.pk)
        page = page.parent
    return Page.objects.filter(parent=None).count() + Page.objects.filter(parent__in=opened).count()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 1000])
@pytest.mark.parametrize("path", ["/s0/p0/", "/s0/p0/deep/"])
def test_cold_page_view_runs_fixed_queries(client, count, path, django_assert_num_queries):
    """A page view with empty caches runs the same few queries at 10 and 1,000 pages, however deep the
    page (no query per ancestor)."""
    make_site(count)
    assert Page.objects.count() == count + 1
    with django_assert_num_queries(COLD_PAGE_VIEW_QUERIES):
        response = client.get(path)
    assert response.status_code == 200
    # the sidebar: every section, and the pages under the open ones (closed sections load on demand)
    assert response.content.count(b'data-nav-link="') == open_in_the_sidebar(path)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 1000])
def test_page_miss_with_warm_nav_skips_the_nav_query(client, count, django_assert_num_queries):
    """A second page of the same version reuses the cached nav: content version + the page only."""
    make_site(count)
    client.get("/s0/")
    with django_assert_num_queries(2):
        assert client.get("/s0/p0/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 1000])
def test_warm_page_view_runs_one_query(client, count, django_assert_num_queries):
    """A page served from the cache costs one query (the content version), at 10 and 1,000 pages."""
    make_site(count)
    client.get("/s0/")
    with django_assert_num_queries(WARM_PAGE_VIEW_QUERIES) as captured:
        response = client.get("/s0/")
    assert response.status_code == 200
    assert "content_version" in captured.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_conditional_request_runs_one_query(client, django_assert_max_num_queries):
    """A 304 from the cache also costs at most the content-version query."""
    make_site(10)
    etag = client.get("/s0/")["ETag"]
    with django_assert_max_num_queries(1):
        assert client.get("/s0/", HTTP_IF_NONE_MATCH=etag).status_code == 304
