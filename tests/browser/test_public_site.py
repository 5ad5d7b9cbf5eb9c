"""What a reader sees and does on the public site, in Debian's Chromium."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.site_content import import_sample_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reader(browser_page):
    import_sample_site()
    return browser_page


def sidebar(page):
    return page.locator("#site-nav")


def test_navigate_by_the_sidebar_into_a_nested_section(reader):
    """The reader opens a section, expands a subsection and lands on a grandchild page with breadcrumbs."""
    reader.goto("/")
    nav = sidebar(reader)
    expect(nav.get_by_role("link", name="Writing pages")).to_be_hidden()
    nav.get_by_role("link", name="The public site").click()
    reader.wait_for_url("**/public-site/")
    expect(reader.locator("h1")).to_have_text("The public site")
    expect(nav.locator('[aria-current="page"]')).to_have_text("The public site")
    expect(nav.get_by_role("link", name="Writing pages")).to_be_visible()
    expect(nav.get_by_role("link", name="Callouts")).to_be_hidden()
    nav.get_by_role("button", name="Writing pages: show or hide pages").click()
    nav.get_by_role("link", name="Callouts").click()
    reader.wait_for_url("**/callouts/")
    crumbs = reader.get_by_role("navigation", name="Breadcrumb")
    expect(crumbs).to_contain_text("The public site")
    expect(crumbs).to_contain_text("Writing pages")
    expect(nav.locator('[aria-current="page"]')).to_have_text("Callouts")
    reader.get_by_role("link", name=re.compile("^Next")).click()
    reader.wait_for_url("**/site-details/")  # after Writing pages' last child: its next sibling


def test_opening_a_closed_section_loads_its_pages_in_place(reader):
    """A closed section's pages are not in the page; its toggle loads them (and their own toggles
    work), without leaving the page; closing hides them again."""
    reader.goto("/")
    assert "Callouts" not in reader.content() and "Writing pages" not in reader.content()
    nav = sidebar(reader)
    toggle = nav.get_by_role("button", name="The public site: show or hide pages")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(nav.get_by_role("link", name="Writing pages")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_have_attribute("aria-controls", re.compile(r"^nav-\d+$"))
    nav.get_by_role("button", name="Writing pages: show or hide pages").click()
    expect(nav.get_by_role("link", name="Callouts")).to_be_visible()
    toggle.click()
    expect(nav.get_by_role("link", name="Writing pages")).to_be_hidden()
    toggle.click()  # opened again from what was loaded
    expect(nav.get_by_role("link", name="Callouts")).to_be_visible()
    assert urlsplit(reader.url).path == "/"  # all of it without leaving the home page
    nav.get_by_role("link", name="Callouts").click()
    reader.wait_for_url("**/callouts/")


def test_a_section_that_cannot_be_loaded_opens_its_own_page(reader):
    """If a closed section's entries cannot be fetched, its toggle takes the reader to the section's page,
    where its pages are listed."""
    reader.route("**/-/nav/**", lambda route: route.abort())
    reader.goto("/")
    sidebar(reader).get_by_role("button", name="The public site: show or hide pages").click()
    reader.wait_for_url("**/public-site/")
    expect(sidebar(reader).get_by_role("link", name="Writing pages")).to_be_visible()


def test_live_search_shows_results_while_typing(reader):
    """Typing in the header's box lists matching sections; choosing one opens it at its heading."""
    reader.goto("/")
    box = reader.get_by_role("searchbox", name="Search Quire")
    box.press_sequentially("whiteno", delay=20)
    panel = reader.locator("#search-live")
    expect(panel).to_be_visible()
    result = panel.get_by_role("link", name=re.compile("Deployment › Static files"))
    expect(result).to_be_visible()
    expect(panel.locator("mark").first).to_have_text(re.compile("WhiteNoise", re.I))
    # The order of the results is the database's ranking (FTS5 or PostgreSQL's): the arrow key
    # reaches the first of them, whichever it is, and Enter opens it at its heading.
    first = panel.get_by_role("link").first
    box.press("ArrowDown")
    expect(first).to_be_focused()
    target = first.get_attribute("href")
    reader.keyboard.press("Enter")
    reader.wait_for_url(f"**{target}")
    assert "#" in target
    box = reader.get_by_role("searchbox", name="Search Quire")
    box.fill("zzzzqx")
    expect(reader.locator("#search-live")).to_contain_text("No results")


def test_search_form_works_without_live_results(reader):
    """Submitting the search form opens the full results page with highlighted snippets."""
    reader.goto("/search/?q=whitenoise")
    # Every section that names it is found, in the database's ranking (FTS5 or PostgreSQL's).
    expect(reader.locator(".search-result-link").filter(has_text="Static files").first).to_be_visible()
    expect(reader.locator(".search-result-snippet mark").first).to_be_visible()


def background(page):
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_dark_mode_toggle_is_remembered(reader):
    """The toggle switches to dark, and the choice survives a reload and a new page."""
    reader.emulate_media(color_scheme="light")
    reader.goto("/")
    assert background(reader) == "rgb(255, 255, 255)"
    toggle = reader.get_by_role("button", name="Dark mode")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert background(reader) == "rgb(17, 19, 24)"
    reader.goto("/deployment/")
    assert background(reader) == "rgb(17, 19, 24)"
    expect(reader.get_by_role("button", name="Dark mode")).to_have_attribute("aria-pressed", "true")


def test_dark_mode_follows_the_system_setting(reader):
    """With no choice made, the page follows the system's dark setting."""
    reader.emulate_media(color_scheme="dark")
    reader.goto("/")
    assert background(reader) == "rgb(17, 19, 24)"
    expect(reader.get_by_role("button", name="Dark mode")).to_have_attribute("aria-pressed", "true")


def test_phone_menu_opens_the_navigation(reader):
    """On a phone the sidebar hides behind the Menu button, which opens it."""
    reader.set_viewport_size({"width": 390, "height": 844})
    reader.goto("/")
    nav = sidebar(reader)
    expect(nav).to_be_hidden()
    menu = reader.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="Deployment").click()
    reader.wait_for_url("**/deployment/")
    expect(reader.locator("h1")).to_have_text("Deployment")
    expect(sidebar(reader)).to_be_hidden()


def test_follow_a_heading_anchor(reader):
    """A heading's anchor link puts its URL in the address bar and the heading at the top of the view."""
    reader.set_viewport_size({"width": 1280, "height": 700})
    reader.goto("/public-site/")
    heading = reader.get_by_role("heading", name=re.compile("^Other addresses"))
    heading.hover()
    anchor = heading.get_by_role("link", name=re.compile("Link to this section"))
    expect(anchor).to_have_count(1)
    assert anchor.bounding_box()["width"] >= 8
    anchor.click()
    reader.wait_for_url(re.compile(r".*/public-site/#other-addresses$"))
    top = heading.bounding_box()["y"]
    assert 0 <= top < 200, top
    reader.goto("/")
    reader.goto("/public-site/#which-page-is-")  # kramdown keeps the space before the dropped `/`
    expect(reader.get_by_role("heading", name=re.compile("^Which page is"))).to_be_in_viewport()


def test_heading_anchor_shows_on_keyboard_focus(reader):
    """Tabbing onto a heading's anchor link makes its '#' visible, and there is one link per heading."""
    reader.goto("/public-site/")
    anchor = reader.get_by_role("link", name=re.compile("^Link to this section: Other addresses"))
    expect(anchor).to_have_count(1)
    expect(anchor).to_have_css("opacity", "0")
    anchor.focus()
    expect(anchor).to_have_css("opacity", "1")
    glyph = anchor.evaluate("link => getComputedStyle(link, '::before').content")
    assert glyph.startswith('"#"'), glyph


def test_side_table_of_contents_jumps_to_a_section(reader):
    """On a wide screen the 'On this page' list sits beside the text and jumps to its heading."""
    reader.set_viewport_size({"width": 1400, "height": 800})
    reader.goto("/public-site/")
    toc = reader.get_by_role("complementary", name="On this page")
    expect(toc).to_be_visible()
    toc.get_by_role("link", name="Other addresses").click()
    expect(reader.get_by_role("heading", name=re.compile("^Other addresses"))).to_be_in_viewport()


def test_copy_button_copies_the_code(reader):
    """A code block's Copy button puts its code on the clipboard and says so."""
    reader.context.grant_permissions(["clipboard-read", "clipboard-write"])
    reader.goto("/deployment/")
    button = reader.get_by_role("button", name="Copy code to clipboard").first
    button.click()
    expect(button).to_have_text("Copied")
    copied = reader.evaluate("navigator.clipboard.readText()")
    assert copied.startswith('pip install -e ".[production]"')
