"""The page list's "Build static site" button in a real browser, at ordinary widths."""

import pytest
from playwright.sync_api import expect

from tests.admin_factories import make_page
from tests.browser.admin_login import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(browser_page, settings, tmp_path):
    settings.QUIRE_STATIC_BUILD_DIR = str(tmp_path / "public")
    make_page(title="Guide", url_path="/guide/", body="Hello")
    return sign_in(browser_page)


def box(locator):
    found = locator.bounding_box()
    assert found, locator
    return found


@pytest.mark.parametrize("width", [1280, 800])
def test_the_button_sits_among_the_page_lists_tools_and_builds(signed_in, width, tmp_path):
    page = signed_in
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/admin/pages/page/")
    button = page.get_by_role("button", name="Build static site")
    expect(button).to_be_visible()
    tools = page.locator(".object-tools")
    own = box(button)
    assert own["x"] >= 0 and own["x"] + own["width"] <= width  # inside the window, not cut off
    reorder = box(tools.get_by_role("link", name="Reorder pages"))
    assert abs(own["height"] - reorder["height"]) <= 2  # drawn as the links beside it
    links = tools.get_by_role("link")
    for index in range(links.count()):  # overlaps none of the other tools
        other = box(links.nth(index))
        apart = (
            other["x"] + other["width"] <= own["x"] or own["x"] + own["width"] <= other["x"]
            or other["y"] + other["height"] <= own["y"] or own["y"] + own["height"] <= other["y"]
        )  # fmt: skip
        assert apart, links.nth(index).inner_text()
    button.click()
    expect(page.locator(".messagelist .success")).to_contain_text("Built the static site into")
    assert (tmp_path / "public" / "guide" / "index.html").is_file()
