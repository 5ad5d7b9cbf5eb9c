"""Health checks: liveness touches nothing, readiness checks the database and the cache."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pages.site.cache_backend import forget_failures
from tests.test_cache_failures import redis_cache_settings, unused_port


@pytest.mark.django_db
def test_liveness_touches_nothing(client, settings):
    """No database query, no cache, no host check, no HTTPS redirect, never cached."""
    settings.CACHES = redis_cache_settings(unused_port())  # a dead cache is not even tried
    settings.SECURE_SSL_REDIRECT = True
    forget_failures()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/-/health/live", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"
    assert len(queries) == 0
    forget_failures()


@pytest.mark.django_db
def test_readiness_checks_database_and_cache(client):
    response = client.get("/-/health/ready", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "cache": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_a_failing_cache_degrades_readiness_without_failing_it(client, settings):
    """Quire serves without its cache, so the instance stays in rotation unless told otherwise."""
    settings.CACHES = redis_cache_settings(unused_port())
    forget_failures()
    degraded = client.get("/-/health/ready")
    assert degraded.status_code == 200
    report = json.loads(degraded.content)
    assert report["status"] == "degraded" and report["cache"].startswith("unavailable")
    settings.QUIRE_READY_REQUIRES_CACHE = True
    assert client.get("/-/health/ready").status_code == 503
    forget_failures()


@pytest.mark.django_db
def test_health_answers_are_never_stored_by_the_page_cache(client):
    client.get("/-/health/ready")
    response = client.get("/-/health/ready")
    assert "ETag" not in response
