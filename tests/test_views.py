"""The public site's routes and rules: pages, home, navigation, drafts, previews, redirects, errors."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client, RequestFactory
from django.urls import get_resolver
from django.utils import timezone

from pages.editing.saving import delete_pages, save_page
from pages.models import Page, Redirect
from tests.commits import committed

pytestmark = pytest.mark.django_db


def make(title, url_path, **fields):
    fields.setdefault("body_html", f"<h1 id='t'>{title}</h1><p>About {title}.</p>")
    return Page.objects.create(title=title, url_path=url_path, **fields)


class Collector(HTMLParser):
    """Collects tags with their attributes, and the text of each element with an id."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict]]:
    parser = Collector()
    parser.feed(html)
    return parser.tags


@pytest.fixture
def site():
    """A small site: a home page, a section with children and a grandchild, and a last page."""
    home = make("Home", "/", nav_order="1")
    guide = make("Guide", "/guide/", nav_order="2", description="All about the guide.")
    install = make("Install", "/guide/install/", nav_order="1", parent=guide)
    advanced = make("Advanced", "/guide/advanced/", nav_order="2", parent=guide)
    tuning = make(
        "Tuning", "/guide/advanced/tuning/", nav_order="1", parent=advanced,
        toc=[{"level": 2, "id": "speed", "name": "Speed"},
             {"level": 3, "id": "cache", "name": "Cache & more"}],
        body_html="<h1 id='tuning'>Tuning</h1><p>Make it <em>fast</em> &amp; small.</p>"
                  "<h2 id='speed'>Speed</h2>",
        date=dt.datetime(2024, 3, 5, tzinfo=dt.UTC),
    )  # fmt: skip
    last = make("Reference", "/reference/", nav_order="3")
    return {"home": home, "guide": guide, "install": install, "advanced": advanced, "tuning": tuning,
            "last": last}  # fmt: skip


def get(client, url):
    response = client.get(url)
    return response, response.content.decode()


# -- the page ------------------------------------------------------------------------------------


def test_page_shows_title_once_body_and_dates(client, site):
    """A page shows its own title once, its body, its publication date and its last change."""
    response, html = get(client, "/guide/advanced/tuning/")
    assert response.status_code == 200
    assert html.count(">Tuning</h1>") == 1
    assert "Make it <em>fast</em> &amp; small." in html
    assert 'datetime="2024-03-05T00:00:00+0000">5 March 2024</time>' in html
    assert "Last updated <time" in html


def test_title_is_added_when_the_body_has_no_heading(client):
    """A body without its own <h1> gets the page title as its heading."""
    make("Plain", "/plain/", body_html="<p>No heading here.</p>")
    _, html = get(client, "/plain/")
    assert '<h1 class="page-title">Plain</h1>' in html


def test_breadcrumbs_list_ancestors_root_first(client, site):
    """Breadcrumbs run from the top of the section to the current page."""
    _, html = get(client, "/guide/advanced/tuning/")
    crumbs = html.split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    assert crumbs.index('href="/guide/"') < crumbs.index('href="/guide/advanced/"') < crumbs.index("Tuning")
    assert '<span aria-current="page">Tuning</span>' in crumbs


def test_sidebar_marks_current_page_and_opens_its_ancestors_only(client, site):
    """In the sidebar the current page is aria-current and its section open; other sections closed."""
    _, html = get(client, "/guide/advanced/tuning/")
    nav = html.split('id="site-nav"')[1].split("</nav>")[0]
    assert f'data-nav-link="{site["tuning"].pk}" aria-current="page"' in nav
    assert nav.count('aria-current="page"') == 1
    assert f'class="nav-item is-open" data-nav="{site["guide"].pk}"' in nav
    assert f'class="nav-item is-open" data-nav="{site["advanced"].pk}"' in nav
    _, other = get(client, "/reference/")
    assert f'class="nav-item" data-nav="{site["guide"].pk}"' in other


def test_sidebar_honours_nav_exclude_for_the_subtree(client, site):
    """A nav_exclude page and its children are not in the sidebar, but the page is still public."""
    hidden = make("Secret section", "/secret/", nav_order="9", nav_exclude=True)
    make("Secret child", "/secret/child/", parent=hidden)
    _, html = get(client, "/")
    nav = html.split('id="site-nav"')[1].split("</nav>")[0]
    assert "Secret section" not in nav and "Secret child" not in nav
    assert client.get("/secret/").status_code == 200


def test_sidebar_honours_child_nav_order(client, site):
    """`child_nav_order: reversed` lists a section's children in reverse."""
    site["guide"].front_matter = {"child_nav_order": "reversed"}
    site["guide"].save()
    _, html = get(client, "/guide/")
    nav = html.split('id="site-nav"')[1]
    assert nav.index(">Advanced<") < nav.index(">Install<")


def test_child_pages_listed_unless_has_toc_false(client, site):
    """A section page lists its children; `has_toc: false` turns the list off."""
    _, html = get(client, "/guide/")
    children = html.split('class="child-pages"')[1].split("</section>")[0]
    assert children.index("Install") < children.index("Advanced")
    site["guide"].has_toc = False
    with committed():
        save_page(site["guide"])
    _, html = get(client, "/guide/")
    assert 'class="child-pages"' not in html


def test_previous_and_next_follow_navigation_order(client, site):
    """Previous/next links follow the sidebar's depth-first order."""
    _, html = get(client, "/guide/advanced/")
    assert 'href="/guide/install/" rel="prev"' in html
    assert 'href="/guide/advanced/tuning/" rel="next"' in html
    _, first = get(client, "/")
    assert 'rel="prev"' not in first


def test_side_table_of_contents_lists_headings(client, site):
    """The in-page table of contents links to level 2 and 3 headings."""
    _, html = get(client, "/guide/advanced/tuning/")
    toc = html.split('class="page-toc"')[1].split("</aside>")[0]
    assert '<a href="#speed">Speed</a>' in toc
    assert '<a href="#cache">Cache &amp; more</a>' in toc


def test_head_has_description_canonical_and_open_graph(client, site):
    """<title>, meta description (front matter first), canonical URL and Open Graph tags."""
    _, html = get(client, "/guide/")
    meta = {(a.get("name") or a.get("property")): a.get("content") for t, a in tags(html) if t == "meta"}
    links = {a.get("rel"): a.get("href") for t, a in tags(html) if t == "link"}
    assert "<title>Guide · Quire</title>" in html
    assert meta["description"] == "All about the guide."
    assert meta["og:title"] == "Guide"
    assert meta["og:description"] == "All about the guide."
    assert meta["og:url"] == "http://testserver/guide/"
    assert links["canonical"] == "http://testserver/guide/"


def test_description_falls_back_to_first_paragraph(client, site):
    """Without `description`, the meta description is the first paragraph's text."""
    _, html = get(client, "/guide/advanced/tuning/")
    meta = {a.get("name"): a.get("content") for t, a in tags(html) if t == "meta"}
    assert meta["description"] == "Make it fast & small."


def test_pages_carry_no_inline_script_or_event_handlers(client, site):
    """Templates work under a strict CSP: scripts are external files; no on* attributes, no inline style."""
    for url in ["/", "/guide/advanced/tuning/", "/search/?q=guide", "/missing/"]:
        _, html = get(client, url)
        for tag, attrs in tags(html):
            if tag == "script":
                assert attrs.get("src", "").startswith("/static/"), url
            assert not [name for name in attrs if name.startswith("on")], (url, tag)
            assert "style" not in attrs, (url, tag)
            assert not (attrs.get("href") or "").lower().startswith("javascript:"), url


def test_static_assets_are_served_locally(client, site):
    """Every stylesheet and script comes from the site itself (no CDN)."""
    _, html = get(client, "/")
    urls = [a.get("href") for t, a in tags(html) if t == "link" and a.get("rel") == "stylesheet"]
    urls += [a.get("src") for t, a in tags(html) if t == "script"]
    assert urls and all(url.startswith("/static/quire/") for url in urls)


# -- home -----------------------------------------------------------------------------------------


def test_home_is_the_page_at_slash(client, site):
    """`/` shows the page whose URL is `/`."""
    _, html = get(client, "/")
    assert "About Home." in html


def test_home_falls_back_to_root_index_then_first_in_nav_order(client):
    """Without a `/` page, `/` is the root index page, else the first page in nav order."""
    make("Zeta", "/zeta/", nav_order="1")
    index = make("Start", "/start/", nav_order="5", source_path="index.md")
    assert "About Start." in get(client, "/")[1]
    with committed():
        delete_pages([index], user=None)
    assert "About Zeta." in get(client, "/")[1]


def test_empty_site_home_says_how_to_add_pages(client):
    """With no pages at all, `/` explains how to add some."""
    response, html = get(client, "/")
    assert response.status_code == 200
    assert "No pages yet" in html


# -- drafts, scheduled pages and preview ------------------------------------------------------------


def test_drafts_and_future_pages_are_not_public(client, site):
    """Drafts and future-dated pages answer 404 and are missing from the sidebar."""
    make("Draft", "/draft/", published=False)
    make("Later", "/later/", date=timezone.now() + dt.timedelta(days=2))
    assert client.get("/draft/").status_code == 404
    assert client.get("/later/").status_code == 404
    _, html = get(client, "/")
    assert "Draft" not in html and "Later" not in html


def test_children_of_a_draft_are_not_in_the_sidebar(client, site):
    """Unpublishing a section hides its whole subtree from the navigation, even in the sidebar of a
    page inside it (where the section was open)."""

    def sidebar() -> str:
        _, html = get(client, "/guide/advanced/tuning/")
        return html.split('id="site-nav"')[1].split("</nav>")[0]

    assert all(title in sidebar() for title in ("Guide", "Install", "Tuning", "Reference"))
    site["guide"].published = False
    with committed():
        save_page(site["guide"])
    nav = sidebar()
    assert "Guide" not in nav and "Install" not in nav and "Tuning" not in nav and "Reference" in nav


def test_preview_requires_login(client, site):
    """Anonymous readers are sent to the admin login from a preview URL."""
    draft = make("Draft", "/draft/", published=False)
    response = client.get(f"/_preview/{draft.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_preview_requires_change_permission(client, site):
    """A signed-in user without the change permission gets a themed 403."""
    draft = make("Draft", "/draft/", published=False)
    client.force_login(User.objects.create_user("reader", password="x"))
    response = client.get(f"/_preview/{draft.pk}/")
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


def test_preview_shows_draft_and_scheduled_pages_uncached(client, site):
    """Editors see drafts and scheduled pages in preview, marked as such, never cached, not indexed."""
    editor = User.objects.create_user("editor", password="x", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="change_page"))
    client.force_login(editor)
    draft = make("Draft", "/draft/", published=False)
    later = make("Later", "/later/", date=timezone.now() + dt.timedelta(days=3))
    response, html = get(client, f"/_preview/{draft.pk}/")
    assert response.status_code == 200
    assert "This page is a draft" in html
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in html
    _, html = get(client, f"/_preview/{later.pk}/")
    assert "This page is scheduled" in html


# -- redirects and errors -------------------------------------------------------------------------


def test_moved_page_answers_301_from_its_old_url(client, site):
    """A Redirect row (a moved page) answers 301 to the page's current URL."""
    Redirect.objects.create(old_path="/old-guide/", page=site["guide"])
    response = client.get("/old-guide/")
    assert response.status_code == 301
    assert response["Location"] == "/guide/"


def test_redirect_from_front_matter_answers_301(client, site):
    """`redirect_from` rows redirect the same way."""
    Redirect.objects.create(old_path="/docs/tune.html", page=site["tuning"], from_front_matter=True)
    response = client.get("/docs/tune.html")
    assert response.status_code == 301
    assert response["Location"] == "/guide/advanced/tuning/"


def test_redirect_to_a_draft_is_404(client, site):
    """An old URL of a page that is now a draft reveals nothing: 404."""
    draft = make("Draft", "/draft/", published=False)
    Redirect.objects.create(old_path="/was-draft/", page=draft)
    assert client.get("/was-draft/").status_code == 404


def test_missing_trailing_slash_redirects(client, site):
    """`/guide` answers 301 to `/guide/`."""
    response = client.get("/guide")
    assert response.status_code == 301
    assert response["Location"] == "/guide/"


def test_unknown_url_gets_themed_404(client, site):
    """Unknown URLs get the site's own 404 page, with a search form."""
    response, html = get(client, "/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in html
    assert 'href="/static/quire/site.css"' in html
    assert "/no/such/page/" in html
    assert 'action="/search/"' in html


def test_404_has_the_site_header_and_sidebar(client, site):
    """The 404 page keeps the site's header, search box and navigation tree, with nothing marked current."""
    response, html = get(client, "/guide/nowhere/")
    assert response.status_code == 404
    assert 'class="site-header"' in html
    assert '<nav class="sidebar" id="site-nav" aria-label="Site">' in html
    assert 'href="/guide/"' in html
    assert 'href="/guide/install/"' not in html  # closed: loaded from the Guide toggle's branch
    assert f'data-branch="/-/nav/{site["guide"].pk}/"' in html
    assert 'aria-current="page"' not in html
    assert '<meta name="robots" content="noindex">' in html


def test_a_sidebar_branch_lists_a_sections_pages_closed_and_is_cacheable(client, site):
    """`/-/nav/<id>/` answers a section's children as a closed list, with the public caching headers;
    a page without children, a missing page and a draft section answer 404."""
    response, html = get(client, f"/-/nav/{site['guide'].pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert html.startswith(f'<ul class="nav-list" id="nav-{site["guide"].pk}">')
    assert re.findall(r'href="([^"]+)"', html) == ["/guide/install/", "/guide/advanced/"]
    assert f'data-branch="/-/nav/{site["advanced"].pk}/"' in html  # Advanced has Tuning under it
    assert "/guide/advanced/tuning/" not in html
    assert response["Cache-Control"].startswith("public")
    assert client.get(response.wsgi_request.path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get(f"/-/nav/{site['install'].pk}/").status_code == 404
    assert client.get("/-/nav/999999/").status_code == 404
    site["guide"].published = False
    with committed():
        save_page(site["guide"])
    assert client.get(f"/-/nav/{site['guide'].pk}/").status_code == 404


def test_404_escapes_the_requested_path(client, site):
    """The path shown on the 404 page is HTML-escaped."""
    _, html = get(client, "/%3Cscript%3Ealert(1)%3C/script%3E/")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_server_error_handler_renders_the_themed_500_without_the_database(django_assert_num_queries):
    """The project's handler500 serves the self-contained themed 500 page and never queries the database."""
    handler = get_resolver().resolve_error_handler(500)
    with django_assert_num_queries(0):
        response = handler(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "/static/quire/site.css" in html
    assert '<a class="site-name" href="/">Quire</a>' in html


def test_an_error_in_a_view_answers_with_the_themed_500(site, monkeypatch):
    """An exception while serving a page gives status 500 and the themed error page, not a traceback."""

    def broken_tree(request=None):
        raise RuntimeError("navigation is broken")

    monkeypatch.setattr("pages.site.views.site_navigation", broken_tree)
    response = Client(raise_request_exception=False).get("/guide/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "navigation is broken" not in html


# -- robots, search page --------------------------------------------------------------------------


def test_robots_txt_names_the_sitemap(client):
    """robots.txt allows crawling, keeps out admin and previews, and names the sitemap."""
    response, text = get(client, "/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in text.splitlines()
    assert "Disallow: /_preview/" in text.splitlines()


def test_search_page_without_query_shows_the_form(client, site):
    """/search/ with no query shows the search form and no results list."""
    response, html = get(client, "/search/")
    assert response.status_code == 200
    assert 'id="search-page-input"' in html
    assert "search-results" not in html
