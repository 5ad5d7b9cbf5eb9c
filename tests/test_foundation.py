"""Settings, sample content, the first public views and the admin."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from pages.models import Page
from pages.store.site_settings import in_site_nav_order
from tests.conftest import PROJECT_ROOT, SAMPLE_CONTENT


def run_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.DEBUG, settings.CACHES['default']['BACKEND'])"],
        cwd=PROJECT_ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "site_project.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def test_production_settings_refuse_to_start_without_secret_key():
    result = run_settings({})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_settings_start_without_secret_key():
    result = run_settings({"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True")


def test_redis_url_selects_the_redis_cache():
    result = run_settings({"DJANGO_DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert "RedisCache" in result.stdout


def test_a_web_process_loads_neither_the_test_client_nor_the_renderer():
    """A web worker with its URLconf and admin loaded holds no test client (the static build's), no
    markdown engine and no highlighter (imported at the first render): less memory per worker, a
    quicker start for it and for every management command."""
    probe = (
        "import sys; from site_project.wsgi import application; from django.urls import get_resolver; "
        "get_resolver().url_patterns; import pages.admin; "
        "print(sorted(m for m in ('django.test', 'pages.site.static_site', 'markdown_it', 'pygments') "
        "if m in sys.modules))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", probe],
        cwd=PROJECT_ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "site_project.settings", "DJANGO_DEBUG": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.django_db
def test_sample_content_imports_once_and_is_idempotent():
    call_command("import_pages", str(SAMPLE_CONTENT), verbosity=0)
    count = Page.objects.count()
    assert count == len(list(SAMPLE_CONTENT.glob("*.md")))
    call_command("import_pages", str(SAMPLE_CONTENT), verbosity=0)
    assert Page.objects.count() == count


@pytest.mark.django_db
def test_home_shows_the_root_page_and_sidebar_in_nav_order(client):
    call_command("import_pages", str(SAMPLE_CONTENT), verbosity=0)
    html = client.get("/").content.decode()
    assert "Welcome to Quire" in html
    positions = [html.index(f">{title}</a>") for title in
                 ["Welcome to Quire", "Getting started", "Importing pages", "Deployment"]]  # fmt: skip
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_published_and_nav_order_queryset():
    Page.objects.create(title="B", url_path="/b/", nav_order="2")
    Page.objects.create(title="A", url_path="/a/", nav_order="10")
    Page.objects.create(title="Draft", url_path="/d/", nav_order="1", published=False)
    ordered = in_site_nav_order(Page.objects.published())
    assert [p.title for p in ordered] == ["B", "A"]


@pytest.mark.django_db
def test_unknown_page_is_404(client):
    assert client.get("/no/such/page/").status_code == 404


@pytest.mark.django_db
def test_draft_is_not_public(client):
    Page.objects.create(title="Secret", url_path="/secret/", published=False)
    assert client.get("/secret/").status_code == 404


@pytest.mark.django_db
def test_admin_edit_form_uses_markdownx_and_renders_on_save(admin_client):
    page = Page.objects.create(title="Edit me", url_path="/edit-me/", body="old")
    response = admin_client.get(f"/admin/pages/page/{page.pk}/change/")
    assert response.status_code == 200
    assert "markdownx" in response.content.decode()
    response = admin_client.post(
        f"/admin/pages/page/{page.pk}/change/",
        {"title": "Edit me", "url_path": "/edit-me/", "nav_order": "", "body": "# New heading",
         "status": "published", "base_version": page.version, "has_toc": "on", "description": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    assert '<h1 id="new-heading">New heading<a ' in page.body_html
    assert 'aria-label="Link to this section: New heading"' in page.body_html


@pytest.mark.django_db
def test_local_admin_is_created_once_and_only_in_debug(settings, capsys):
    settings.DEBUG = True
    call_command("ensure_local_admin")
    first = capsys.readouterr().out
    assert "password:" in first
    call_command("ensure_local_admin")
    assert "password:" not in capsys.readouterr().out
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DJANGO_DEBUG=1"):
        call_command("ensure_local_admin")
