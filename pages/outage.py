"""When the database cannot answer: the cached page, marked stale, or a themed 503 — never a 500.

A database that refuses connections, times out (QUIRE_DB_CONNECT_TIMEOUT, QUIRE_DB_STATEMENT_TIMEOUT)
or drops them raises OperationalError or InterfaceError. For a public GET without a session the page
already in the shared cache under the last known content version is served with
`X-Quire-Stale: database-unavailable` and a short max-age; anything else (a page not cached, the admin,
search) gets `503.html` with `Retry-After`. Django closes the broken connection at the end of the
request (CONN_HEALTH_CHECKS), so the next request reconnects: recovery needs no restart.

Raised in a view: `DatabaseOutageMiddleware.process_exception`. Raised in middleware (the page cache's
version lookup): `database_unavailable` called there. Anywhere else: the 500 handler asks
`is_database_outage` first (pages/views.py).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader

from pages.site_state import DATABASE_ERRORS, known_content_version

logger = logging.getLogger("quire.database")

OUTAGE_TEMPLATE = "503.html"


def is_database_outage(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_ERRORS)


def retry_after() -> int:
    return int(getattr(settings, "QUIRE_OUTAGE_RETRY_AFTER", 10))


def unavailable_page() -> HttpResponse:
    """The themed 503: a static template (no database, no context processors) and Retry-After."""
    html = loader.get_template(OUTAGE_TEMPLATE).render(
        {"site_name": settings.QUIRE_SITE_NAME, "retry_after": retry_after()}
    )
    response = HttpResponse(html, status=503)
    response.headers["Retry-After"] = str(retry_after())
    response.headers["Cache-Control"] = "no-store"
    return response


def database_unavailable(request: HttpRequest, error: BaseException | None) -> HttpResponse:
    """The answer to a request the database could not serve: the cached page (stale) or the 503."""
    from pages.caching import cached_page
    from pages.site_state import request_content_version

    if error is not None:
        logger.warning("Database unavailable for %s %s (%s: %s)", request.method, request.path,
                       type(error).__name__, error)  # fmt: skip
    version = getattr(request, "_quire_content_version", None)
    if version is None:
        try:
            version = request_content_version(request)
        except DATABASE_ERRORS:
            version = known_content_version()
    if version is not None:
        cached = cached_page(request, version)
        if cached is not None:
            return cached
    response = unavailable_page()
    response._has_been_logged = True  # said once above, not again as a server error per request
    return response


class DatabaseOutageMiddleware:
    """Turns a view's database outage into `database_unavailable`'s answer instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if is_database_outage(exception):
            return database_unavailable(request, exception)
        return None
