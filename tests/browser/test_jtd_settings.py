"""Just the Docs' sidebar and footer settings in Debian's Chromium: collections after the pages (one
folded), external links, the edit link for file pages and the admin's edit link for staff."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from pages.models import Page
from tests.sync_helpers import run_import, write_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONFIG = """\
title: Handbook
collections:
  adrs: {output: true}
  tests: {output: true}
just_the_docs:
  collections:
    adrs: {name: Decisions}
    tests: {name: Tests, nav_fold: true}
nav_external_links:
  - title: Source code
    url: https://example.com/acme
    opens_in_new_tab: true
gh_edit_link: true
gh_edit_link_text: Edit this page on GitHub
gh_edit_repository: https://github.com/acme/handbook
gh_edit_branch: main
gh_edit_view_mode: edit
"""

SITE = {
    "_config.yml": CONFIG,
    "index.md": "---\ntitle: Home\nnav_order: 1\n---\n# Home\n",
    "guide.md": "---\ntitle: Guide\nnav_order: 2\n---\n# Guide\n",
    "_adrs/0001-first.md": "---\ntitle: First decision\n---\nFirst.\n",
    "_tests/smoke-test.md": "Untitled: Jekyll names it from the file.\n",
}


@pytest.fixture
def reader(browser_page, tmp_path):
    assert run_import(write_site(tmp_path / "site", SITE)).errors == []
    return browser_page


def test_collections_and_external_links_follow_the_pages(reader):
    reader.goto("/")
    nav = reader.locator("#site-nav")
    links = nav.get_by_role("link")
    expect(links).to_have_text(["Home", "Guide", re.compile(r"Source code"), "First decision"])
    expect(nav.locator(".nav-category")).to_have_text(["Decisions", "Tests"])
    external = nav.get_by_role("link", name=re.compile("Source code"))
    expect(external).to_have_attribute("href", "https://example.com/acme")
    expect(external).to_have_attribute("target", "_blank")
    expect(external).to_have_attribute("rel", "noopener noreferrer")
    # The folded collection opens on a click and its untitled document has Jekyll's title.
    smoke = nav.get_by_role("link", name="Smoke Test")
    expect(smoke).to_be_hidden()
    nav.get_by_text("Tests", exact=True).click()
    expect(smoke).to_be_visible()
    smoke.click()
    reader.wait_for_url(re.compile(r".*/tests/smoke-test\.html$"))
    expect(reader.locator("h1")).to_have_text("Smoke Test")
    expect(reader.locator("#site-nav").get_by_role("link", name="Smoke Test")).to_be_visible()


def test_the_edit_link_names_the_file_and_staff_edit_admin_pages(reader, live_server):
    reader.goto("/guide.html")
    edit = reader.get_by_role("link", name="Edit this page on GitHub")
    expect(edit).to_have_attribute("href", "https://github.com/acme/handbook/edit/main/guide.md")
    made = Page.objects.create(title="Made here", url_path="/made/", body="Hi")
    reader.goto("/made/")
    expect(reader.locator("#edit-this-page")).to_have_count(0)
    User.objects.create_user("ed", password="pw-for-tests-1", is_staff=True, is_superuser=True)
    reader.goto("/admin/login/?next=/made/")
    reader.get_by_label("Username").fill("ed")
    reader.get_by_label("Password").fill("pw-for-tests-1")
    reader.get_by_role("button", name=re.compile("Log in", re.I)).click()
    reader.wait_for_url(re.compile(r".*/made/$"))
    reader.get_by_role("link", name="Edit this page").click()
    reader.wait_for_url(re.compile(rf".*/admin/pages/page/{made.pk}/change/$"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_collections_external_links_and_the_page_footer_pass_axe(reader, scheme):
    """The collection headings, the folded collection, external links and the page footer pass
    axe-core (no serious or critical problems) in this colour scheme."""
    from tests.browser.test_accessibility import blocking_violations

    reader.emulate_media(color_scheme=scheme)
    reader.goto("/tests/smoke-test.html")
    expect(reader.locator("#edit-this-page")).to_be_visible()
    assert blocking_violations(reader) == []
