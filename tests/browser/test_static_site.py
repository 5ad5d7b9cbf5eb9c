"""The reader's tests of the public site, run again in Chromium against the static build
(`build_site`) served by nginx: sidebar, live search, dark mode, phone menu."""

import json
import re

import pytest
from django.db import connection
from playwright.sync_api import expect

from pages.site import static_search
from pages.site.static_site import build_site
from tests.browser import test_diagrams as diagrams
from tests.browser import test_public_site as public
from tests.browser.site_content import import_sample_site
from tests.static_server import serve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHECKS = [
    public.test_navigate_by_the_sidebar_into_a_nested_section,
    public.test_opening_a_closed_section_loads_its_pages_in_place,
    public.test_a_section_that_cannot_be_loaded_opens_its_own_page,
    public.test_live_search_shows_results_while_typing,
    public.test_search_form_works_without_live_results,
    public.test_dark_mode_toggle_is_remembered,
    public.test_dark_mode_follows_the_system_setting,
    public.test_phone_menu_opens_the_navigation,
    public.test_follow_a_heading_anchor,
    public.test_side_table_of_contents_jumps_to_a_section,
]


@pytest.fixture
def static_site(tmp_path, monkeypatch):
    """The sample site built with its search index in several parts (two pages a part, not forty)."""
    monkeypatch.setattr(static_search, "PAGES_PER_PART", 2)
    import_sample_site()
    diagrams.make_page()
    out = tmp_path / "site"
    build_site(out, site_url="https://docs.example.org")
    assert len(json.loads((out / "-/search-index.json").read_text())["parts"]) > 1
    with serve(out) as origin:
        yield origin


@pytest.fixture
def static_reader(chromium, static_site):
    context = chromium.new_context(base_url=static_site)
    page = context.new_page()
    page.base_url = static_site
    yield page
    context.close()


@pytest.mark.parametrize("check", CHECKS, ids=[check.__name__.removeprefix("test_") for check in CHECKS])
def test_public_site_behaviour_on_the_static_build(static_reader, check):
    check(static_reader)


def test_live_search_reads_the_static_index_not_the_server(static_reader):
    """No request goes to the server's search endpoints; the index and each of its parts are fetched once."""
    requested = []
    static_reader.on("request", lambda request: requested.append(request.url))
    static_reader.goto("/")
    box = static_reader.get_by_role("searchbox", name="Search Quire")
    box.press_sequentially("static fil", delay=20)
    panel = static_reader.locator("#search-live")
    expect(panel.get_by_role("link", name=re.compile("Deployment › Static files"))).to_be_visible()
    expect(panel.locator("mark").first).to_have_text(re.compile("^static", re.I))
    box.fill("whitenoise")
    expect(panel.locator(".live-snippet mark").first).to_have_text("WhiteNoise")
    assert not [url for url in requested if "search.json" in url or "/search/?" in url]
    assert len([url for url in requested if url.endswith("/-/search-index.json")]) == 1
    parts = [url for url in requested if "/-/search-index/" in url]
    assert len(parts) > 1 and len(set(parts)) == len(parts)  # every part, once


LIVE_RESULTS_JS = """() => Array.from(document.querySelectorAll('#search-live li a')).map(link => {
  const heading = link.querySelector('.live-title span');
  const snippet = link.querySelector('.live-snippet');
  return {url: link.getAttribute('href'), heading: heading ? heading.innerHTML : '',
          snippet: snippet ? snippet.innerHTML : ''};
})"""


NORMALISE_JS = """html => {
  const holder = document.createElement('span');
  holder.innerHTML = html;
  return holder.innerHTML;
}"""


@pytest.mark.parametrize("query", ["whitenoise", "static files", "front matter", "pages nav", "redirect"])
def test_static_results_are_highlighted_as_the_server_highlights_them(static_reader, client, query):
    """For the same query, each section both find shows the same highlighted heading and snippet."""
    served = {hit["url"]: hit for hit in client.get("/search.json", {"q": query}).json()["results"]}
    assert served, query
    static_reader.goto("/")
    static_reader.get_by_role("searchbox", name="Search Quire").fill(query)
    expect(static_reader.locator("#search-live li").first).to_be_visible()
    found = {hit["url"]: hit for hit in static_reader.evaluate(LIVE_RESULTS_JS)}
    for hit in served.values():  # as the browser writes the same HTML back (&quot; → ")
        for key in ("heading", "snippet"):
            hit[key] = static_reader.evaluate(NORMALISE_JS, hit[key])
    common = set(served) & set(found)
    assert common, (query, list(served), list(found))
    if connection.vendor == "sqlite":
        # The static ranking follows SQLite's FTS5 (bm25); PostgreSQL's ts_rank orders differently.
        assert next(iter(served)) in found  # the server's best result is among the static ones
    for url in common:
        assert found[url]["heading"] == served[url]["heading"], url
        assert found[url]["snippet"] == served[url]["snippet"], url


def test_mermaid_diagram_is_drawn_on_the_static_build(static_reader):
    """The diagram frame is part of the build: a page's Mermaid block becomes a drawn SVG image."""
    static_reader.add_init_script(diagrams.KEEP_SVG)
    static_reader.goto("/diagram/")
    svg = diagrams.drawn_svg(static_reader)
    assert "<svg" in svg and "Start" in svg


def test_static_build_under_a_base_url_prefix(chromium, tmp_path):
    """Under /handbook/: the sidebar loads closed sections, live search finds and opens a section, and
    the dark-mode choice holds across pages."""
    import_sample_site()
    out = tmp_path / "handbook"
    build_site(out, site_url="https://docs.example.org", base_url="/handbook/")
    with serve(out, "/handbook/") as origin:
        context = chromium.new_context(base_url=origin)
        reader = context.new_page()
        try:
            reader.goto("/handbook/")
            nav = reader.locator("#site-nav")
            nav.get_by_role("button", name="The public site: show or hide pages").click()
            expect(nav.get_by_role("link", name="Writing pages")).to_be_visible()
            nav.get_by_role("link", name="Writing pages").click()
            reader.wait_for_url("**/handbook/writing-pages/")
            box = reader.get_by_role("searchbox", name="Search Quire")
            box.fill("whitenoise")
            result = reader.locator("#search-live").get_by_role(
                "link", name=re.compile("Deployment › Static files")
            )
            expect(result).to_be_visible()
            result.click()
            reader.wait_for_url("**/handbook/deployment/#static-files")
            reader.get_by_role("button", name="Dark mode").click()
            reader.goto("/handbook/")
            expect(reader.get_by_role("button", name="Dark mode")).to_have_attribute("aria-pressed", "true")
        finally:
            context.close()
