"""Health checks for load balancers and orchestrators, answered before any other middleware.

- `/-/health/live`: liveness. The process is up and answering; touches nothing (no database, no
  cache, no session, no host check), so a database outage never gets a healthy process restarted.
- `/-/health/ready`: readiness. One `SELECT 1` on the database and one write and read of the cache;
  200 when the database answers, 503 (JSON naming what failed) when it does not. A cache that fails
  makes the answer `"status": "degraded"` but still 200, since Quire serves without it (slower);
  QUIRE_READY_REQUIRES_CACHE=1 makes it a 503 too.

Both are `Cache-Control: no-store`, never looked at by the page cache, and a failing readiness check is
logged once per change of state, not once per probe.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

from pages.store.site_state import DATABASE_ERRORS

logger = logging.getLogger("quire.health")

LIVE_PATH = "/-/health/live"
READY_PATH = "/-/health/ready"
_last_state: dict[str, str] = {}
_state_lock = threading.Lock()


def check_database() -> str:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DATABASE_ERRORS as error:
        return f"unavailable: {type(error).__name__}: {error}".strip()
    return "ok"


def check_cache() -> str:
    from pages.site.cache_backend import (
        cache_is_down,  # here: a process that never checks loads no Redis client
    )

    cache = caches[getattr(settings, "QUIRE_CACHE_ALIAS", "default")]
    if cache_is_down(cache):
        return "unavailable: skipped after a recent failure"
    key = f"quire:health:{os.getpid()}"
    token = str(time.time())
    cache.set(key, token, 30)
    if cache.get(key) != token:
        return "unavailable: a value written could not be read back"
    return "ok"


def readiness() -> tuple[int, dict]:
    database, cache = check_database(), check_cache()
    ready = database == "ok" and (cache == "ok" or not getattr(settings, "QUIRE_READY_REQUIRES_CACHE", False))
    status = "ok" if database == cache == "ok" else ("degraded" if ready else "unavailable")
    return (200 if ready else 503), {"status": status, "database": database, "cache": cache}


def _log_change(report: dict) -> None:
    with _state_lock:
        changed = _last_state.get("status") != report["status"]
        _last_state["status"] = report["status"]
    if changed and report["status"] != "ok":
        logger.warning("Readiness: %s (database: %s; cache: %s)", report["status"], report["database"],
                       report["cache"])  # fmt: skip
    elif changed and _last_state:
        logger.info("Readiness: ok")


def _no_store(response: HttpResponse) -> HttpResponse:
    response.headers["Cache-Control"] = "no-store"
    response._has_been_logged = True  # a failing probe is logged once per change, by _log_change
    return response


class HealthCheckMiddleware:
    """Answers the two health URLs itself; every other request passes through untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        path = request.path_info
        if path == LIVE_PATH:
            return _no_store(HttpResponse("ok\n", content_type="text/plain; charset=utf-8"))
        if path == READY_PATH:
            status, report = readiness()
            _log_change(report)
            return _no_store(JsonResponse(report, status=status))
        return self.get_response(request)
