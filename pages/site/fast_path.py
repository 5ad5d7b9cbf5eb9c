"""The fast path: a cached public page answered at the WSGI level, before any middleware runs.

`FastPathHandler` is Django's WSGI handler (site_project/wsgi.py) with one step in front. A request
that can only get a cached public page — GET or HEAD, no query string, no session cookie, not the
admin, editor, health or file URLs — whose host Django accepts (ALLOWED_HOSTS, as `get_host()` checks
it) and which needs no HTTPS redirect, is answered from the page cache's entry for (release, content
version, host, path) with the final headers the whole middleware stack gave that page when it was stored
(security headers, CSP, X-Frame-Options, ...). Anything else, and any doubt (no entry yet, an entry
stored for the other scheme, `If-Match`, the database down without a known version), goes through
the whole stack as before, which stores the entry for the next request.

Freshness: the content version is read on every request exactly as the middleware reads it (from the
shared cache, `site_state.shared_content_version`). Each process keeps the entries it served last in
memory (at most QUIRE_FAST_PATH_MEMORY_MB, least recently used dropped first), keyed by that version,
so a hit costs one small shared-cache read and no unpickling of the page; a save anywhere changes the
version and the next request misses them. Correctness never depends on that copy: it is only used
for the version the shared cache or the database says is current.

A page is sent compressed (brotli or gzip, stored beside it, see pages/site/encodings.py) when the
client's Accept-Encoding prefers it, with its own ETag; `If-None-Match` / `If-Modified-Since` get
the same 304 as through the middleware, and with the database down a cached page is served with
`X-Quire-Stale` as `pages.site.caching.database_unavailable` does. QUIRE_FAST_PATH=0 turns the fast path off.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest, get_path_info, get_script_name
from django.core.signals import setting_changed
from django.db import close_old_connections
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host

from pages.site import caching, encodings
from pages.store.site_state import DATABASE_ERRORS, shared_content_version

_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
_NOT_HANDLED = ("HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")


@dataclass(frozen=True)
class _Config:
    """The settings a hit reads, read once (Django's settings object costs a microsecond per read)."""

    enabled: bool
    responses: bool
    session_cookie: str
    ssl_redirect: bool
    allowed_hosts: tuple[str, ...]
    uncached: tuple[str, ...]
    memory_limit: int
    forwarded_host: bool
    forwarded_port: bool
    proxy_ssl_header: tuple[str, str] | None


@functools.cache
def _config() -> _Config:
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]  # as HttpRequest.get_host() allows them
    return _Config(
        enabled=bool(getattr(settings, "QUIRE_FAST_PATH", True)),
        responses=caching.responses_enabled(),
        session_cookie=settings.SESSION_COOKIE_NAME,
        ssl_redirect=bool(settings.SECURE_SSL_REDIRECT),
        allowed_hosts=tuple(allowed),
        uncached=caching.uncached_prefixes(),
        memory_limit=int(float(getattr(settings, "QUIRE_FAST_PATH_MEMORY_MB", 16)) * 2**20),
        forwarded_host=bool(settings.USE_X_FORWARDED_HOST),
        forwarded_port=bool(settings.USE_X_FORWARDED_PORT),
        proxy_ssl_header=tuple(proxy_header) if (proxy_header := settings.SECURE_PROXY_SSL_HEADER) else None,
    )


def _settings_changed(**_kwargs) -> None:
    _config.cache_clear()
    _memory.clear()  # the held header lists follow settings too (QUIRE_PUBLIC_MAX_AGE)


setting_changed.connect(_settings_changed, dispatch_uid="quire-fast-path-settings")


def enabled() -> bool:
    return _config().enabled


@dataclass(frozen=True)
class _Held:
    """One entry kept in this process, with its answers' headers made once per coding."""

    entry: caching.CachedResponse
    headers: dict[str, list[tuple[str, str]]]  # per coding ("" = identity), Cache-Control last
    size: int


class _Memory:
    """The entries of one content version this process served last, least recently used dropped first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: int | None = None
        self.entries: OrderedDict[str, _Held] = OrderedDict()
        self.size = 0

    def get(self, key: str, version: int) -> _Held | None:
        with self.lock:
            if version != self.version:
                return None
            held = self.entries.get(key)
            if held is not None:
                self.entries.move_to_end(key)
            return held

    def put(self, key: str, version: int, held: _Held) -> None:
        limit = _config().memory_limit
        with self.lock:
            if version != self.version:
                self.version, self.entries, self.size = version, OrderedDict(), 0
            if held.size > limit // 4:
                return
            old = self.entries.pop(key, None)
            self.size += held.size - (old.size if old else 0)
            self.entries[key] = held
            while self.size > limit and self.entries:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= dropped.size

    def drop(self, key: str) -> None:
        with self.lock:
            held = self.entries.pop(key, None)
            if held is not None:
                self.size -= held.size

    def clear(self) -> None:
        with self.lock:
            self.version, self.entries, self.size = None, OrderedDict(), 0


_memory = _Memory()


def forget() -> None:
    """Drop this process's copies (tests)."""
    _memory.clear()


def _hold(entry: caching.CachedResponse) -> _Held:
    headers = {}
    for coding in ("", *entry.encoded):
        response = caching.full_answer(entry, coding)
        cache_control = response.headers["Cache-Control"]
        del response.headers["Cache-Control"]
        headers[coding] = [*response.items(), *entry.outer_headers, ("Cache-Control", cache_control)]
    size = len(entry.content) + sum(len(data) for data in entry.encoded.values())
    return _Held(entry=entry, headers=headers, size=size)


def _eligible(environ, config: _Config) -> bool:
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
        return False
    cookie = environ.get("HTTP_COOKIE")
    if cookie and config.session_cookie in parse_cookie(cookie):
        return False  # a session may be a logged-in editor's: the whole stack decides
    return not any(name in environ for name in _NOT_HANDLED)


def _django_answer(response: HttpResponse, outer) -> tuple[str, list, bytes]:
    for name, value in outer:
        if name not in response.headers:
            response.headers[name] = value
    return f"{response.status_code} {response.reason_phrase}", list(response.items()), response.content


def _host(environ, config: _Config, scheme: str) -> str:
    """HttpRequest._get_raw_host()."""
    if config.forwarded_host and "HTTP_X_FORWARDED_HOST" in environ:
        return environ["HTTP_X_FORWARDED_HOST"]
    if "HTTP_HOST" in environ:
        return environ["HTTP_HOST"]
    host = environ["SERVER_NAME"]  # PEP 333's reconstruction, as HttpRequest does it
    if config.forwarded_port and "HTTP_X_FORWARDED_PORT" in environ:
        port = environ["HTTP_X_FORWARDED_PORT"]
    else:
        port = str(environ["SERVER_PORT"])
    return host if port == ("443" if scheme == "https" else "80") else f"{host}:{port}"


def _scheme(environ, config: _Config) -> str:
    """HttpRequest.scheme, SECURE_PROXY_SSL_HEADER included."""
    if config.proxy_ssl_header:
        header, secure_value = config.proxy_ssl_header
        value = environ.get(header)
        if value is not None:
            return "https" if value.split(",", 1)[0].strip() == secure_value else "http"
    return environ.get("wsgi.url_scheme", "http")


def answer(environ) -> tuple[str, list, bytes] | None:
    """(status, headers, body) for a request the fast path can answer, else None (see the module).

    Host, scheme and path are worked out as Django's WSGIRequest does; a request object is only made
    for the rare answers that need Django's own code (conditional requests, the database down)."""
    config = _config()
    if not (config.responses and _eligible(environ, config)):
        return None
    path_info = get_path_info(environ) or "/"
    path = "{}/{}".format(get_script_name(environ).rstrip("/"), path_info.replace("/", "", 1))
    if path.startswith(config.uncached):
        return None
    scheme = _scheme(environ, config)
    host = _host(environ, config, scheme)
    domain, _port = split_domain_port(host)
    if not (domain and validate_host(domain, config.allowed_hosts)):
        return None  # the whole stack answers 400 (HttpRequest.get_host) and logs it
    if config.ssl_redirect and scheme != "https":
        return None  # the whole stack redirects
    try:
        # Django closes broken or expired connections when a request starts; here only if one is used.
        version, stale = shared_content_version(before_query=close_old_connections)
    except DATABASE_ERRORS:
        return None  # no version known at all: the whole stack answers 503
    key = caching.cache_key("page", version, host, path)
    held = _memory.get(key, version)
    if held is None:
        entry = caching._cache().get(key)
        if entry is None or entry.outer_headers is None:
            return None
        held = _hold(entry)
        _memory.put(key, version, held)
    entry = held.entry
    if entry.scheme != scheme:
        return None  # stored over the other scheme (HSTS differs): the middleware answers
    if entry.horizon is not None and time.time() >= entry.horizon:
        _memory.drop(key)  # a scheduled page has gone live since: render again
        return None
    if stale or any(name in environ for name in _CONDITIONAL):
        response = caching._public_response(WSGIRequest(environ), entry)
        return _django_answer(caching._mark_stale(response) if stale else response, entry.outer_headers)
    coding = encodings.choose(environ.get("HTTP_ACCEPT_ENCODING", ""), entry.encoded)
    headers = held.headers[coding]
    if entry.horizon is not None:  # max-age runs out when the next scheduled page goes live
        max_age = caching.public_max_age(entry)
        headers = [*headers[:-1], ("Cache-Control", f"public, max-age={max_age}")]
    return "200 OK", list(headers), entry.encoded[coding] if coding else entry.content


class FastPathHandler(WSGIHandler):
    """Django's WSGI handler, answering cached public pages first (see the module)."""

    def __call__(self, environ, start_response):
        if enabled():
            found = answer(environ)
            if found is not None:
                status, headers, body = found
                start_response(status, headers)
                return [body]
            environ[caching.FAST_PATH_STORES] = True
        return super().__call__(environ, start_response)

    def get_response(self, request):
        response = super().get_response(request)
        if request.META.get(caching.FAST_PATH_STORES):
            caching.store_final(request, response)
        return response
