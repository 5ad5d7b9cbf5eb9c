"""Security settings: the Content-Security-Policy header and Django's deploy checks."""

import os
import secrets
import subprocess
import sys

import pytest

from pages.models import Page
from tests.conftest import PROJECT_ROOT


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header parsed into directive -> sources."""
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.django_db
def test_public_page_has_a_strict_policy(client):
    """Public pages get a CSP without inline scripts, with object-src, base-uri and frame-ancestors 'none'."""
    Page.objects.create(title="Home", url_path="/", body="x", body_html="<p>x</p>")
    directives = policy(client.get("/"))
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    for sources in directives.values():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources


@pytest.mark.django_db
def test_admin_and_editor_endpoints_have_the_policy_too(admin_client):
    """The admin pages and the editor's preview are served under the same policy."""
    for response in (
        admin_client.get("/admin/"),
        admin_client.post("/markdownx/markdownify/", {"content": "x"}),
    ):
        assert policy(response)["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_the_policy_follows_the_settings_and_leaves_a_views_own_policy_alone(client, settings):
    """The header is written once per settings: changing CSP_DIRECTIVES changes it; a response that
    carries its own policy (the diagram frame) keeps it."""
    Page.objects.create(title="Home", url_path="/", body="x", body_html="<p>x</p>")
    assert policy(client.get("/"))["img-src"] == ["'self'", "https:", "blob:"]
    settings.CSP_DIRECTIVES = {**settings.CSP_DIRECTIVES, "img-src": ["'self'"]}
    settings.QUIRE_CACHE_RESPONSES = False  # the cached answer holds the headers it was sent with
    assert policy(client.get("/"))["img-src"] == ["'self'"]
    frame = policy(client.get("/-/diagram-frame/"))
    assert frame["sandbox"] == ["allow-scripts"] and frame["default-src"] == ["'none'"]


def test_deploy_check_passes_with_production_settings(tmp_path):
    """`manage.py check --deploy --fail-level WARNING` passes with DJANGO_DEBUG unset and a long key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(64)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_when_debug_is_on(tmp_path):
    """The same check fails in development mode (so the passing run above means something)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "security.W018" in result.stderr
