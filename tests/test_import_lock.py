"""The import lock between real processes: a second import refuses, or waits its turn."""

import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT
from tests.sync_helpers import write_site
from tests.sync_processes import environment, finish, make_scratch_db, manage, wait_for_line


@pytest.fixture
def scratch_db(tmp_path):
    """A migrated scratch database for processes to share (dropped afterwards)."""
    yield from make_scratch_db(tmp_path)


# Holds the import lock until a line comes on stdin; it creates the file named by its argument just
# before it lets go.
LOCK_HOLDER = (
    "import pathlib, sys, django; django.setup(); "
    "from pages.sync.import_lock import import_transaction\n"
    "with import_transaction(0):\n"
    "    print('locked', flush=True)\n"
    "    sys.stdin.readline()\n"
    "    pathlib.Path(sys.argv[1]).touch()\n"
)


# `manage.py ARGS` (after a file name) whose import first tries for the lock without waiting and says
# "refused" when it was not free (a free lock: no such line), then takes the lock as the command asked
# and says whether the holder had let go by then (the holder creates that file just before it does).
WAITER = """
import os, sys
from contextlib import contextmanager
import django
django.setup()
from django.core.management import execute_from_command_line
from pages.sync import importing
from pages.sync.import_lock import ImportBusy

locked_transaction = importing.import_transaction

@contextmanager
def after_one_refusal(wait, **options):
    try:
        with locked_transaction(0, **options):
            pass
    except ImportBusy:
        print("refused", flush=True)
    with locked_transaction(wait, **options):
        print("took the lock", "after" if os.path.exists(sys.argv[1]) else "before", "the holder let go")
        yield

importing.import_transaction = after_one_refusal
execute_from_command_line(["manage.py", *sys.argv[2:]])
"""


def test_second_import_refuses_or_waits_while_the_lock_is_held(scratch_db, tmp_path):
    """While an import holds the lock, another refuses with a clear message (--wait 0) or waits its turn."""
    root = write_site(tmp_path / "site", {"a.md": "---\ntitle: A\n---\n"})
    released = tmp_path / "released"
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(released)], cwd=PROJECT_ROOT, env=environment(scratch_db),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    wait_for_line(holder, "locked")
    code, _, err = finish(manage(scratch_db, "import_pages", str(root), "--wait", "0"))
    assert code == 4
    assert "Another import" in err and "nothing was changed" in err and "--wait SECONDS" in err
    waiting = subprocess.Popen(
        [sys.executable, "-c", WAITER, str(released), "import_pages", str(root), "--wait", "120"],
        cwd=PROJECT_ROOT,
        env=environment(scratch_db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    wait_for_line(waiting, "refused")  # it asked for the lock, was refused, and now waits its turn
    holder.communicate("\n", timeout=60)
    code = waiting.wait(timeout=120)
    out, err = waiting.stdout.read(), waiting.stderr.read()  # read() keeps what readline() buffered
    assert code == 0, err
    assert out.splitlines()[0] == "took the lock after the holder let go", out
    assert out.splitlines()[1].startswith("Created 1,"), out
