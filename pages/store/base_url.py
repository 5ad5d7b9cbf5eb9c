"""One base URL for everything Quire writes and answers: the site's `baseurl`.

The site's base URL is the `baseurl` of its `_config.yml` (or `import_pages --baseurl`, or the
QUIRE_BASEURL setting), stored with the site. Body links carry it from the import on; at request time
`SiteBaseUrlMiddleware` makes it Django's script prefix, so every URL Quire writes — sidebar,
breadcrumbs, pager, child lists, search results, feed, sitemap, canonical, `{% url %}` and static
files — starts with it, and it strips it from the request path, so `/base/x.html` is answered as the
page `/x.html`. Requests without the prefix are answered too (a proxy that strips it, or the site's own
host at `/`): the URLs written still carry it.

Behind a proxy that passes the prefix as SCRIPT_NAME, or with FORCE_SCRIPT_NAME, Django's script
prefix already carries it; the base URL is then not added twice.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.handlers.wsgi import get_script_name
from django.urls import get_script_prefix, get_urlconf, reverse, set_script_prefix


def prefix() -> str:
    """The current URL prefix without the trailing slash: '' at the root, '/docs' under /docs/."""
    return get_script_prefix().rstrip("/")


def site_url(url_path: str) -> str:
    """A page's (or site file's) URL as written in HTML: the prefix, then its path."""
    return prefix() + (url_path if url_path.startswith("/") else "/" + url_path)


def reversed_url(name: str, *args) -> str:
    """`reverse(name, args=args)`, worked out once per script prefix and URLconf: the URLs every
    public page carries (home, search, feed, sitemap, the sidebar's branches) cost a lookup, not a
    reverse."""
    return _reversed(name, args, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=256)
def _reversed(name: str, args: tuple, script_prefix: str, urlconf, root_urlconf: str) -> str:
    return reverse(name, args=args, urlconf=urlconf)


def _static_prefix() -> str:
    static = getattr(settings, "STATIC_URL", "") or ""
    return "/" + static.strip("/") + "/" if "://" not in static and static.strip("/") else ""


class SiteBaseUrlMiddleware:
    """Serve the site under its base URL and make every written URL carry it (see the module).

    First in the middleware list, so WhiteNoise and the page cache see the path without the prefix.
    Static files at the root are served without asking the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.static = _static_prefix()

    def __call__(self, request):
        original = get_script_prefix()
        path_info = request.path_info
        if self.static and path_info.startswith(self.static):
            return self.get_response(request)
        from pages.store.site_settings import request_site

        base = request_site(request).baseurl
        if base:
            current = (get_script_name(request.META) or "").rstrip("/")
            set_script_prefix((current if current.endswith(base) else current + base) + "/")
            if path_info == base or path_info.startswith(base + "/"):
                request.path_info = path_info[len(base) :] or "/"
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(original)
