"""axe-core finds no serious or critical accessibility problems, in light and in dark mode."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.site_content import import_sample_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "home": "/",
    "deep page": "/callouts/",
    "search results": "/search/?q=whitenoise",
    "404": "/no/such/page/",
}
BLOCKING = {"serious", "critical"}


def blocking_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_key_pages_have_no_serious_accessibility_violations(browser_page, scheme):
    """Home, a deep page, search results and the 404 page pass axe-core in this colour scheme."""
    import_sample_site()
    browser_page.emulate_media(color_scheme=scheme)
    found = {}
    for name, url in PAGES.items():
        browser_page.goto(url)
        theme = browser_page.evaluate("getComputedStyle(document.documentElement).colorScheme")
        assert theme == scheme, (name, theme)
        found[name] = blocking_violations(browser_page)
    assert found == {name: [] for name in PAGES}


def test_live_search_panel_and_phone_menu_have_no_serious_violations(browser_page):
    """The open live-search panel and the open phone menu pass axe-core too."""
    import_sample_site()
    browser_page.set_viewport_size({"width": 390, "height": 844})
    browser_page.goto("/")
    browser_page.get_by_role("button", name="Menu").click()
    assert blocking_violations(browser_page) == []
    browser_page.keyboard.press("Escape")
    browser_page.get_by_role("searchbox", name="Search Quire").press_sequentially("whitenoise", delay=10)
    browser_page.locator("#search-live a").first.wait_for()
    assert blocking_violations(browser_page) == []
