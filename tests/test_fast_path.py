"""pages/site/fast_path.py: cached public pages answered at the WSGI level, exactly as the whole stack would.

Requests go through the real WSGI application (`FastPathHandler`, as gunicorn calls it); the same
request with the fast path off is what the whole middleware stack answers, and the two must match."""

import gzip
import io

import brotli
import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import OperationalError, connection
from django.test import RequestFactory

from pages.editing.saving import save_page
from pages.models import Page
from pages.site import caching, fast_path
from pages.site.fast_path import FastPathHandler
from pages.store import site_state
from tests.commits import committed

pytestmark = pytest.mark.django_db(transaction=True)

GUIDE_TEXT = "Guide text, long enough to be worth compressing. " * 60


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status_code = int(status.split()[0])
        self.header_list = headers
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]

    def __contains__(self, name: str) -> bool:
        return name.lower() in self.headers


def call(path: str, method: str = "get", *, secure: bool = False, fast: bool = True, **headers) -> Answer:
    """One request through the WSGI application, as a WSGI server makes it."""
    request = getattr(RequestFactory(), method)(path, secure=secure, headers=headers)
    environ = dict(request.environ)
    environ["wsgi.input"] = io.BytesIO(b"")
    handler = FastPathHandler()
    captured = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"], captured["headers"] = status, response_headers

    if not fast:
        environ_answer = super(FastPathHandler, handler).__call__(environ, start_response)
    else:
        environ_answer = handler(environ, start_response)
    try:
        body = b"".join(environ_answer)
    finally:
        getattr(environ_answer, "close", lambda: None)()
    return Answer(captured["status"], captured["headers"], body)


def comparable(answer: Answer) -> dict[str, str]:
    return {name: value for name, value in answer.headers.items() if name != "date"}


@pytest.fixture
def site(settings):
    settings.QUIRE_VERSION_IN_CACHE = True  # the test cache stands for a shared one: no version query
    Page.objects.create(title="Home", url_path="/", body_html="<p>Home</p>", nav_order="1")
    guide = Page.objects.create(
        title="Guide", url_path="/guide/", body_html=f"<p>{GUIDE_TEXT}</p>", nav_order="2"
    )
    return {"guide": guide}


def warm(path: str = "/guide/", **headers) -> Answer:
    """The first request: a miss, answered and stored by the whole stack."""
    first = call(path, **headers)
    assert first.status_code == 200
    stored = fast_path.answer(_environ(path, **headers))
    assert stored is not None, "the entry was not stored for the fast path"
    return first


def _environ(path: str, secure: bool = False, **headers) -> dict:
    environ = dict(RequestFactory().get(path, secure=secure, headers=headers).environ)
    environ["wsgi.input"] = io.BytesIO(b"")
    return environ


def test_hit_is_answered_before_any_middleware_and_without_a_query(
    site, monkeypatch, django_assert_num_queries
):
    first = warm()

    def untouchable(*args, **kwargs):
        raise AssertionError("the middleware stack ran for a cached page")

    monkeypatch.setattr(SessionMiddleware, "process_request", untouchable)
    monkeypatch.setattr(caching.PublicPageCacheMiddleware, "__call__", untouchable)
    with django_assert_num_queries(0):
        hit = call("/guide/")
    assert hit.status_code == 200
    assert hit.body == first.body
    assert GUIDE_TEXT.encode() in hit.body


@pytest.mark.parametrize("encoding", ["", "br", "gzip", "br, gzip", "gzip;q=1, br;q=0.5"])
@pytest.mark.parametrize("method", ["get", "head"])
def test_fast_answer_equals_the_whole_stacks_answer(site, encoding, method):
    warm()
    headers = {"accept-encoding": encoding} if encoding else {}
    hit = call("/guide/", method, **headers)
    full = call("/guide/", method, fast=False, **headers)
    assert hit.status_code == full.status_code == 200
    assert comparable(hit) == comparable(full)
    assert hit.body == full.body
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert name in hit, name


def test_host_not_allowed_is_still_a_400(site, settings):
    warm()
    settings.ALLOWED_HOSTS = ["testserver"]
    assert call("/guide/", host="evil.example").status_code == 400
    assert call("/guide/").status_code == 200


def test_https_redirect_and_hsts_are_kept(site, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    redirect = call("/guide/")
    assert redirect.status_code == 301
    assert redirect["Location"] == "https://testserver/guide/"
    warm(secure=True)
    hit = call("/guide/", secure=True)
    assert hit.status_code == 200
    assert hit["Strict-Transport-Security"].startswith("max-age=3600")
    assert comparable(hit) == comparable(call("/guide/", secure=True, fast=False))
    assert call("/guide/").status_code == 301  # the entry of the https request never answers http


def test_an_entry_stored_over_http_does_not_answer_https(site, settings):
    """HSTS is only sent over https: an entry stored by an http request leaves https to the stack."""
    settings.SECURE_HSTS_SECONDS = 3600
    warm()
    https = call("/guide/", secure=True)
    assert https.status_code == 200
    assert "Strict-Transport-Security" in https


def test_base_url_prefix(site, settings):
    settings.QUIRE_BASEURL = "/docs"
    from pages.store.site_settings import forget_local_site

    forget_local_site()
    first = warm("/docs/guide/")
    assert b'href="/docs/' in first.body
    hit = call("/docs/guide/")
    assert hit.body == first.body
    assert comparable(hit) == comparable(call("/docs/guide/", fast=False))


@pytest.mark.parametrize("encoding", ["", "br", "gzip"])
def test_conditional_get_answers_the_same_304(site, encoding):
    headers = {"accept-encoding": encoding} if encoding else {}
    etag = warm(**headers)["ETag"]
    hit = call("/guide/", if_none_match=etag, **headers)
    full = call("/guide/", fast=False, if_none_match=etag, **headers)
    assert hit.status_code == full.status_code == 304
    assert hit.body == b""
    assert comparable(hit) == comparable(full)
    last_modified = hit["Last-Modified"]
    assert call("/guide/", if_modified_since=last_modified, **headers).status_code == 304
    assert call("/guide/", if_none_match='"0-deadbeef"', **headers).status_code == 200


def test_an_etag_of_one_encoding_does_not_match_another(site):
    identity_etag = warm()["ETag"]
    compressed = call("/guide/", if_none_match=identity_etag, accept_encoding="br")
    assert compressed.status_code == 200
    assert compressed["Content-Encoding"] == "br"
    assert compressed["ETag"] != identity_etag


def test_stale_page_when_the_database_is_down(site, settings, monkeypatch):
    settings.QUIRE_VERSION_MAX_AGE = 0  # every request asks the database for the content version
    first = warm()

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused (test outage)")

    monkeypatch.setattr(connection, "_cursor", refuse)
    stale = call("/guide/")
    assert stale.status_code == 200
    assert stale.body == first.body
    assert stale["X-Quire-Stale"] == "database-unavailable"
    assert stale["Cache-Control"] == "public, max-age=5"
    assert comparable(stale) == comparable(call("/guide/", fast=False))
    assert call("/other/").status_code == 503


def test_logged_in_users_never_get_the_cached_page(site, client):
    warm()
    staff = get_user_model().objects.create_user("editor", password="x" * 12, is_staff=True)
    client.force_login(staff)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    answer = call("/guide/", cookie=cookie)
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "private, no-store"
    assert "Content-Encoding" not in answer
    # another cookie is no reason to skip the cache
    assert call("/guide/", cookie="theme=dark")["Cache-Control"].startswith("public")


def test_a_save_is_served_on_the_next_request(site):
    warm()
    assert GUIDE_TEXT.encode() in call("/guide/").body  # now held in this process's memory too
    guide = site["guide"]
    guide.body = "Saved just now"
    with committed():
        save_page(guide)
    fresh = call("/guide/")
    assert b"Saved just now" in fresh.body
    assert GUIDE_TEXT.encode() not in fresh.body


def test_a_bump_elsewhere_is_seen_at_once(site):
    """Another instance's save reaches this process only through the shared version: the next
    request, not some later one, gets the new page."""
    warm()
    call("/guide/")
    Page.objects.filter(url_path="/guide/").update(body_html="<p>Changed by another instance</p>")
    site_state.bump_content_version()
    assert b"Changed by another instance" in call("/guide/").body


def test_query_strings_and_posts_go_through_the_stack(site):
    warm()
    assert fast_path.answer(_environ("/guide/?x=1")) is None
    assert call("/guide/?x=1").status_code == 200


# ------------------------------------------------------------------------------------------ compression
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("br, gzip", "br"),
        ("gzip, deflate", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0", None),
        ("br;q=0.4, gzip;q=0.8", "gzip"),
        ("*", "br"),
        ("*;q=0, identity", None),
        ("identity", None),
        ("deflate", None),
        ("", None),
    ],
)
def test_accept_encoding_negotiation(site, accept, expected):
    identity = warm()
    headers = {"accept-encoding": accept} if accept else {}
    for fast in (True, False):
        answer = call("/guide/", fast=fast, **headers)
        assert "Accept-Encoding" in answer["Vary"] and "Cookie" in answer["Vary"]
        assert answer.headers.get("content-encoding") == expected
        assert int(answer["Content-Length"]) == len(answer.body)
        decoded = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[expected](answer.body)
        assert decoded == identity.body
        if expected:
            assert len(answer.body) < len(identity.body)


def test_the_middleware_path_compresses_too(site, client):
    client.get("/guide/")
    answer = client.get("/guide/", HTTP_ACCEPT_ENCODING="gzip")
    assert answer["Content-Encoding"] == "gzip"
    assert gzip.decompress(answer.content) == client.get("/guide/").content


def test_small_pages_are_not_compressed(site, settings):
    settings.QUIRE_COMPRESS_MIN_BYTES = 10**7
    answer = warm(accept_encoding="br, gzip")
    assert "Content-Encoding" not in answer
    assert "Accept-Encoding" not in answer["Vary"]
    assert "Content-Encoding" not in call("/guide/", accept_encoding="br, gzip")


def test_uncached_answers_are_not_compressed(site, settings, client):
    settings.QUIRE_CACHE_RESPONSES = False
    answer = client.get("/guide/", HTTP_ACCEPT_ENCODING="br, gzip")
    assert answer.status_code == 200
    assert "Content-Encoding" not in answer


def test_each_worker_keeps_at_most_its_memory_limit_of_one_version(settings):
    settings.QUIRE_FAST_PATH_MEMORY_MB = 1
    memory = fast_path._Memory()
    held = fast_path._Held(entry=None, headers={}, size=200 * 1024)
    for n in range(10):
        memory.put(f"page-{n}", 7, held)
    assert memory.size <= 2**20
    assert memory.get("page-9", 7) is held
    assert memory.get("page-0", 7) is None  # the least recently used went first
    assert memory.get("page-9", 8) is None  # another content version: nothing held is used
    memory.put("page-x", 8, held)
    assert memory.get("page-9", 8) is None and memory.size == held.size
    too_big = fast_path._Held(entry=None, headers={}, size=300 * 1024)  # over a quarter of the limit
    memory.put("big", 8, too_big)
    assert memory.get("big", 8) is None


def test_an_entry_stored_without_the_fast_path_is_completed_by_the_next_request(site, client):
    """A page first stored by the view alone (here through the test client, no fast path in front)
    gets its final headers from the next request through the stack; the one after is a fast hit."""
    stored = client.get("/guide/")
    assert stored.status_code == 200
    assert fast_path.answer(_environ("/guide/")) is None
    completed = call("/guide/")
    assert completed.body == stored.content
    assert fast_path.answer(_environ("/guide/")) is not None
    assert comparable(call("/guide/")) == comparable(completed)
