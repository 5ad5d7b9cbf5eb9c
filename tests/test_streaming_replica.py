"""DATABASE_REPLICA_URL against a real streaming replica (tests/pg_streaming.py): a PostgreSQL primary
and its hot standby in a scratch folder, Quire on gunicorn in front of them, as production runs it.

Which server answered a page's query is read from the servers' own statement logs (`log_statement=all`;
Quire's connections carry the application name `quire-web`). The test proves:
1. once the standby has replayed the content version, public page reads are answered by the standby,
   not the primary;
2. with replay paused on the standby, an edit on the primary is served at once (from the primary) and
   stays fresh: nothing older is cached under the new version; once replay resumes and catches up,
   public reads go to the standby again;
3. with the standby stopped, public pages, search and the sitemap still answer 200 from the primary.
"""

import uuid

import pytest

from tests.pg_streaming import streaming_pair, wait_for
from tests.servers import Gunicorn, base_environment, manage, redis_url

PAGES = ("alpha", "beta", "gamma", "delta", "epsilon")
VERSION_SQL = "SELECT content_version FROM pages_sitestate WHERE id = 1"
WEB = "app=quire-web "


def write_page(folder, slug: str, text: str) -> None:
    (folder / f"{slug}.md").write_text(f"---\ntitle: {slug.title()}\n---\n{text}\n")


def page_queries(log: str, slug: str) -> list[str]:
    """Lines of a statement log where Quire's web workers looked up the page at /slug/."""
    lines = log.splitlines()
    return [line for line in lines if WEB in line and "pages_page" in line and f"'/{slug}/'" in line]


class LogWatch:
    """The part of each server's log written since the last `mark()`."""

    def __init__(self, pair) -> None:
        self.pair = pair
        self.mark()

    def mark(self) -> None:
        self.offsets = {c.name: len(c.log_text()) for c in (self.pair.primary, self.pair.replica)}

    def since(self, cluster) -> str:
        return cluster.log_text()[self.offsets[cluster.name] :]


@pytest.fixture
def replicated_site(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    for slug in PAGES:
        write_page(content, slug, f"{slug.title()} original text")
    with streaming_pair("quire") as pair:
        primary, replica = pair.primary.url("quire"), pair.replica.url("quire")
        cache = {}
        if redis := redis_url():  # shared like production (imports included), under keys of this run's own
            cache = {"REDIS_URL": redis, "QUIRE_CACHE_PREFIX": f"quire-streaming-{uuid.uuid4().hex[:12]}"}
        manage_env = base_environment(DATABASE_URL=primary, PGAPPNAME="quire-manage", **cache)
        manage(manage_env, "migrate", "--noinput")
        manage(manage_env, "import_pages", str(content))
        web_env = base_environment(
            DATABASE_URL=primary, DATABASE_REPLICA_URL=replica, PGAPPNAME="quire-web", **cache
        )
        server = Gunicorn(web_env, log=tmp_path / "gunicorn.log")
        try:
            yield pair, server, content, manage_env
        finally:
            server.stop()


def versions(pair) -> tuple[int, int]:
    return tuple(pair.psql(cluster, "quire", VERSION_SQL)[0][0] for cluster in (pair.primary, pair.replica))


def caught_up(pair) -> bool:
    """The standby shows the primary's content version (False while it has not replayed the row yet)."""
    rows = [pair.psql(cluster, "quire", VERSION_SQL) for cluster in (pair.primary, pair.replica)]
    return all(rows) and rows[0][0][0] == rows[1][0][0]


def test_public_reads_follow_a_streaming_replica_while_it_keeps_up(replicated_site):
    pair, server, content, manage_env = replicated_site
    wait_for(lambda: caught_up(pair), "the standby to replay the import")
    logs = LogWatch(pair)

    # 1. Caught up: the page's query runs on the standby only.
    answer = server.get("/alpha/")
    assert answer.status == 200 and b"Alpha original text" in answer.body
    assert page_queries(logs.since(pair.replica), "alpha"), "the standby did not answer the page query"
    assert not page_queries(logs.since(pair.primary), "alpha"), "the primary answered a caught-up read"

    # 2. Replay paused: an edit on the primary is served at once, from the primary.
    pair.psql(pair.replica, "quire", "SELECT pg_wal_replay_pause()")
    wait_for(
        lambda: pair.psql(pair.replica, "quire", "SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused",
        "the standby to pause replay",
    )
    write_page(content, "alpha", "Alpha edited on the primary")
    manage(manage_env, "import_pages", str(content))
    primary_version, replica_version = versions(pair)
    assert replica_version < primary_version, "the standby replayed the edit although paused"
    logs.mark()
    for _ in range(2):  # the first answer renders, the second comes from the cache: both fresh
        answer = server.get("/alpha/")
        assert answer.status == 200
        assert b"Alpha edited on the primary" in answer.body and b"Alpha original text" not in answer.body
    answer = server.get("/beta/")
    assert answer.status == 200 and b"Beta original text" in answer.body
    assert page_queries(logs.since(pair.primary), "alpha") and page_queries(logs.since(pair.primary), "beta")
    assert not page_queries(logs.since(pair.replica), "alpha"), "a lagging standby was read"
    assert not page_queries(logs.since(pair.replica), "beta"), "a lagging standby was read"

    # ... and once replay resumes and catches up, reads go to the standby again.
    pair.psql(pair.replica, "quire", "SELECT pg_wal_replay_resume()")
    wait_for(lambda: caught_up(pair), "the standby to catch up after resuming")
    logs.mark()
    answer = server.get("/gamma/")
    assert answer.status == 200 and b"Gamma original text" in answer.body
    assert page_queries(logs.since(pair.replica), "gamma"), "the caught-up standby was not read again"
    assert not page_queries(logs.since(pair.primary), "gamma")
    answer = server.get("/alpha/")
    assert b"Alpha edited on the primary" in answer.body and b"Alpha original text" not in answer.body

    # 3. The standby stopped: public pages, search and the sitemap answer from the primary.
    pair.stop(pair.replica, mode="fast")
    logs.mark()
    answer = server.get("/delta/")
    assert answer.status == 200 and b"Delta original text" in answer.body
    assert page_queries(logs.since(pair.primary), "delta")
    assert server.get("/epsilon/").status == 200
    search = server.get("/search/?q=epsilon")
    assert search.status == 200 and b"Epsilon" in search.body
    assert server.get("/sitemap.xml").status == 200
    assert b"Alpha edited on the primary" in server.get("/alpha/").body


def test_the_opt_out_is_explicit(monkeypatch):
    """Missing PostgreSQL binaries fail the test by name; only QUIRE_TEST_STREAMING_REPLICA=0 skips it."""
    from tests import pg_streaming

    monkeypatch.setenv("PG_BIN_DIR", "/nonexistent")
    monkeypatch.setattr(pg_streaming.glob, "glob", lambda pattern: [])
    monkeypatch.delenv(pg_streaming.OPT_OUT, raising=False)
    with pytest.raises(pytest.fail.Exception, match="initdb, pg_ctl, pg_basebackup, postgres"):
        pg_streaming.postgres_bin_dir()
    monkeypatch.setenv(pg_streaming.OPT_OUT, "0")
    with pytest.raises(pytest.skip.Exception, match="QUIRE_TEST_STREAMING_REPLICA=0"):
        pg_streaming.postgres_bin_dir()
