"""A Redis that is down or hung degrades requests (logged, served without the cache), never a 500."""

import logging
import socket
import threading

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches

from pages.models import Page
from pages.site.cache_backend import ResilientRedisCache, forget_failures

PORTS = range(8620, 8640)


def unused_port() -> int:
    """A port in this suite's range on which nothing listens."""
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.fail(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


class SilentServer:
    """Accepts connections and never answers (a hung Redis); counts the connections it accepted."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", unused_port()))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def redis_cache_settings(port: int, timeout: float = 0.2) -> dict:
    return {
        "default": {
            "BACKEND": "pages.site.cache_backend.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/3",
            "KEY_PREFIX": "quire-test-failures",
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout, "retry_after": 30},
        }
    }


@pytest.fixture
def site(db):
    home = Page.objects.create(title="Home", url_path="/", body_html="<p>Welcome home</p>", nav_order="1")
    guide = Page.objects.create(title="Guide", url_path="/guide/", body_html="<p>Guide text</p>")
    return {"home": home, "guide": guide}


@pytest.fixture
def dead_redis(settings):
    settings.CACHES = redis_cache_settings(unused_port())
    forget_failures()
    yield
    forget_failures()


@pytest.fixture
def hung_redis(settings):
    server = SilentServer()
    settings.CACHES = redis_cache_settings(server.port)
    forget_failures()
    yield server
    forget_failures()
    server.close()


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("admin", "admin@example.com", "right-password-123")


def test_the_cache_in_use_is_the_resilient_backend(dead_redis):
    assert isinstance(caches["default"], ResilientRedisCache)


def test_pages_are_served_with_redis_on_a_dead_port(client, site, dead_redis, caplog):
    """Every public URL answers as without a cache, and the failure is logged once."""
    with caplog.at_level(logging.WARNING, logger="quire.cache"):
        for url in ("/", "/guide/", "/guide/", "/search/?q=guide", "/sitemap.xml", "/feed.xml"):
            response = client.get(url)
            assert response.status_code == 200, url
    assert b"Guide text" in client.get("/guide/").content
    warnings = [r for r in caplog.records if r.name == "quire.cache"]
    assert len(warnings) == 1 and "Cache unavailable" in warnings[0].getMessage()


def test_a_save_is_served_at_once_with_redis_down(client, site, dead_redis):
    """Without the cache nothing can be stale: an edit shows on the next request."""
    assert b"Guide text" in client.get("/guide/").content
    guide = site["guide"]
    guide.body_html = "<p>Edited while Redis is down</p>"
    guide.save()
    assert b"Edited while Redis is down" in client.get("/guide/").content


def test_admin_login_works_with_redis_on_a_dead_port(client, staff, dead_redis):
    """The login form, a login, and the admin index need no Redis (sessions and throttling are in the
    database)."""
    assert client.get("/admin/login/").status_code == 200
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": "right-password-123"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/pages/page/").status_code == 200


def test_login_throttling_works_with_redis_down(client, staff, dead_redis, settings):
    """Failed logins are still counted and locked out (django-axes keeps them in the database)."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    locked = client.post("/admin/login/", {"username": "admin", "password": "right-password-123"})
    assert locked.status_code == 429


def test_pages_are_served_with_a_redis_that_never_answers(client, site, hung_redis):
    """A hung Redis costs one short socket timeout, then this process skips it: the page is a 200 and
    later requests do not connect again while the retry interval runs."""
    assert client.get("/guide/").status_code == 200
    connections_after_first = len(hung_redis.accepted)
    assert connections_after_first >= 1  # it did try Redis
    for url in ("/guide/", "/", "/search/?q=home"):
        assert client.get(url).status_code == 200
    assert len(hung_redis.accepted) == connections_after_first


def test_admin_login_with_a_redis_that_never_answers(client, staff, hung_redis):
    assert client.get("/admin/login/").status_code == 200
    assert client.login(username="admin", password="right-password-123")
    assert client.get("/admin/").status_code == 200


def test_every_cache_call_fails_soft(dead_redis):
    """The backend's calls answer as an empty cache would instead of raising."""
    cache = caches["default"]
    assert cache.get("k", "fallback") == "fallback"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
    assert cache.delete("k") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.get_or_set("k", 5) == 5
    assert cache.has_key("k") is False
    assert cache.touch("k") is False
    assert cache.set_many({"a": 1}) == ["a"]
    cache.delete_many(["a"])
    with pytest.raises(ValueError):
        cache.incr("k")


def test_a_connection_the_server_closed_is_replaced_without_degrading(settings, caplog):
    """Cache reads keep one connection per process; when Redis closes it (a restart, an idle timeout),
    the read is sent again on a new one: answered, and the cache is not marked down."""
    from tests.servers import real_redis_caches

    settings.CACHES = real_redis_caches("quire-test-held-connection")
    url = settings.CACHES["default"]["LOCATION"]
    forget_failures()
    cache = caches["default"]
    cache.set("probe", (7, 1.5), 30)
    assert cache.get("probe") == (7, 1.5)
    held = cache._cache._held.connection[1]
    held.send_command("CLIENT", "ID")
    own_id = held.read_response()
    import redis

    redis.Redis.from_url(url).client_kill_filter(_id=own_id)
    with caplog.at_level(logging.WARNING, logger="quire.cache"):
        assert cache.get("probe") == (7, 1.5)
        assert cache.get("missing", "default") == "default"
    assert not any("unavailable" in record.getMessage() for record in caplog.records)
    cache.delete("probe")
