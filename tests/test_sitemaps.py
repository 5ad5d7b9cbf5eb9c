"""The sitemap's own XML writer gives what Django's sitemap template gives for the same pages."""

import datetime as dt

import pytest
from django.contrib.sitemaps import Sitemap
from django.template.loader import render_to_string
from django.utils import timezone

from pages.models import Page
from pages.site import sitemaps
from pages.site.sitemaps import part_count, sitemap_rows, urlset_xml
from pages.store.base_url import site_url


class DjangoSitemap(Sitemap):
    """The same pages as Django's own sitemap framework lists them: the reference for Quire's writer."""

    def items(self):
        return Page.objects.published().only("url_path", "updated_at").order_by("url_path")

    def lastmod(self, page: Page):
        return page.updated_at

    def location(self, page: Page) -> str:
        return site_url(page.url_path)


@pytest.mark.django_db
def test_urlset_is_what_djangos_sitemap_template_writes(client, settings):
    settings.TIME_ZONE = "Pacific/Auckland"  # lastmod is the date in the site's time zone
    late = timezone.make_aware(dt.datetime(2026, 3, 1, 22, 30), dt.UTC)
    Page.objects.create(title="A & B", url_path="/a&b/<x>/", body_html="<p>a</p>")
    Page.objects.create(title="Café", url_path="/caf%C3%A9/", body_html="<p>c</p>")
    Page.objects.create(title="Late", url_path="/late/", body_html="<p>l</p>")
    Page.objects.filter(url_path="/late/").update(updated_at=late)
    served = client.get("/sitemap.xml").content.decode()
    urls = Sitemap.get_urls(DjangoSitemap(), site=type("S", (), {"domain": "testserver"})(), protocol="http")
    assert served == render_to_string("sitemap.xml", {"urlset": urls})
    assert "<lastmod>2026-03-02</lastmod>" in served and "/a&amp;b/&lt;x&gt;/" in served
    assert urlset_xml("http://x", [("/p/", "")]).count("<url><loc>http://x/p/</loc></url>") == 1


@pytest.mark.django_db
def test_parts_follow_the_limit(monkeypatch):
    monkeypatch.setattr(sitemaps, "SITEMAP_LIMIT", 2)
    assert [part_count(n) for n in (0, 1, 2, 3, 5)] == [1, 1, 1, 2, 3]
    assert sitemap_rows() == []
