"""`import_pages` and `export_pages` commands: options, output at each verbosity, exit codes."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pages.models import Page
from pages.sync import import_lock
from pages.sync.import_lock import ImportBusy
from tests.sync_helpers import admin_edit, page, write_site

pytestmark = pytest.mark.django_db

SITE = {"index.md": "---\ntitle: Home\n---\n# Home\n", "a.md": "---\ntitle: A\nparent: Home\n---\nA\n"}


def run(*args, verbosity=1):
    out, err = StringIO(), StringIO()
    call_command("import_pages", *map(str, args), verbosity=verbosity, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args, verbosity=1):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_pages", *map(str, args), verbosity=verbosity, stdout=out, stderr=err)
    return info.value, out.getvalue(), err.getvalue()


def test_summary_line_at_default_verbosity(tmp_path):
    """Verbosity 1 prints the one summary line."""
    out, _ = run(write_site(tmp_path, SITE))
    assert out == "Created 2, updated 0, unchanged 0, conflicts 0, skipped 0, errors 0\n"


def test_verbosity_zero_is_silent_and_two_lists_files(tmp_path):
    """-v 0 prints nothing; -v 2 prints a line per file."""
    root = write_site(tmp_path, SITE)
    assert run(root, verbosity=0) == ("", "")
    out, _ = run(root, verbosity=2)
    assert "a.md: unchanged\nindex.md: unchanged\n" in out


def test_invalid_files_exit_1_with_every_error(tmp_path):
    """Invalid files: status 1, each error on stderr with file and line, nothing imported."""
    root = write_site(
        tmp_path, {**SITE, "bad.md": "---\ntitle: [\n---\n", "worse.md": "---\ntitle: [true]\n---\n"}
    )
    error, out, err = fails(root)
    assert error.returncode == 1 and "nothing was imported" in str(error)
    assert "bad.md:3:1: invalid YAML" in err and "worse.md:2:1: title: must be text, not a list" in err
    assert Page.objects.count() == 0
    assert out.endswith("errors 2\n")


def test_check_exits_2_when_something_would_change(tmp_path):
    """--check exits 2 while files differ from pages, and 0 once they match."""
    root = write_site(tmp_path, SITE)
    error, out, _ = fails(root, "--check")
    assert error.returncode == 2 and "(dry run: nothing was changed)" in out
    assert Page.objects.count() == 0
    run(root)
    assert run(root, "--check")[0].startswith("Created 0, updated 0, unchanged 2")


def test_dry_run_at_verbosity_2_shows_unified_diffs(tmp_path):
    """--dry-run -v 2 prints what would be updated, with a unified diff."""
    root = write_site(tmp_path, SITE)
    run(root)
    write_site(root, {"a.md": "---\ntitle: A\nparent: Home\n---\nB\n"})
    out, _ = run(root, "--dry-run", verbosity=2)
    assert "a.md: would be updated\n" in out and "-A\n+B\n" in out
    assert page("a.md").body == "A\n"


def test_conflicts_exit_3_with_a_diff_and_prefer_resolves(tmp_path):
    """A conflict exits 3 and shows the diff; --prefer file resolves it."""
    root = write_site(tmp_path, SITE)
    run(root)
    admin_edit(page("a.md"), body="admin\n")
    write_site(root, {"a.md": "---\ntitle: A\nparent: Home\n---\nfile\n"})
    error, _, err = fails(root)
    assert error.returncode == 3 and "--prefer file or --prefer db" in str(error)
    assert (
        "a.md: conflict" in err
        and "<<<<<<< file\nfile\n||||||| base (last sync)\nA\n=======\nadmin\n>>>>>>> admin\n" in err
    )
    out, _ = run(root, "--prefer", "file")
    assert out.startswith("Created 0, updated 1")


def test_prune_lists_unpublished_pages(tmp_path):
    """--prune names each unpublished page."""
    root = write_site(tmp_path, SITE)
    run(root)
    (root / "a.md").unlink()
    out, _ = run(root, "--prune")
    assert "a.md: unpublished (its file is gone)\n" in out and out.endswith(", unpublished 1\n")


def test_busy_lock_exits_4(tmp_path, monkeypatch):
    """When another import holds the lock, the command exits 4 with the lock's message."""

    def busy(wait):
        raise ImportBusy("Another import is running (waited 0 s); nothing was changed.")

    monkeypatch.setattr(import_lock, "acquire_import_lock", busy)
    error, _, _ = fails(write_site(tmp_path, SITE), "--wait", "0")
    assert error.returncode == 4 and "Another import is running" in str(error)


def test_missing_folder_is_refused(tmp_path):
    """A folder that does not exist is named in the error."""
    error, _, _ = fails(tmp_path / "nope")
    assert "No folder named" in str(error) and error.returncode == 1


def test_progress_lines_at_verbosity_3(tmp_path):
    """-v 3 reports progress as files are written."""
    out, _ = run(write_site(tmp_path, SITE), "--batch-size", "1", verbosity=3)
    assert "Imported 1/2 files\nImported 2/2 files\n" in out


def test_export_command_reports_and_writes(tmp_path):
    """export_pages writes the files and prints its summary."""
    run(write_site(tmp_path / "in", SITE))
    out = StringIO()
    call_command("export_pages", str(tmp_path / "out"), stdout=out)
    assert out.getvalue() == "Wrote 2 new, updated 0, unchanged 0, errors 0\n"
    assert (tmp_path / "out" / "a.md").read_text() == SITE["a.md"]


def test_progress_bar_on_a_terminal(tmp_path, monkeypatch, capsys):
    """On a terminal, runs of 50+ files draw a progress bar on stderr."""
    from pages.management.commands import import_pages

    monkeypatch.setattr(import_pages.Command, "_on_terminal", lambda self: True)
    files = {f"p{i}.md": f"---\ntitle: P{i}\n---\n" for i in range(60)}
    call_command("import_pages", str(write_site(tmp_path, files)), "--batch-size", "30", stdout=StringIO())
    err = capsys.readouterr().err
    assert "] 30/60 files" in err and "[" + "#" * 30 + "] 60/60 files\n" in err
