"""Which URLs Quire itself answers, so that no page is given one and then never shown.

Asked of Django's URL resolver, not of a list kept by hand: a page URL is Quire's own when a route
other than the page view matches it (`/admin/…`, `/search/`, `/feed.xml`, `/-/nav/3/`, …), or when it
lies under the static or media URL that the server answers before any view.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import Resolver404, resolve

PAGE_VIEWS = {"pages:page", "pages:home"}


def quires_own_route(url_path: str) -> str | None:
    """A short name of what Quire serves at `url_path` instead of a page, or None if a page may have it."""
    for setting in ("STATIC_URL", "MEDIA_URL"):
        prefix = "/" + (getattr(settings, setting, "") or "").strip("/") + "/"
        if prefix != "//" and url_path.startswith(prefix):
            return f"{setting.split('_')[0].lower()} files ({prefix})"
    try:
        match = resolve(url_path)
    except Resolver404:
        return None
    if match.view_name in PAGE_VIEWS:
        return None
    outer = match.namespaces[0] if match.namespaces else ""
    return outer if outer and outer != "pages" else (match.url_name or match.view_name)


def own_route_message(url_path: str) -> str | None:
    """The error to show when a page would take one of Quire's own URLs, or None."""
    route = quires_own_route(url_path)
    if route is None:
        return None
    return f"the URL {url_path} is Quire's own ({route}), so the page would never be shown; choose another"
