"""Serving public pages from Django's cache, kept fresh by the site-wide content version.

Two hooks, both keyed by the content version (`pages.store.site_state.shared_content_version()`: read
once per request from the shared cache, whose copy the database owns, so every gunicorn worker, every
machine and the `import_pages` process agree on what is fresh) and by the release
(`pages.site.release.current_release()`: no release serves another's HTML):

- `cache_public_response(view)`: a view decorator. An anonymous GET/HEAD without a query string is
  answered from the cache entry for (URL, content version) when there is one, else the view runs and
  its 200 response is stored. Every public answer carries `ETag`, `Last-Modified`,
  `Cache-Control: public, max-age=...` and `Vary: Cookie`, and conditional requests get 304.
  A request with a session cookie whose user is logged in (staff) never reads or fills the shared
  cache and is answered `Cache-Control: private, no-store`, so staff always see their own page.
- the navigation, built once per content version and shared in pieces by every page and every worker,
  lives in `pages.site.nav_cache` (`site_navigation(request)`) and uses this module's keys and version.

Every write path (an edit, a delete, reordering, an import, a re-render, an export's sync state)
calls `pages.store.site_state.bump_content_version()` once, after its last write; the bump runs when its
transaction commits. Nothing bumps on its own: a `Page.save()` outside those paths leaves cached
pages as they were.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
import zlib
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from pages.site import encodings
from pages.site.outage import is_database_outage, unavailable_page
from pages.site.release import current_release
from pages.store.site_state import (
    DATABASE_ERRORS,
    known_content_version,
    request_content_version,
    request_is_stale,
)

logger = logging.getLogger("quire.database")

PRIVATE_CACHE_CONTROL = "private, no-store"
STALE_HEADER = "X-Quire-Stale"


# ---------------------------------------------------------------------------------------------- settings
def _setting(name: str, default):
    return getattr(settings, name, default)


def _cache():
    return caches[_setting("QUIRE_CACHE_ALIAS", "default")]


def responses_enabled() -> bool:
    return bool(_setting("QUIRE_CACHE_RESPONSES", True))


def nav_enabled() -> bool:
    return bool(_setting("QUIRE_CACHE_NAV", True))


def nav_window() -> int:
    """Most entries of one navigation level written into a page (0: no limit)."""
    return int(_setting("QUIRE_NAV_WINDOW", 150))


def cache_key(kind: str, *parts) -> str:
    """The key of one cached thing of this release: `quire:<release>:<kind>:<parts...>`."""
    return ":".join(["quire", current_release(), kind, *map(str, parts)])


def _entry_timeout(version: int) -> int:
    """Seconds a cache entry of this version may live: the configured timeout, cut short by the next
    scheduled page going live (a future-dated page appears without any save bumping the version)."""
    timeout = int(_setting("QUIRE_CACHE_TIMEOUT", 24 * 3600))
    horizon = next_scheduled_publication(version)
    if horizon is not None:
        timeout = min(timeout, max(1, math.ceil(horizon - time.time())))
    return timeout


def next_scheduled_publication(version: int) -> float | None:
    """When the earliest future-dated page goes live (epoch seconds), or None; cached per version."""
    from pages.models import Page

    key = cache_key("scheduled", version)
    value = _remembered(key)
    if value is None:
        cache = _cache()
        value = cache.get(key)
        if value is None:
            date = Page.objects.scheduled().order_by("date").values_list("date", flat=True).first()
            value = date.timestamp() if date else 0.0
            timeout = int(_setting("QUIRE_CACHE_TIMEOUT", 24 * 3600))
            if value:
                timeout = min(timeout, max(1, math.ceil(value - time.time())))
            cache.set(key, value, timeout)
        _remember(key, value, until=value or None)
    return value or None


def version_last_modified(version: int) -> float:
    """The time this content version was first served (the Last-Modified of every page in it)."""
    key = cache_key("seen", version)
    seen = _remembered(key)
    if seen is None:
        cache = _cache()
        cache.add(key, math.floor(time.time()), int(_setting("QUIRE_CACHE_TIMEOUT", 24 * 3600)))
        seen = cache.get(key)
        if seen is None:  # the cache is down: this answer's own time, not remembered
            return math.floor(time.time())
        _remember(key, seen)
    return seen


# Facts of one content version (when it was first served, when its next scheduled page goes live) are
# fixed once known, so each process remembers the last few instead of asking the shared cache on every
# render. Keyed like the shared entries (release and version), so a new version is never answered from
# here; `until` ends a fact that time makes untrue (the scheduled page has gone live).
_VERSION_FACTS: dict[str, tuple[float, float | None]] = {}
_VERSION_FACTS_KEPT = 64


def _remembered(key: str) -> float | None:
    fact = _VERSION_FACTS.get(key)
    if fact is None or (fact[1] is not None and time.time() >= fact[1]):
        return None
    return fact[0]


def _remember(key: str, value: float, until: float | None = None) -> None:
    if len(_VERSION_FACTS) >= _VERSION_FACTS_KEPT:
        _VERSION_FACTS.clear()
    _VERSION_FACTS[key] = (value, until)


def forget_version_facts() -> None:
    """Drop this process's remembered version facts (tests that roll back to an older version)."""
    _VERSION_FACTS.clear()


# ------------------------------------------------------------------------------------------------ search
SEARCH_RESULTS = 20


def cached_search(request: HttpRequest, query: str, limit: int = SEARCH_RESULTS) -> list:
    """`pages.store.search.search(query, limit)`, cached per content version and release.

    Keyed by a hash of the query's words (all the search looks at), so any text a reader types makes a
    short key; an entry lives QUIRE_SEARCH_CACHE_TIMEOUT seconds at most (an hour by default)."""
    from pages.store import search as site_search

    version = request_content_version(request)
    terms = site_search.query_terms(query)
    if not terms:
        return []
    digest = hashlib.sha256(f"{limit}\n{' '.join(terms)}".encode()).hexdigest()[:32]
    key = cache_key("search", version, digest)
    cache = _cache()
    hits = cache.get(key)
    if hits is None:
        hits = site_search.search(query, limit=limit)
        timeout = min(_entry_timeout(version), int(_setting("QUIRE_SEARCH_CACHE_TIMEOUT", 3600)))
        cache.set(key, hits, timeout)
    return hits


# --------------------------------------------------------------------------------------- page responses
@dataclass(frozen=True)
class CachedResponse:
    content: bytes
    headers: tuple[tuple[str, str], ...]  # replayed on every hit (Content-Type, X-Frame-Options, ...)
    etag: str
    last_modified: float
    horizon: float | None  # when the next scheduled page goes live, as known when stored
    encoded: dict[str, bytes] = field(
        default_factory=dict
    )  # {"br": ..., "gzip": ...} (pages/site/encodings.py)
    # What the middleware outside the page cache added (security headers, CSP), and the scheme of the
    # request that stored it: what the WSGI fast path (pages/site/fast_path.py) replays besides `headers`.
    outer_headers: tuple[tuple[str, str], ...] | None = None
    scheme: str = ""


# Set per hit, or never replayed from a stored response.
_NOT_REPLAYED = {"set-cookie", "date", "content-length", "etag", "last-modified", "cache-control"}
_MIDDLEWARE_LOOKED = "_quire_cache_looked_up"
_PENDING_ENTRY = "_quire_pending_entry"
# Set in the WSGI environ by the fast path: it stores the entry itself, with the final headers.
FAST_PATH_STORES = "quire.fast_path_stores"


def _is_logged_in(request: HttpRequest) -> bool:
    """True for a logged-in user; free for cookie-less requests (no session or user query)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _cacheable_request(request: HttpRequest) -> bool:
    return request.method in ("GET", "HEAD") and not request.META.get("QUERY_STRING") and responses_enabled()


def _response_key(request: HttpRequest, version: int) -> str:
    return cache_key("page", version, request.get_host(), request.path)


def cached_page(request: HttpRequest, version: int) -> HttpResponse | None:
    """This URL's cached public page of `version` as an answer to the request, marked stale; or None.

    What a reader gets when the database cannot answer (`database_unavailable`)."""
    if not (_cacheable_request(request) and settings.SESSION_COOKIE_NAME not in request.COOKIES):
        return None
    entry = _cache().get(_response_key(request, version))
    if entry is None:
        return None
    return _mark_stale(_public_response(request, entry))


def _mark_stale(response: HttpResponse) -> HttpResponse:
    """Served from the cache while the database cannot answer: said in a header, kept briefly by others."""
    response.headers[STALE_HEADER] = "database-unavailable"
    max_age = min(int(_setting("QUIRE_PUBLIC_MAX_AGE", 60)), int(_setting("QUIRE_STALE_MAX_AGE", 5)))
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _replayable_headers(response: HttpResponse) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in response.items() if k.lower() not in _NOT_REPLAYED)


def public_max_age(entry: CachedResponse) -> int:
    """The max-age of a public answer: QUIRE_PUBLIC_MAX_AGE, cut short by the next scheduled page."""
    max_age = int(_setting("QUIRE_PUBLIC_MAX_AGE", 60))
    if entry.horizon is not None:
        max_age = min(max_age, max(0, math.floor(entry.horizon - time.time())))
    return max_age


def encoding_for(request: HttpRequest, entry: CachedResponse) -> str:
    """The content coding this request gets of this entry ("" for the identity)."""
    return encodings.choose(request.META.get("HTTP_ACCEPT_ENCODING", ""), entry.encoded)


def etag_for(entry: CachedResponse, coding: str) -> str:
    """Each coding's bytes have their own ETag (a suffix inside the quotes), so 304s stay exact."""
    return entry.etag[:-1] + encodings.ETAG_SUFFIX[coding] + '"' if coding else entry.etag


def full_answer(entry: CachedResponse, coding: str) -> HttpResponse:
    """The 200 answer of an entry in one coding, before any conditional request is looked at."""
    content = entry.encoded[coding] if coding else entry.content
    response = HttpResponse(content)
    for name, value in entry.headers:
        response.headers[name] = value
    response.headers["ETag"] = etag_for(entry, coding)
    response.headers["Last-Modified"] = http_date(entry.last_modified)
    response.headers["Cache-Control"] = f"public, max-age={public_max_age(entry)}"
    response.headers["Content-Length"] = str(len(content))
    if coding:
        response.headers["Content-Encoding"] = coding
    patch_vary_headers(response, ["Cookie", "Accept-Encoding"] if entry.encoded else ["Cookie"])
    return response


def _public_response(request: HttpRequest, entry: CachedResponse) -> HttpResponse:
    coding = encoding_for(request, entry)
    response = full_answer(entry, coding)
    return get_conditional_response(
        request, etag=response.headers["ETag"], last_modified=int(entry.last_modified), response=response
    )


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "Cache-Control" not in response.headers
        and "Content-Encoding" not in response.headers
    )


def mark_private(response: HttpResponse) -> HttpResponse:
    """Never stored by the browser or any shared cache (staff views, previews)."""
    response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
    patch_vary_headers(response, ["Cookie"])
    return response


def _compress_min_bytes() -> int:
    return int(_setting("QUIRE_COMPRESS_MIN_BYTES", 1024))


def cache_public_response(view):
    """Serve a public view's 200 responses from the cache per (URL, content version); see the module."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if _is_logged_in(request):
            return mark_private(view(request, *args, **kwargs))
        version = request_content_version(request)
        use_cache = _cacheable_request(request)
        key = _response_key(request, version)
        if use_cache and not getattr(request, _MIDDLEWARE_LOOKED, False):
            entry = _cache().get(key)
            if entry is not None:
                response = _public_response(request, entry)
                return _mark_stale(response) if request_is_stale(request) else response
        response = view(request, *args, **kwargs)
        if not _storable(request, response):
            return response
        content = response.content
        entry = CachedResponse(
            content=content,
            headers=_replayable_headers(response),
            etag=f'"{version}-{zlib.crc32(content):08x}"',
            last_modified=version_last_modified(version),
            horizon=next_scheduled_publication(version),
            # Compressed only when stored: with the cache off every request would pay for it.
            encoded=encodings.compress(content, _compress_min_bytes()) if use_cache else {},
        )
        answer = _public_response(request, entry)
        if use_cache:
            if getattr(request, _MIDDLEWARE_LOOKED, False):
                setattr(answer, _PENDING_ENTRY, (key, entry, _entry_timeout(version)))
            else:
                _cache().set(key, entry, _entry_timeout(version))
        return answer

    return wrapper


@functools.cache
def _uncached_prefixes(static_url: str, media_url: str) -> tuple[str, ...]:
    own = ["/admin/", "/markdownx/", "/_preview/", "/-/health/"]
    own += ["/" + url.strip("/") + "/" for url in (static_url, media_url) if url and url.strip("/")]
    return tuple(own)


def uncached_prefixes() -> tuple[str, ...]:
    """URL prefixes the page cache never looks at: the admin, the editor, health checks, files."""
    return _uncached_prefixes(settings.STATIC_URL or "", settings.MEDIA_URL or "")


class PublicPageCacheMiddleware:
    """The fast path: answer cached public pages before sessions, CSRF, auth and URL routing run.

    Put it right after WhiteNoise. Only cookie-less GET/HEAD requests without a query string are
    looked up; on a miss the decorated view runs and this middleware stores its response with the
    headers the inner middleware added (X-Frame-Options, ...), so hits replay them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if (
            _cacheable_request(request)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(uncached_prefixes())
        ):
            try:
                version = request_content_version(request)
            except DATABASE_ERRORS as error:
                return database_unavailable(request, error)
            key = _response_key(request, version)
            entry = _cache().get(key)
            if entry is not None:
                response = _public_response(request, entry)
                if request_is_stale(request):
                    return _mark_stale(response)
                if entry.outer_headers is None and request.META.get(FAST_PATH_STORES):
                    # Stored without the fast path's headers (by the view alone, for a request with a
                    # stale session cookie): the fast path stores them now, so it can answer next time.
                    setattr(response, _PENDING_ENTRY, (key, entry, _entry_timeout(version)))
                return response
            if request_is_stale(request):
                return database_unavailable(request, None)
            setattr(request, _MIDDLEWARE_LOOKED, True)
        response = self.get_response(request)
        pending = getattr(response, _PENDING_ENTRY, None)
        if pending is not None and not response.cookies:
            key, entry, timeout = pending
            entry = replace(entry, headers=_replayable_headers(response))
            if request.META.get(FAST_PATH_STORES):
                # The fast path in front stores it once the outer middleware has added its headers.
                setattr(response, _PENDING_ENTRY, (key, entry, timeout))
            else:
                _cache().set(key, entry, timeout)
        return response


# Set per coding by `full_answer`.
_PER_CODING = {"content-encoding", "vary"}


def store_final(request: HttpRequest, response: HttpResponse) -> None:
    """Store the entry this response left pending, with the headers the outer middleware added (called
    by the fast path with the response the whole middleware stack made)."""
    pending = getattr(response, _PENDING_ENTRY, None)
    if pending is None or response.cookies or response.status_code != 200:
        return
    key, entry, timeout = pending
    inner = {name.lower() for name, _value in entry.headers} | _PER_CODING | _NOT_REPLAYED
    outer = tuple((k, v) for k, v in response.items() if k.lower() not in inner)
    _cache().set(key, replace(entry, outer_headers=outer, scheme=request.scheme), timeout)


# ------------------------------------------------------------------------------------ database outage
def database_unavailable(request: HttpRequest, error: BaseException | None) -> HttpResponse:
    """The answer to a request the database could not serve: the cached page (stale) or the 503."""
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
