"""Faults: an import killed with SIGKILL changes nothing; two imports at once never interleave.

These run `manage.py import_pages` in real processes against a scratch database of the same kind as
the test run's (a SQLite file, or a scratch PostgreSQL database next to DATABASE_URL's).
"""

import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import PROJECT_ROOT
from tests.sync_helpers import write_site

BIG_SITE = 300
LOCK_HOLDER = (
    "import sys, django; django.setup(); "
    "from pages.importing import import_transaction\n"
    "with import_transaction(0):\n"
    "    print('locked', flush=True)\n"
    "    sys.stdin.readline()\n"
)
STATE_SCRIPT = (
    "import django, json; django.setup(); from pages.models import Page; "
    "print(json.dumps(sorted(Page.objects.values_list('source_path', 'title', 'version'))))"
)


def environment(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return {**env, "DJANGO_DEBUG": "1", "DATABASE_URL": url, "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "site_project.settings"}  # fmt: skip


def manage(url: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=environment(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def pages_in(url: str) -> list:
    result = subprocess.run(
        [sys.executable, "-c", STATE_SCRIPT], cwd=PROJECT_ROOT, env=environment(url),
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return json.loads(result.stdout)


def wait_for_line(process: subprocess.Popen, prefix: str, deadline: float = 60) -> str:
    """Read the process's output until a line starts with prefix (the import is then half-way)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        line = process.stdout.readline()
        if line.startswith(prefix):
            return line
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"no '{prefix}' line; exit {process.poll()}: {process.stderr.read()}")


@pytest.fixture
def scratch_db(tmp_path):
    """A migrated scratch database of the kind this test run uses."""
    url = os.environ.get("DATABASE_URL", "")
    drop = None
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(url)
        name = parts.path.lstrip("/") + "_faults"
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit(parts._replace(path="/" + name))

        def drop():
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        url = f"sqlite:///{tmp_path / 'faults.sqlite3'}"
    code, out, err = finish(manage(url, "migrate", "--noinput", "-v", "0"))
    assert code == 0, err
    yield url
    if drop:
        drop()


def big_site(root, title="Page", sections=15):
    body = "\n".join(
        f"## Section {n}\n\nSome *text* with a [link](https://example.org/{n}).\n" for n in range(sections)
    )
    return write_site(root, {f"p{i:04}.md": f"---\ntitle: {title} {i}\nnav_order: {i}\n---\n{body}"
                             for i in range(BIG_SITE)})  # fmt: skip


def test_sigkill_half_way_leaves_the_database_as_before(scratch_db, tmp_path):
    """An import killed with SIGKILL after writing some batches leaves every page as it was."""
    root = big_site(tmp_path / "site", "Before")
    code, _, err = finish(manage(scratch_db, "import_pages", str(root), "-v", "0"))
    assert code == 0, err
    before = pages_in(scratch_db)
    assert len(before) == BIG_SITE
    big_site(tmp_path / "site", "After")
    process = manage(scratch_db, "import_pages", str(root), "-v", "3", "--batch-size", "20", "--jobs", "1")
    wait_for_line(process, "Imported 60/")
    process.send_signal(signal.SIGKILL)
    code, _, _ = finish(process)
    assert code == -signal.SIGKILL
    assert pages_in(scratch_db) == before


def test_second_import_refuses_or_waits_while_the_lock_is_held(scratch_db, tmp_path):
    """While an import holds the lock, another refuses with a clear message (--wait 0) or waits its turn."""
    root = write_site(tmp_path / "site", {"a.md": "---\ntitle: A\n---\n"})
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER], cwd=PROJECT_ROOT, env=environment(scratch_db),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    wait_for_line(holder, "locked")
    code, _, err = finish(manage(scratch_db, "import_pages", str(root), "--wait", "0"))
    assert code == 4
    assert "Another import" in err and "nothing was changed" in err and "--wait SECONDS" in err
    waiting = manage(scratch_db, "import_pages", str(root), "--wait", "120")
    time.sleep(1)
    assert waiting.poll() is None  # still waiting for the lock
    holder.communicate("\n", timeout=60)
    code, out, err = finish(waiting)
    assert code == 0, err
    assert out.startswith("Created 1,")


def test_two_imports_at_once_do_not_duplicate_pages(scratch_db, tmp_path):
    """Two imports of one folder started together: one creates the pages, the other finds them unchanged."""
    root = big_site(tmp_path / "site", sections=1)
    first = manage(scratch_db, "import_pages", str(root), "--wait", "120", "--jobs", "1")
    second = manage(scratch_db, "import_pages", str(root), "--wait", "120", "--jobs", "1")
    results = sorted(finish(first)[1:2] + finish(second)[1:2])
    assert results == [
        f"Created 0, updated 0, unchanged {BIG_SITE}, conflicts 0, skipped 0, errors 0\n",
        f"Created {BIG_SITE}, updated 0, unchanged 0, conflicts 0, skipped 0, errors 0\n",
    ]
    paths = [row[0] for row in pages_in(scratch_db)]
    assert len(paths) == len(set(paths)) == BIG_SITE
