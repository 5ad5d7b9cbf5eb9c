"""The site opens in a real browser."""

import pytest
from django.core.management import call_command

from tests.conftest import SAMPLE_CONTENT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_opens_in_chromium_and_sidebar_link_navigates(browser_page):
    call_command("import_pages", str(SAMPLE_CONTENT), verbosity=0)
    browser_page.goto("/")
    assert browser_page.locator("h1").first.inner_text() == "Welcome to Quire"
    browser_page.get_by_role("link", name="Deployment").first.click()
    browser_page.wait_for_url("**/deployment/")
    assert "Deployment" in browser_page.title()
