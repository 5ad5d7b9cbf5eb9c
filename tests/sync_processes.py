"""Running `manage.py` in real processes against a scratch database, for the sync fault tests."""

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

from tests.conftest import PROJECT_ROOT

STATE_SCRIPT = (
    "import django, json; django.setup(); from pages.models import Page; "
    "print(json.dumps(sorted(Page.objects.values_list('source_path', 'title', 'version'))))"
)


@functools.cache
def scratch_media() -> str:
    """One scratch folder for the files these processes store (site files, uploads), removed at exit:
    never the checkout's media/."""
    folder = tempfile.mkdtemp(prefix="quire-test-media-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def environment(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return {**env, "DJANGO_DEBUG": "1", "DATABASE_URL": url, "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "site_project.settings",
            "DJANGO_MEDIA_ROOT": scratch_media()}  # fmt: skip


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


def make_scratch_db(tmp_path):
    """Yield a migrated scratch database URL of the kind this test run uses; drop it afterwards."""
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
