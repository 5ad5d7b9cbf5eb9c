"""The sitemap: `/sitemap.xml` lists every public page, or, past SITEMAP_LIMIT pages (the sitemaps
protocol's 50,000 URLs per file), is a sitemap index naming `/sitemap-1.xml`, `/sitemap-2.xml`, ...

The rule for parts (SITEMAP_LIMIT URLs each, in URL order) and the XML of a part (`urlset_xml`) are
this module's, for the server's views and the static export (`pages.site.static_site`) alike. A part is
written as Django's `sitemap.xml` template writes it, without going through the template (a list of
50,000 URLs renders in milliseconds, not seconds).

All of them are cached per content version and release like public pages (`cache_public_response`)
and read from the read replica when there is one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from django.contrib.sitemaps.views import SitemapIndexItem
from django.contrib.sites.requests import RequestSite
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.http import require_safe

from pages.models import Page
from pages.site.caching import cache_public_response
from pages.site.db_router import reads_from_replica
from pages.store.base_url import site_url

SITEMAP_LIMIT = 50_000
XML = "application/xml"
URLSET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)
URLSET_TAIL = "\n</urlset>\n"


def part_count(pages: int) -> int:
    """How many files a sitemap of `pages` URLs takes (more than one: /sitemap.xml is their index)."""
    return max(1, math.ceil(pages / SITEMAP_LIMIT))


def part_of(rows: list, number: int) -> list:
    """Part `number` (from 1) of rows in URL order."""
    return rows[(number - 1) * SITEMAP_LIMIT : number * SITEMAP_LIMIT]


def lastmod_text(value: dt.datetime | None) -> str:
    """A page's `lastmod` as the sitemap writes it: its date in the site's time zone."""
    if value is None:
        return ""
    if value.utcoffset() is not None:  # aware: as the template's date filter shows it
        value = value.astimezone(timezone.get_current_timezone())
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def urlset_xml(origin: str, entries: Iterable[tuple[str, str]]) -> str:
    """A sitemap file of (URL path as the site writes it, lastmod text) entries, byte for byte what
    Django's `sitemap.xml` template writes for them (`origin`: scheme and host)."""
    items = []
    for path, lastmod in entries:
        when = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        items.append(f"<url><loc>{escape(origin + path)}</loc>{when}</url>")
    return URLSET_HEAD + "".join(items) + URLSET_TAIL


def sitemap_rows() -> list[tuple[str, dt.datetime]]:
    """(url_path, updated_at) of every public page, in URL order."""
    return list(Page.objects.published().order_by("url_path").values_list("url_path", "updated_at"))


def part_xml(origin: str, rows: list[tuple[str, dt.datetime]], lastmods: list[str] | None = None) -> str:
    """The sitemap file of these (url_path, updated_at) rows; the base URL goes in front of each.
    `lastmods`: the rows' `lastmod_text`, when the caller has them already."""
    prefix = site_url("/").removesuffix("/")
    if lastmods is None:
        lastmods = [lastmod_text(when) for _url, when in rows]
    entries = ((prefix + url, text) for (url, _when), text in zip(rows, lastmods, strict=True))
    return urlset_xml(origin, entries)


def _origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{RequestSite(request).domain}"


@require_safe
@cache_public_response
@reads_from_replica
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    """The whole sitemap, or the index of its parts when there are more pages than one file may hold."""
    rows = sitemap_rows()
    parts = part_count(len(rows))
    if parts <= 1:
        return HttpResponse(part_xml(_origin(request), rows), content_type=XML)
    lastmod = max((when for _url, when in rows if when is not None), default=None)
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
    rows = sitemap_rows()
    parts = part_count(len(rows))
    if parts <= 1 or not 1 <= number <= parts:  # a small sitemap is /sitemap.xml alone
        raise Http404("no such sitemap part")
    return HttpResponse(part_xml(_origin(request), part_of(rows, number)), content_type=XML)
