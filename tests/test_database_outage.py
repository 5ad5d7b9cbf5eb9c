"""A database that cannot answer: cached pages served stale (marked), everything else a themed 503."""

import json
import logging

import pytest
from django.db import OperationalError, connection
from django.test import Client

from pages.models import Page
from pages.site import caching
from pages.site.caching import DatabaseOutageMiddleware
from pages.site.views import server_error
from pages.store import site_state

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site():
    Page.objects.create(title="Home", url_path="/", body_html="<p>Welcome home</p>", nav_order="1")
    Page.objects.create(title="Guide", url_path="/guide/", body_html="<p>Guide text</p>", nav_order="2")
    Page.objects.create(title="Other", url_path="/other/", body_html="<p>Other text</p>", nav_order="3")


@pytest.fixture
def reader():
    """A test client that shows what a reader gets (the 500 handler's page, not a raised exception)."""
    return Client(raise_request_exception=False)


class DatabaseSwitch:
    """Makes every new cursor on the default connection fail, as a refused connection does."""

    def __init__(self, monkeypatch) -> None:
        self.monkeypatch = monkeypatch

    def down(self) -> None:
        def refuse(*args, **kwargs):
            raise OperationalError("connection refused (test outage)")

        self.monkeypatch.setattr(connection, "_cursor", refuse)

    def up(self) -> None:
        self.monkeypatch.undo()
        site_state.forget_database_failures()


@pytest.fixture
def database(monkeypatch):
    switch = DatabaseSwitch(monkeypatch)
    yield switch
    monkeypatch.undo()


def test_cached_page_is_served_stale_and_others_get_503(reader, site, database, settings, caplog):
    settings.QUIRE_VERSION_MAX_AGE = 0  # every request asks the database for the content version
    settings.QUIRE_OUTAGE_RETRY_AFTER = 12
    warm = reader.get("/guide/")
    assert warm.status_code == 200 and "X-Quire-Stale" not in warm
    database.down()
    with caplog.at_level(logging.WARNING, logger="quire.database"):
        stale = reader.get("/guide/")
        assert stale.status_code == 200
        assert stale.content == warm.content
        assert stale["X-Quire-Stale"] == "database-unavailable"
        assert stale["Cache-Control"] == "public, max-age=5"

        missing = reader.get("/other/")
    assert missing.status_code == 503
    assert missing["Retry-After"] == "12"
    assert missing["Cache-Control"] == "no-store"
    text = missing.content.decode()
    assert "Temporarily unavailable" in text and "site.css" in text  # the themed page
    assert any("Database unavailable" in record.getMessage() for record in caplog.records)

    database.up()
    fresh = reader.get("/guide/")
    assert fresh.status_code == 200 and "X-Quire-Stale" not in fresh
    assert reader.get("/other/").status_code == 200


def test_no_known_version_and_no_database_is_a_503(reader, site, database):
    """Nothing in the cache at all (a cold start during the outage): 503, not 500."""
    database.down()
    response = reader.get("/guide/")
    assert response.status_code == 503
    assert response["Retry-After"]


def test_admin_and_search_get_503_during_an_outage(reader, site, database, settings):
    settings.QUIRE_VERSION_MAX_AGE = 0
    reader.get("/guide/")
    database.down()
    for url in ("/admin/pages/page/", "/search/?q=guide", "/search.json?q=guide", "/sitemap.xml"):
        assert reader.get(url).status_code in (302, 503), url
    response = reader.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 503


def test_recent_shared_version_serves_hits_without_asking_the_database(client, site, database, settings):
    """Within QUIRE_VERSION_MAX_AGE a cached page needs no database at all: served, not even stale."""
    settings.QUIRE_VERSION_IN_CACHE = True
    warm = client.get("/guide/")
    database.down()
    hit = client.get("/guide/")
    assert hit.status_code == 200 and hit.content == warm.content
    assert "X-Quire-Stale" not in hit


def test_after_a_failure_the_database_is_asked_again_only_after_the_retry_interval(
    reader, site, database, settings, monkeypatch
):
    """A hung database would hold each request for the connect timeout: after one failure this process
    serves from the last known version without asking, until QUIRE_DB_RETRY_AFTER has passed."""
    settings.QUIRE_VERSION_MAX_AGE = 0
    settings.QUIRE_DB_RETRY_AFTER = 60
    reader.get("/guide/")
    asked = []
    real = site_state.content_version
    monkeypatch.setattr(site_state, "content_version", lambda: asked.append(1) or real())
    database.down()
    for _ in range(3):
        assert reader.get("/guide/").status_code == 200
    assert len(asked) == 1


def test_health_checks_during_an_outage(client, site, database):
    assert client.get("/-/health/ready").status_code == 200
    database.down()
    assert client.get("/-/health/live").status_code == 200
    ready = client.get("/-/health/ready")
    assert ready.status_code == 503
    report = json.loads(ready.content)
    assert report["status"] == "unavailable" and report["database"].startswith("unavailable")
    database.up()
    assert client.get("/-/health/ready").status_code == 200


def test_middleware_turns_only_database_errors_into_outage_answers(rf, site):
    middleware = DatabaseOutageMiddleware(lambda request: None)
    request = rf.get("/guide/")
    assert middleware.process_exception(request, ValueError("a bug")) is None
    assert middleware.process_exception(request, OperationalError("gone")).status_code == 503


def test_500_handler_answers_503_for_a_database_error_raised_outside_a_view(rf, site):
    request = rf.get("/guide/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503 and response["Retry-After"]
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500


def test_cached_page_helper_ignores_requests_that_are_never_cached(rf, site):
    assert caching.cached_page(rf.get("/guide/?q=1"), 1) is None
    assert caching.cached_page(rf.post("/guide/"), 1) is None
