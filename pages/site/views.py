"""Public views: thin and read only. Bodies were rendered at save time; nothing renders markdown here."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from pages.content.callout_styles import callout_css
from pages.models import Page, SiteFile
from pages.site.caching import cache_public_response, cached_search, database_unavailable
from pages.site.db_router import reads_from_replica
from pages.site.nav_cache import site_navigation
from pages.site.outage import is_database_outage
from pages.site.selectors import alternate_urls, home_page, page_context, public_page, redirect_target
from pages.store.base_url import site_url
from pages.store.site_settings import request_site
from pages.sync.site_files import site_file_at

DEFAULT_TEMPLATE = "pages/page.html"
SEARCH_TEMPLATE = "pages/search.html"
EMPTY_TEMPLATE = "pages/empty.html"
NOT_FOUND_TEMPLATE = "404.html"
SERVER_ERROR_TEMPLATE = "500.html"
LIVE_RESULTS = 8


@require_safe
@cache_public_response
@reads_from_replica
def page_detail(request, url_path: str = ""):
    """One public page. Template: pages/page.html; context: see `selectors.page_context`.

    `/` shows the home page; an old URL answers 301 to where its page lives now. Anonymous answers
    are cached per content version (`caching.cache_public_response`), and the navigation is built
    once per content version and read in pieces (`nav_cache.site_navigation`).
    """
    path = "/" + url_path
    navigation = site_navigation(request)
    page = home_page(navigation.home_id) if path == "/" else public_page(path)
    if page is None:
        if path == "/":
            return render(request, EMPTY_TEMPLATE, {"nav_html": ""})
        site_file = site_file_at(path)
        if site_file is not None:
            return serve_site_file(request, site_file)
        try:
            return moved_or_not_found(path)
        except Http404:
            if settings.DEBUG and settings.QUIRE_DEBUG_TECHNICAL_404:
                raise
            return page_not_found(request)  # the themed 404 under DEBUG too
    return render(request, DEFAULT_TEMPLATE, page_context(page, navigation, request))


def moved_or_not_found(path: str) -> HttpResponse:
    """301 to a moved page (its Redirect row), or to the page at the other common form of the URL
    (`/x/` for `/x.html` and back, `/x` for either); else 404."""
    target = redirect_target(path)
    for alternate in alternate_urls(path) if target is None else ():
        target = redirect_target(alternate) or (alternate if public_page(alternate) else None)
        if target is not None:
            break
    if target is None:
        raise Http404(path)
    return HttpResponsePermanentRedirect(site_url(target))


SITE_FILE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


def serve_site_file(request, site_file: SiteFile) -> HttpResponse:
    """A file of the imported site (image, PDF, ...) from the media storage, with its checked content
    type, `nosniff`, and a sandboxing CSP (an SVG opened on its own runs nothing)."""
    etag = f'"{site_file.sha256[:32]}"'
    last_modified = int(site_file.updated_at.timestamp())
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        return not_modified
    try:
        handle = default_storage.open(site_file.storage_name, "rb")
    except OSError:
        return HttpResponse("This file is unavailable for a moment.", status=503, content_type="text/plain")
    response = FileResponse(handle, content_type=site_file.content_type)
    response["Content-Length"] = str(site_file.size)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SITE_FILE_CSP
    response["Cache-Control"] = f"public, max-age={settings.QUIRE_PUBLIC_MAX_AGE}"
    return response


def _nav_fragment(html: str | None, missing: str) -> HttpResponse:
    """A piece of the sidebar as its own HTML answer, or a 404 saying what is missing."""
    if html is None:
        raise Http404(missing)
    return HttpResponse(html, content_type="text/html; charset=utf-8")


@require_safe
@cache_public_response
@reads_from_replica
def nav_branch(request, page_id: int):
    """The sidebar entries under one page, closed: what a reader's click on a sidebar toggle loads."""
    return _nav_fragment(site_navigation(request).branch(page_id), "no such section in the navigation")


@require_safe
@cache_public_response
@reads_from_replica
def nav_entries(request, page_id: int, start: int, end: int):
    """Entries [start, end) of one navigation level (0: the top level), closed, a window at a time:
    what a reader's click on a long level's "more pages" entry loads."""
    return _nav_fragment(
        site_navigation(request).entries(page_id, start, end), "no such entries in the navigation"
    )


@require_safe
@cache_public_response
@reads_from_replica
def nav_collection_entries(request, index: int, start: int, end: int):
    """Entries [start, end) of a collection's top level in the sidebar (`just_the_docs.collections`,
    `index` in config order), what its "more pages" entry loads."""
    entries = site_navigation(request).entries(f"c{index}", start, end)
    return _nav_fragment(entries, "no such entries in the navigation")


@require_safe
@reads_from_replica
def search(request):
    """Search results at section level. Template: pages/search.html; context: query, hits, nav_html.

    Results are cached per query and content version (`caching.cached_search`)."""
    query = request.GET.get("q", "").strip()
    hits = cached_search(request, query) if query else []
    context = {"query": query, "hits": hits, "nav_html": site_navigation(request).html}
    return render(request, SEARCH_TEMPLATE, context)


@require_safe
@reads_from_replica
def search_json(request):
    """The live results under the header's search box, as JSON (snippets are escaped HTML)."""
    query = request.GET.get("q", "").strip()
    hits = cached_search(request, query, limit=LIVE_RESULTS) if query else []
    return JsonResponse(
        {
            "query": query,
            "results": [
                {
                    "title": hit.page_title,
                    "url": hit.url,
                    "heading": hit.heading_html,
                    "snippet": hit.snippet_html,
                }
                for hit in hits
            ],
        }
    )


@require_safe
@cache_public_response
def callouts_css(request):
    """The site's own callouts (`callouts:` in _config.yml) as CSS, from Quire's origin."""
    css = callout_css(request_site(request).rules.callouts)
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@require_safe
def robots_txt(request):
    """robots.txt: everything public may be crawled; the sitemap is named."""
    sitemap = request.build_absolute_uri(reverse("pages:sitemap"))
    admin, preview = reverse("admin:index"), reverse("pages:preview", args=[0]).removesuffix("0/")
    lines = ["User-agent: *", f"Disallow: {admin}", f"Disallow: {preview}", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def page_not_found(request, exception=None):
    """The themed 404 (settings' handler404): header, sidebar and a search form. Template: 404.html."""
    context = {
        "request_path": request.path,
        "nav_html": site_navigation(request).html,
        "unpublished_page": unpublished_page_for_staff(request),
    }
    return render(request, NOT_FOUND_TEMPLATE, context, status=404)


def unpublished_page_for_staff(request) -> Page | None:
    """The draft or scheduled page at this URL, when the visitor is staff who may preview it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return None
    if not user.has_perm("pages.change_page"):
        return None
    return Page.objects.only("pk", "title", "url_path").filter(url_path=request.path).first()


def server_error(request):
    """The themed 500 (handler500): a static template, no database, no context processors.

    A database outage raised outside a view (in middleware) gets the outage answer instead: the cached
    page marked stale, or the themed 503 (`pages.site.caching.database_unavailable`)."""
    error = sys.exc_info()[1]
    if is_database_outage(error):
        return database_unavailable(request, None)
    html = loader.get_template(SERVER_ERROR_TEMPLATE).render({"site_name": settings.QUIRE_SITE_NAME})
    return HttpResponseServerError(html)
