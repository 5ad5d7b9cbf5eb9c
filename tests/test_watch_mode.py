"""`import_pages DIR --watch` in a real process: a saved file is imported while the command runs."""

from __future__ import annotations

import os
import select
import signal
import time

import pytest

from tests.sync_helpers import write_site
from tests.sync_processes import finish, make_scratch_db, manage, pages_in

DEADLINE = 60  # seconds: only so that a broken watch fails instead of hanging


class Output:
    """The command's output line by line, read straight from the pipe (no buffered line is missed)."""

    def __init__(self, process):
        self.process, self.fd, self.pending = process, process.stdout.fileno(), b""

    def line_starting(self, prefix: str, seconds: float = DEADLINE) -> str | None:
        """The next line starting with prefix, or None when none comes within `seconds`."""
        end = time.monotonic() + seconds
        while True:
            while b"\n" not in self.pending:
                left = end - time.monotonic()
                if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                    return None
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    return None
                self.pending += chunk
            line, self.pending = self.pending.split(b"\n", 1)
            if line.decode().startswith(prefix):
                return line.decode()

    def wait_for(self, prefix: str) -> str:
        line = self.line_starting(prefix)
        assert line is not None, f"no '{prefix}' line within {DEADLINE} s; exit {self.process.poll()}"
        return line


def save_until_imported(output: Output, root, files: dict, prefix: str) -> None:
    """Save the files, again each second until the import's line comes: the watch starts right after
    the first import and says nothing when it does, so a save before that is not seen."""
    end = time.monotonic() + DEADLINE
    while True:
        write_site(root, files)
        if output.line_starting(prefix, seconds=1) is not None:
            return
        assert time.monotonic() < end and output.process.poll() is None, f"no '{prefix}' line"


pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scratch_db(tmp_path):
    yield from make_scratch_db(tmp_path)


def test_watch_imports_each_saved_file_until_interrupted(scratch_db, tmp_path):
    root = write_site(tmp_path / "site", {"index.md": "---\ntitle: Home\n---\nHello.\n"})
    process = manage(scratch_db, "import_pages", str(root), "--watch")
    try:
        output = Output(process)
        output.wait_for("Created 1, updated 0")
        changed = {"index.md": "---\ntitle: Welcome\n---\nHello.\n", "notes.txt": "not markdown"}
        save_until_imported(output, root, changed, "Created 0, updated 1")
        assert pages_in(scratch_db) == [["index.md", "Welcome", 2]]
        write_site(root, {"docs/new.md": "---\ntitle: New\n---\n"})
        output.wait_for("Created 1, updated 0, unchanged 1")
    finally:
        process.send_signal(signal.SIGINT)
        code, out, err = finish(process, timeout=30)
    assert code == 0, err
    assert out.rstrip().endswith("Stopped watching.")
    assert [row[0] for row in pages_in(scratch_db)] == ["docs/new.md", "index.md"]
