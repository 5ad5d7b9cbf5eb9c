"""`import_pages DIR --watch` in a real process: a saved file is imported while the command runs."""

from __future__ import annotations

import signal
import time

import pytest

from tests.sync_helpers import write_site
from tests.sync_processes import finish, make_scratch_db, manage, pages_in

DEADLINE = 60  # seconds: only so that a broken watch fails instead of hanging


def wait_for_line(process, prefix: str) -> str:
    """Read the command's output until a line starts with prefix; fail after DEADLINE seconds."""
    import selectors

    end = time.monotonic() + DEADLINE
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < end:
            if not selector.select(timeout=max(0.0, end - time.monotonic())):
                break
            line = process.stdout.readline()
            if line.startswith(prefix):
                return line
            if not line:
                break
    raise AssertionError(f"no '{prefix}' line within {DEADLINE} s; exit {process.poll()}")


pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scratch_db(tmp_path):
    yield from make_scratch_db(tmp_path)


def test_watch_imports_each_saved_file_until_interrupted(scratch_db, tmp_path):
    root = write_site(tmp_path / "site", {"index.md": "---\ntitle: Home\n---\nHello.\n"})
    process = manage(scratch_db, "import_pages", str(root), "--watch")
    try:
        wait_for_line(process, "Created 1, updated 0")
        time.sleep(0.5)  # the watcher starts right after the first import
        write_site(root, {"index.md": "---\ntitle: Welcome\n---\nHello.\n", "notes.txt": "not markdown"})
        wait_for_line(process, "Created 0, updated 1")
        assert pages_in(scratch_db) == [["index.md", "Welcome", 2]]
        write_site(root, {"docs/new.md": "---\ntitle: New\n---\n"})
        wait_for_line(process, "Created 1, updated 0, unchanged 1")
    finally:
        process.send_signal(signal.SIGINT)
        code, out, err = finish(process, timeout=30)
    assert code == 0, err
    assert out.rstrip().endswith("Stopped watching.")
    assert [row[0] for row in pages_in(scratch_db)] == ["docs/new.md", "index.md"]
