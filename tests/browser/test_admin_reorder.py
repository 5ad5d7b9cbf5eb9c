"""Reordering pages in a real browser: drag and drop, and the keyboard."""

import pytest

from pages.models import Page
from pages.store.site_settings import in_site_nav_order
from tests.admin_factories import make_page
from tests.browser.admin_login import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(browser_page):
    return sign_in(browser_page)


def titles(page):
    return page.locator(".quire-reorder-title").all_inner_texts()


def top_level_order():
    return [p.title for p in in_site_nav_order(Page.objects.filter(parent=None))]


def test_drag_and_drop_reorders_and_saves_in_one_request(signed_in):
    """Dragging the last page to the top and saving rewrites nav_order in one POST."""
    for n, title in enumerate(["One", "Two", "Three"], start=1):
        make_page(title=title, url_path=f"/{title.lower()}/", nav_order=str(n))
    page = signed_in
    page.goto("/admin/pages/page/reorder/")
    assert titles(page) == ["One", "Two", "Three"]
    page.drag_and_drop(".quire-reorder-item[data-id] >> nth=2", ".quire-reorder-item >> nth=0")
    assert titles(page) == ["Three", "One", "Two"]
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.click("text=Save order")
    page.wait_for_selector("text=The new order is saved.")
    assert len(posts) == 1
    assert top_level_order() == ["Three", "One", "Two"]


def test_keyboard_moves_a_page(signed_in):
    """Alt+ArrowDown on a focused page moves it down; the status line announces the new position."""
    for n, title in enumerate(["One", "Two"], start=1):
        make_page(title=title, url_path=f"/{title.lower()}/", nav_order=str(n))
    page = signed_in
    page.goto("/admin/pages/page/reorder/")
    page.locator(".quire-reorder-item").first.focus()
    page.keyboard.press("Alt+ArrowDown")
    assert titles(page) == ["Two", "One"]
    assert "One is now at position 2 of 2" in page.locator(".quire-reorder-status").inner_text()
    page.click("text=Save order")
    page.wait_for_selector("text=The new order is saved.")
    assert top_level_order() == ["Two", "One"]
