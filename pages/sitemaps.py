"""The sitemap: `/sitemap.xml` lists every public page, or, past SITEMAP_LIMIT pages (the sitemaps
protocol's 50,000 URLs per file), is a sitemap index naming `/sitemap-1.xml`, `/sitemap-2.xml`, ...

All of them are cached per content version and release like public pages (`cache_public_response`)
and read from the read replica when there is one.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem
from django.contrib.sites.requests import RequestSite
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from pages.caching import cache_public_response
from pages.db_router import reads_from_replica
from pages.models import Page

SITEMAP_LIMIT = 50_000
XML = "application/xml"


class PageSitemap(Sitemap):
    """Every public page, with its last change as `lastmod`."""

    limit = SITEMAP_LIMIT

    def items(self):
        return Page.objects.published().only("url_path", "updated_at").order_by("url_path")

    def lastmod(self, page: Page):
        return page.updated_at


def _urlset(request: HttpRequest, sitemap: PageSitemap, number: int) -> HttpResponse:
    urls = sitemap.get_urls(page=number, site=RequestSite(request), protocol=request.scheme)
    return HttpResponse(render_to_string("sitemap.xml", {"urlset": urls}), content_type=XML)


@require_safe
@cache_public_response
@reads_from_replica
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    """The whole sitemap, or the index of its parts when there are more pages than one file may hold."""
    sitemap = PageSitemap()
    parts = sitemap.paginator.num_pages
    if parts <= 1:
        return _urlset(request, sitemap, 1)
    lastmod = sitemap.get_latest_lastmod()
    items = [
        SitemapIndexItem(request.build_absolute_uri(reverse("pages:sitemap_part", args=[n])), lastmod)
        for n in range(1, parts + 1)
    ]
    return HttpResponse(render_to_string("sitemap_index.xml", {"sitemaps": items}), content_type=XML)


@require_safe
@cache_public_response
@reads_from_replica
def sitemap_part(request: HttpRequest, number: int) -> HttpResponse:
    """One part of a sitemap too large for one file (`/sitemap-<number>.xml`)."""
    sitemap = PageSitemap()
    parts = sitemap.paginator.num_pages
    if parts <= 1 or not 1 <= number <= parts:  # a small sitemap is /sitemap.xml alone
        raise Http404("no such sitemap part")
    return _urlset(request, sitemap, number)
