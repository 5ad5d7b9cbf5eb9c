"""A site under a path prefix (`baseurl: /handbook`), read in Debian's Chromium: styles, images,
sidebar branches and links all work under the prefix."""

import re

import pytest
from playwright.sync_api import expect

from tests.sync_helpers import run_import, write_site
from tests.test_site_config import png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SITE = {
    "_config.yml": "title: Handbook\nbaseurl: /handbook\n",
    "index.md": "---\ntitle: Home\nnav_order: 1\n---\n# Home\n\n"
    "![logo]({{ site.baseurl }}/assets/logo.png)\n",
    "guide/index.md": "---\ntitle: Guide\nnav_order: 2\n---\n# Guide\n",
    "guide/install.md": "---\ntitle: Install\nparent: Guide\n---\n# Install\n\n![logo](../assets/logo.png)\n",
    "assets/logo.png": png(4, 4),
}


@pytest.fixture
def reader(browser_page, tmp_path):
    run_import(write_site(tmp_path / "site", SITE))
    # The test server's static handler answers /static/ only; in production WhiteNoise, behind the
    # base URL middleware, answers /handbook/static/ too. Play that part for static files only.
    browser_page.route(
        re.compile(r".*/handbook/static/.*"),
        lambda route: route.continue_(url=route.request.url.replace("/handbook/static/", "/static/")),
    )
    return browser_page


def test_a_site_under_a_prefix_works_in_the_browser(reader):
    """Styles load, images show, a closed section opens in place and its links stay under /handbook."""
    failed = []
    reader.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    reader.goto("/handbook/")
    expect(reader.locator("h1")).to_have_text("Home")
    loaded = "[...document.styleSheets].filter(s => s.href && s.cssRules.length).map(s => s.href)"
    assert any(href.endswith("/handbook/static/quire/site.css") for href in reader.evaluate(loaded))
    image = reader.get_by_role("img", name="logo")
    expect(image).to_be_visible()
    assert reader.evaluate("(img) => img.naturalWidth", image.element_handle()) == 4
    nav = reader.locator("#site-nav")
    nav.get_by_role("button", name="Guide: show or hide pages").click()
    nav.get_by_role("link", name="Install").click()
    reader.wait_for_url(re.compile(r".*/handbook/guide/install\.html$"))
    assert (
        reader.evaluate("(img) => img.naturalWidth", reader.get_by_role("img", name="logo").element_handle())
        == 4
    )
    reader.get_by_role("link", name="Guide").first.click()
    reader.wait_for_url(re.compile(r".*/handbook/guide/$"))
    assert failed == []
