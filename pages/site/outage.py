"""When the database cannot answer: a themed 503 — never a 500 — when no cached page can answer.

A database that refuses connections, times out (QUIRE_DB_CONNECT_TIMEOUT, QUIRE_DB_STATEMENT_TIMEOUT)
or drops them raises OperationalError or InterfaceError. For a public GET without a session the page
already in the shared cache under the last known content version is served with
`X-Quire-Stale: database-unavailable` and a short max-age; anything else (a page not cached, the admin,
search) gets `503.html` with `Retry-After`. Django closes the broken connection at the end of the
request (CONN_HEALTH_CHECKS), so the next request reconnects: recovery needs no restart.

The cached page is the page cache's to find (`pages.site.caching.database_unavailable`, and its
`DatabaseOutageMiddleware` for an outage raised in a view); this module is the 503 itself and the test
of what counts as an outage. Anywhere else: the 500 handler asks `is_database_outage` first
(pages/site/views.py).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.template import loader

from pages.store.site_state import DATABASE_ERRORS

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
