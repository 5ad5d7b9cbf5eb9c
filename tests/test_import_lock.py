"""The import lock between real processes: a second import refuses, or waits its turn."""

import subprocess
import sys
import time

import pytest

from tests.conftest import PROJECT_ROOT
from tests.sync_helpers import write_site
from tests.sync_processes import environment, finish, make_scratch_db, manage, wait_for_line


@pytest.fixture
def scratch_db(tmp_path):
    """A migrated scratch database for processes to share (dropped afterwards)."""
    yield from make_scratch_db(tmp_path)


LOCK_HOLDER = (
    "import sys, django; django.setup(); "
    "from pages.import_lock import import_transaction\n"
    "with import_transaction(0):\n"
    "    print('locked', flush=True)\n"
    "    sys.stdin.readline()\n"
)


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
