"""Faults: an import killed with SIGKILL changes nothing; two imports at once never interleave.

These run `manage.py import_pages` in real processes against a scratch database of the same kind as
the test run's (a SQLite file, or a scratch PostgreSQL database next to DATABASE_URL's).
"""

import signal

import pytest

from tests.sync_helpers import write_site
from tests.sync_processes import finish, make_scratch_db, manage, pages_in, wait_for_line

BIG_SITE = 300


@pytest.fixture
def scratch_db(tmp_path):
    """A migrated scratch database for processes to share (dropped afterwards)."""
    yield from make_scratch_db(tmp_path)


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
