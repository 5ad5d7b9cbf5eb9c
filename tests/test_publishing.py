"""What every save shares: link resolution from the database, rendering, sections, moved-page redirects."""

import pytest

from pages.models import Page, Redirect
from pages.publishing import remember_old_url, site_link_resolver

pytestmark = pytest.mark.django_db


def test_site_link_resolver_knows_imported_pages():
    """Source paths of pages in the database resolve to their URLs, with or without extension."""
    Page.objects.create(title="A", url_path="/docs/a/", source_path="docs/a.md")
    Page.objects.create(title="Made in admin", url_path="/b/")
    resolve = site_link_resolver()
    assert resolve("docs/a.md") == "/docs/a/"
    assert resolve("docs/a") == "/docs/a/"
    assert resolve("b.md") is None


def test_remember_old_url_redirects_and_frees_the_new_url():
    """A moved page answers from its old URL; a redirect sitting on its new URL goes away."""
    page = Page.objects.create(title="A", url_path="/new/")
    other = Page.objects.create(title="B", url_path="/b/")
    Redirect.objects.create(old_path="/new/", page=other)
    remember_old_url(page, "/old/")
    assert list(Redirect.objects.values_list("old_path", "page__url_path")) == [("/old/", "/new/")]
