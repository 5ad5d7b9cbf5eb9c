"""Gunicorn on PostgreSQL through a TCP proxy that is stopped, hung and restarted: the database blip.

During the outage cached pages are served stale (marked), the rest is a 503 with Retry-After, never a
500; when the proxy is back the same server recovers without a restart.
"""

import time
import uuid

import pytest

from tests.servers import (
    Gunicorn,
    base_environment,
    create_postgres_database,
    drop_postgres_database,
    free_port,
    manage,
    postgres_available,
    postgres_port,
    postgres_url,
    redis_url,
    release_port,
)
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.skipif(
    not postgres_available(), reason="needs PostgreSQL on 127.0.0.1 (.ci/run starts it)"
)


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "index.md").write_text("---\ntitle: Home\nnav_order: 1\n---\nWelcome home\n")
    (folder / "guide.md").write_text("---\ntitle: Guide\nnav_order: 2\n---\nGuide text\n")
    (folder / "other.md").write_text("---\ntitle: Other\nnav_order: 3\n---\nOther text\n")
    return folder


@pytest.fixture
def proxied_server(tmp_path, content):
    name = create_postgres_database("outage")
    proxy_port = free_port()
    proxy = TcpProxy(proxy_port, "127.0.0.1", postgres_port())
    proxy.start()
    cache = redis_url()
    env = base_environment(
        DATABASE_URL=postgres_url(name, proxy_port),
        QUIRE_VERSION_MAX_AGE="1",
        QUIRE_DB_RETRY_AFTER="1",
        QUIRE_DB_CONNECT_TIMEOUT="2",
        QUIRE_OUTAGE_RETRY_AFTER="7",
        QUIRE_CACHE_PREFIX=f"outage-{uuid.uuid4().hex}",
        **({"REDIS_URL": cache} if cache else {}),
    )
    manage({**env, "DATABASE_URL": postgres_url(name)}, "migrate", "--noinput")
    manage({**env, "DATABASE_URL": postgres_url(name)}, "import_pages", str(content))
    server = Gunicorn(env, workers=2 if cache else 1, log=tmp_path / "gunicorn.log")
    try:
        yield server, proxy
    finally:
        server.stop()
        proxy.stop()
        release_port(proxy_port)
        drop_postgres_database(name)


def until(condition, what: str, seconds: float = 10) -> None:
    """Poll `condition` until it holds; fail after `seconds`."""
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, f"never: {what} (within {seconds} s)"
        time.sleep(0.1)


def test_database_blip_serves_stale_or_503_and_recovers(proxied_server):
    server, proxy = proxied_server
    statuses = []

    def fetch(path):
        answer = server.get(path)
        statuses.append(answer.status)
        return answer

    warm = [fetch("/guide/") for _ in range(6)]
    assert all(a.status == 200 and b"Guide text" in a.body for a in warm)
    assert fetch("/-/health/ready").status == 200

    proxy.stop()  # the database goes away: open connections are cut, new ones refused

    # Once QUIRE_VERSION_MAX_AGE (1 s) has passed the content version must come from the database,
    # which is gone: from then on every worker serves cached pages stale.
    def served_stale_by_every_worker():
        answers = [fetch("/guide/") for _ in range(6)]
        assert all(a.status == 200 and b"Guide text" in a.body for a in answers)
        return all(a.headers.get("X-Quire-Stale") == "database-unavailable" for a in answers)

    until(served_stale_by_every_worker, "six answers in a row served stale")
    missing = fetch("/other/")
    assert missing.status == 503 and missing.headers["Retry-After"] == "7"
    assert b"Temporarily unavailable" in missing.body
    assert fetch("/-/health/live").status == 200
    assert fetch("/-/health/ready").status == 503

    proxy.hang()  # a database that accepts connections and never answers
    # Not a wait for an event: the time under test. After QUIRE_DB_RETRY_AFTER (1 s) without asking,
    # the next request asks the database again, and the hung one must not hold it.
    time.sleep(1.2)
    started = time.monotonic()
    hung = fetch("/other/")
    waited = time.monotonic() - started
    assert hung.status == 503
    assert waited < 15, f"a hung database held the request {waited:.1f} s (connect timeout is 2 s)"
    assert fetch("/guide/").status == 200

    proxy.start()  # the database is back: the same server recovers, no restart

    # Each worker asks the database again once its QUIRE_DB_RETRY_AFTER (1 s) has passed.
    def recovered_in_every_worker():
        answers = [fetch("/other/") for _ in range(4)] + [fetch("/guide/") for _ in range(4)]
        return all(a.status == 200 and "X-Quire-Stale" not in a.headers for a in answers)

    until(recovered_in_every_worker, "eight answers in a row fresh from the database")
    assert fetch("/-/health/ready").status == 200
    assert 500 not in statuses
