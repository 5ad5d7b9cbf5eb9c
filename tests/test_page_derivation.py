"""What every save shares: link resolution from the database, rendering, sections, moved-page redirects."""

import pytest

from pages.content.rendering import Rendered
from pages.models import Page, Redirect
from pages.store import page_derivation
from pages.store.page_derivation import apply_rendering, remember_old_url, site_link_resolver

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


def test_apply_rendering_gives_the_renderer_the_site_resolver(monkeypatch):
    """A save renders with a resolver that knows the imported pages, and stores html, toc and warnings."""
    Page.objects.create(title="A", url_path="/docs/a/", source_path="docs/a.md")
    seen = {}

    def fake_render(text, context):
        seen["url"] = context.resolve_source("docs/a.md")
        return Rendered(html="<p>ok</p>", toc=[{"level": 2, "id": "x", "name": "X"}], warnings=["w"])

    monkeypatch.setattr(page_derivation, "render", fake_render)
    page = Page(title="B", url_path="/b/", body="text")
    apply_rendering(page)
    assert seen["url"] == "/docs/a/"
    assert (page.body_html, page.toc, page.render_warnings) == (
        "<p>ok</p>",
        [{"level": 2, "id": "x", "name": "X"}],
        ["w"],
    )
