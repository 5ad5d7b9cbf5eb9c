"""DATABASE_REPLICA_URL: public views read from the replica while it has caught up; the rest uses the
primary. Tested against a second database (two SQLite files whose page text differs), in a separate
process configured as an operator would."""

import json
import sqlite3
import subprocess
import sys

import pytest

from tests.servers import PROJECT_ROOT, base_environment, manage

SCRIPT = r"""
import json, django
django.setup()
from django.contrib.auth.models import User
from django.test import Client
from pages.models import Page

result = {}
reader = Client()
result["public"] = reader.get("/guide/").content.decode()
result["search"] = reader.get("/search.json?q=guide").content.decode()
result["search_page"] = reader.get("/search/?q=guide").content.decode()
from pages.store.search import search
result["search_outside"] = [hit.page_title for hit in search("guide")]
staff = Client()
staff.force_login(User.objects.get(username="admin"))
page = Page.objects.get(url_path="/guide/")
result["orm"] = page.body_html
result["admin"] = staff.get(f"/admin/pages/page/{page.pk}/change/").content.decode()
result["preview"] = staff.get(f"/_preview/{page.pk}/").content.decode()
print(json.dumps(result))
"""


def run(env) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def execute(path, sql, params=()):
    with sqlite3.connect(path) as db:
        db.execute(sql, params)


@pytest.fixture
def databases(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "guide.md").write_text("---\ntitle: Guide\n---\nGuide text\n")
    primary, replica = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    for path in (primary, replica):
        env = base_environment(DATABASE_URL=f"sqlite:///{path}")
        manage(env, "migrate", "--noinput")
        manage(env, "import_pages", str(content))
        execute(path, "UPDATE pages_sitestate SET content_version = 5")
    execute(
        replica,
        "UPDATE pages_page SET body_html = '<p>Text as the replica has it</p>', title = 'Replica title'",
    )
    execute(primary, "UPDATE pages_page SET body_html = '<p>Text as the primary has it</p>'")
    env = base_environment(
        DATABASE_URL=f"sqlite:///{primary}",
        DATABASE_REPLICA_URL=f"sqlite:///{replica}",
        DJANGO_ALLOWED_HOSTS="testserver",
    )
    manage({**env, "DJANGO_SUPERUSER_PASSWORD": "pw-123456789-long"}, "createsuperuser", "--noinput",
           "--username", "admin", "--email", "admin@example.com")  # fmt: skip
    return env, primary, replica


def test_public_views_read_the_replica_and_the_admin_the_primary(databases):
    env, _primary, _replica = databases
    seen = run(env)
    assert "Text as the replica has it" in seen["public"]
    # Search reads the replica too: its hits carry the replica's title; outside a view, the primary's.
    assert [hit["title"] for hit in json.loads(seen["search"])["results"]] == ["Replica title"]
    assert "Replica title" in seen["search_page"]
    assert seen["search_outside"] == ["Guide"]
    assert "Text as the primary has it" in seen["orm"]  # code outside the public views: the primary
    assert "Text as the primary has it" in seen["preview"]  # staff preview: the primary
    assert 'value="Guide"' in seen["admin"] and "Replica title" not in seen["admin"]


def test_a_replica_behind_the_content_version_is_not_read(databases):
    """A lagging replica would file old pages under the new version: the primary answers instead."""
    env, primary, _replica = databases
    execute(primary, "UPDATE pages_sitestate SET content_version = 6")
    seen = run(env)
    assert "Text as the primary has it" in seen["public"]
    assert "Text as the replica has it" not in seen["public"]
    assert [hit["title"] for hit in json.loads(seen["search"])["results"]] == ["Guide"]


def test_an_unreachable_replica_falls_back_to_the_primary(databases, tmp_path):
    env, _primary, _replica = databases
    env = {**env, "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path / 'missing-dir' / 'replica.sqlite3'}"}
    seen = run(env)
    assert "Text as the primary has it" in seen["public"]


def test_a_replica_failing_after_the_version_check_is_left_for_the_primary(databases):
    """The replica answers the version but not the page (lost mid-request, a query cancelled by
    recovery): the reader gets the primary's page, not an error page."""
    env, _primary, replica = databases
    execute(replica, "DROP TABLE pages_page")
    seen = run(env)
    assert "Text as the primary has it" in seen["public"]
    assert [hit["title"] for hit in json.loads(seen["search"])["results"]] == ["Guide"]


BACK_OFF_SCRIPT = r"""
import django
django.setup()
from django.db import connections
import pages.site.db_router as db_router

attempts = []
replica = connections["replica"]
original = replica.ensure_connection
replica.ensure_connection = lambda: (attempts.append(1), original())
seen = [db_router.replica_version() for _ in range(3)]
db_router._replica_down_until = 0.0  # the back-off has run out
seen.append(db_router.replica_version())
print(len(attempts), seen)
"""


def test_a_failed_replica_is_left_alone_for_the_retry_interval(databases, tmp_path):
    """A failing (or hung) replica is asked once per QUIRE_DB_RETRY_AFTER, not on every request."""
    env, _primary, _replica = databases
    env = {**env, "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path / 'missing-dir' / 'replica.sqlite3'}",
           "QUIRE_DB_RETRY_AFTER": "60"}  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", BACK_OFF_SCRIPT], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "2 [None, None, None, None]"
