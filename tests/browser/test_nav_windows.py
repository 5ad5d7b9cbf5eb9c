"""A long navigation level in Debian's Chromium: a window of entries, the rest loaded on request."""

import pytest
from playwright.sync_api import expect

from pages.models import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reader(browser_page, settings):
    settings.QUIRE_NAV_WINDOW = 4
    for i in range(1, 13):
        Page.objects.create(
            title=f"Post {i:02d}", url_path=f"/p{i}/", nav_order=str(i), body_html=f"<p>{i}</p>"
        )
    return browser_page


def test_more_entries_load_in_place_around_the_window(reader):
    reader.goto("/p6/")
    nav = reader.locator("#site-nav")
    expect(nav.locator(".nav-link")).to_have_count(4)
    expect(nav.locator('[aria-current="page"]')).to_have_text("Post 06")
    expect(nav.locator(".nav-link").first).to_have_text("Post 04")  # the window around Post 06
    later = nav.get_by_role("link", name="5 more pages")
    earlier = nav.get_by_role("link", name="3 more pages")
    later.click()  # the next window (Post 08 to 11) and a further "more" entry for the last one
    expect(nav.get_by_role("link", name="Post 08")).to_be_focused()
    expect(nav.get_by_role("link", name="Post 11")).to_be_visible()
    nav.get_by_role("link", name="1 more page").click()
    expect(nav.get_by_role("link", name="Post 12")).to_be_visible()
    earlier.click()
    expect(nav.get_by_role("link", name="Post 01")).to_be_visible()
    expect(nav.locator(".nav-link")).to_have_count(12)
    expect(nav.locator(".nav-more-link")).to_have_count(0)
    assert reader.url.endswith("/p6/")
    nav.get_by_role("link", name="Post 12").click()
    reader.wait_for_url("**/p12/")
