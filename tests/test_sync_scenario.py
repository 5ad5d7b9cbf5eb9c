"""A docs team's two-way sync on a site kept in git: edits in files, in the admin, in both; renames,
deletions, subfolder imports. After every step `git diff` shows exactly the edits made, nothing else.
"""

from __future__ import annotations

import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from pages.editing.saving import save_page
from pages.models import Page, SyncConflict
from pages.store.revisions import page_versions
from tests.sync_helpers import write_site

pytestmark = pytest.mark.django_db

SITE = {
    "_config.yml": "title: Team docs\n",
    "index.md": "---\ntitle: Home\nnav_order: 1\n---\n\n# Home\n\nWelcome.\n",
    "docs/tables.md": (
        "---\ntitle: Tables\nnav_order: 2\n---\n\n# Tables\n{: .no_toc }\n\n"
        "Line one.\nLine two.\nLine three.\nLine four.\nLine five.\nLine six.\n"
    ),
    "docs/lists.md": (
        "---\ntitle: Lists\nnav_order: 3\n---\n\n# Lists\n\n"
        "- apples\n- pears\n- plums\n- cherries\n- figs\n- dates\n- limes\n"
    ),
    "docs/ui/buttons.md": "---\ntitle: Buttons\nnav_order: 4\n---\n\n# Buttons\n\nPress them.\n",
    "docs/ui/labels.md": "---\ntitle: Labels\nnav_order: 5\n---\n\n# Labels\n\nStick them.\n",
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


def command(name: str, *args, verbosity: int = 1) -> tuple[int, str, str]:
    """Run a management command: (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command(name, *map(str, args), verbosity=verbosity, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        return exc.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def repo(tmp_path):
    root = write_site(tmp_path / "site", SITE)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Docs Team")
    git(root, "config", "user.email", "docs@example.com")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Initial")
    assert command("import_pages", root)[0] == 0
    return root


@pytest.fixture
def ann(db):
    return User.objects.create_user("ann", "ann@example.com", "pw", first_name="Ann", last_name="Lee")


def page(path: str) -> Page:
    return Page.objects.get(source_path=path)


def edit_in_admin(path: str, user=None, **changes) -> Page:
    """An editor's save: the same path as the admin form (version check, revision, updated_by)."""
    target = page(path)
    for name, value in changes.items():
        setattr(target, name, value)
    return save_page(target, user=user, comment="Edited.")


def edit_file(root: Path, path: str, old: str, new: str) -> None:
    target = root / path
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8", newline="")


def diff(root: Path) -> str:
    """The changed lines of the work tree against HEAD (no headers, no context)."""
    lines = git(root, "diff", "-U0").splitlines()
    return "\n".join(line for line in lines if line[:1] in "+-" and not line.startswith(("+++", "---")))


def test_export_after_import_changes_nothing(repo):
    assert command("export_pages", repo)[0] == 0
    assert git(repo, "status", "--porcelain") == ""


def test_file_edited_on_disk_is_left_alone_by_export_and_reported(repo):
    """The lost-line bug: an uncommitted file edit, page untouched: export keeps the file, exits 0."""
    edit_file(repo, "docs/tables.md", "Line three.", "Line three, edited in git.")
    status, out, _ = command("export_pages", repo)
    assert status == 0
    assert "docs/tables.md: changed on disk since the last sync, page unchanged: left alone" in out
    assert diff(repo) == "-Line three.\n+Line three, edited in git."
    assert command("import_pages", repo)[0] == 0
    assert "Line three, edited in git." in page("docs/tables.md").body
    assert command("export_pages", repo)[0] == 0
    assert diff(repo) == "-Line three.\n+Line three, edited in git."


def test_admin_and_file_edits_on_different_lines_merge_in_export_and_import(repo, ann):
    edit_in_admin(
        "docs/tables.md", ann, body=page("docs/tables.md").body.replace("Line one.", "Line 1 (admin).")
    )
    edit_file(repo, "docs/tables.md", "Line six.", "Line 6 (file).")
    status, out, _ = command("export_pages", repo)
    assert status == 0 and "docs/tables.md: merged" in out
    assert diff(repo) == "-Line one.\n+Line 1 (admin).\n-Line six.\n+Line 6 (file)."
    # The next import brings the file's edit into the page; nothing more is then written.
    assert command("import_pages", repo)[0] == 0
    body = page("docs/tables.md").body
    assert "Line 1 (admin)." in body and "Line 6 (file)." in body
    before = (repo / "docs/tables.md").read_bytes()
    assert command("export_pages", repo)[0] == 0
    assert (repo / "docs/tables.md").read_bytes() == before


def test_import_merges_edits_on_different_lines(repo, ann):
    edit_in_admin("docs/lists.md", ann, title="Lists and tasks")
    edit_file(repo, "docs/lists.md", "- figs", "- fresh figs")
    status, out, _ = command("import_pages", repo)
    assert status == 0 and "docs/lists.md: merged" in out
    merged = page("docs/lists.md")
    assert merged.title == "Lists and tasks" and "- fresh figs" in merged.body
    assert not SyncConflict.objects.exists()
    assert command("export_pages", repo)[0] == 0
    assert diff(repo) == "-title: Lists\n+title: Lists and tasks\n-- figs\n+- fresh figs"


def test_overlapping_edits_are_a_conflict_in_export_file_untouched(repo, ann):
    edit_in_admin("docs/tables.md", ann, body=page("docs/tables.md").body.replace("Line two.", "Admin two."))
    edit_file(repo, "docs/tables.md", "Line two.", "File two.")
    on_disk = (repo / "docs/tables.md").read_bytes()
    status, _, err = command("export_pages", repo)
    assert status == 3
    assert (repo / "docs/tables.md").read_bytes() == on_disk
    assert (
        "<<<<<<< file\nFile two.\n||||||| base (last sync)\nLine two.\n=======\nAdmin two.\n>>>>>>> admin"
        in err
    )
    conflict = SyncConflict.objects.get(page=page("docs/tables.md"))
    assert conflict.found_by == "export" and "File two." in conflict.file_text
    # The import sees the same conflict, and leaves the page alone.
    status, _, err = command("import_pages", repo)
    assert status == 3 and "||||||| base (last sync)" in err
    assert "Admin two." in page("docs/tables.md").body
    # --force overwrites on purpose.
    status, _, _ = command("export_pages", repo, "--force")
    assert status == 0
    assert diff(repo) == "-Line two.\n+Admin two."
    assert not SyncConflict.objects.exists()


def test_dry_run_verbose_shows_unified_diffs_and_writes_nothing(repo, ann):
    edit_in_admin("index.md", ann, body=page("index.md").body.replace("Welcome.", "Welcome, team."))
    status, out, _ = command("export_pages", repo, "--dry-run", verbosity=2)
    assert status == 0
    assert "index.md: would be updated\n--- a/index.md\n+++ b/index.md\n" in out
    assert "-Welcome.\n+Welcome, team.\n" in out
    assert git(repo, "status", "--porcelain") == ""


def test_prefer_per_path_decides_one_conflict_only(repo, ann):
    for path, line in (("docs/tables.md", "Line two."), ("index.md", "Welcome.")):
        edit_in_admin(path, ann, body=page(path).body.replace(line, "admin side"))
        edit_file(repo, path, line, "file side")
    status, _, _ = command("import_pages", repo, "--prefer", "file:docs/tables.md")
    assert status == 3  # index.md is still a conflict
    assert "file side" in page("docs/tables.md").body
    assert "admin side" in page("index.md").body
    assert list(SyncConflict.objects.values_list("page__source_path", flat=True)) == ["index.md"]
    status, _, _ = command("import_pages", repo, "--prefer", "db:index.md")
    assert status == 0
    assert command("export_pages", repo)[0] == 0
    assert diff(repo) == "-Line two.\n+file side\n-Welcome.\n+admin side"


def test_rename_keeps_the_page_its_history_and_a_301(repo, client: Client):
    before = page("docs/lists.md")
    history = page_versions(before.pk).count()
    git(repo, "mv", "docs/lists.md", "docs/lists-and-tasks.md")
    edit_file(repo, "docs/lists-and-tasks.md", "- limes", "- lemons")
    status, out, _ = command("import_pages", repo, "--prune")
    assert status == 0 and "docs/lists-and-tasks.md: renamed from docs/lists.md" in out
    moved = Page.objects.get(pk=before.pk)
    assert moved.source_path == "docs/lists-and-tasks.md" and moved.url_path == "/docs/lists-and-tasks.html"
    assert moved.published and "- lemons" in moved.body
    assert page_versions(before.pk).count() == history + 1
    response = client.get(before.url_path)
    assert response.status_code == 301 and response["Location"] == moved.url_path
    assert command("export_pages", repo)[0] == 0
    assert not (repo / "docs/lists.md").exists()
    assert git(repo, "status", "--porcelain").splitlines() == ["RM docs/lists.md -> docs/lists-and-tasks.md"]


def test_deleted_and_pruned_pages_are_never_written_back(repo):
    (repo / "docs/ui/labels.md").unlink()
    # Not pruned yet: export does not bring the deleted file back.
    status, out, _ = command("export_pages", repo)
    assert status == 0 and "docs/ui/labels.md: deleted on disk: not written back" in out
    assert not (repo / "docs/ui/labels.md").exists()
    assert command("import_pages", repo, "--prune")[0] == 0
    assert page("docs/ui/labels.md").published is False
    assert command("export_pages", repo)[0] == 0
    assert not (repo / "docs/ui/labels.md").exists()
    assert git(repo, "status", "--porcelain") == " D docs/ui/labels.md\n"
    # Published again by an editor: written back.
    edit_in_admin("docs/ui/labels.md", published=True)
    assert command("export_pages", repo)[0] == 0
    assert (repo / "docs/ui/labels.md").read_text() == SITE["docs/ui/labels.md"]


def test_importing_a_subfolder_updates_only_its_pages(repo):
    count = Page.objects.count()
    home = page("index.md")
    edit_file(repo, "docs/ui/buttons.md", "Press them.", "Press them gently.")
    edit_file(repo, "index.md", "Welcome.", "Welcome, not yet imported.")
    (repo / "docs/ui/labels.md").unlink()
    status, out, _ = command("import_pages", repo / "docs" / "ui", "--prune", verbosity=2)
    assert status == 0, out
    assert Page.objects.count() == count
    assert "Press them gently." in page("docs/ui/buttons.md").body
    assert page("docs/ui/labels.md").published is False
    assert page("index.md").body == home.body and page("index.md").published
    assert page("docs/tables.md").published


def test_import_records_the_git_commit_in_the_history(repo):
    head = git(repo, "rev-parse", "HEAD").strip()
    latest = page_versions(page("index.md").pk).first()
    assert latest.revision.comment == f"Imported from markdown files (git commit {head[:12]})."


def test_export_commit_makes_one_commit_per_editor(repo, ann):
    bob = User.objects.create_user("bob", "bob@example.com", "pw")
    edit_in_admin("index.md", ann, title="Welcome home")
    edit_in_admin("docs/tables.md", ann, title="Data tables")
    edit_in_admin("docs/lists.md", bob, title="Lists and tasks")
    status, out, _ = command("export_pages", repo, "--commit")
    assert status == 0 and "Made 2 commit(s)" in out
    assert git(repo, "status", "--porcelain") == ""
    log = git(repo, "log", "-2", "--format=%an <%ae>|%s|%b", "--name-only")
    assert "Ann Lee <ann@example.com>|Quire: 2 page(s) edited by Ann Lee|- Welcome home\n- Data tables" in log
    assert "bob <bob@example.com>|Quire: 1 page(s) edited by bob|- Lists and tasks" in log
    assert git(repo, "show", "--format=", "--name-only", "HEAD").split() in (
        ["docs/lists.md"],
        ["docs/tables.md", "index.md"],
    )


def test_admin_action_exports_the_selected_pages_and_commits_them(repo, ann, admin_client):
    edit_in_admin("index.md", ann, title="Welcome home")
    edit_in_admin("docs/tables.md", ann, title="Data tables")
    response = admin_client.post(
        "/admin/pages/page/",
        {"action": "export_and_commit", "_selected_action": [page("index.md").pk]},
        follow=True,
    )
    assert "Made 1 commit(s)" in response.content.decode()
    assert git(repo, "show", "--format=%an|%s", "--name-only", "HEAD").split("\n")[:3] == [
        "Ann Lee|Quire: 1 page(s) edited by Ann Lee",
        "",
        "index.md",
    ]
    assert git(repo, "status", "--porcelain") == ""  # the other edited page is not written yet
    assert page("docs/tables.md").title == "Data tables"


def test_export_commit_outside_a_git_work_tree_is_refused_before_writing(tmp_path, ann):
    root = write_site(tmp_path / "plain", {"a.md": "---\ntitle: A\n---\n"})
    assert command("import_pages", root)[0] == 0
    edit_in_admin("a.md", ann, title="B")
    status, _, err = command("export_pages", root, "--commit")
    assert status == 1 and "not in a git work tree" in err
    assert (root / "a.md").read_text() == "---\ntitle: A\n---\n"


def test_an_open_import_conflict_is_not_reverted_by_export(repo, ann):
    """The conflict found by an import stays: the export leaves the file (and its line) alone."""
    edit_in_admin("docs/tables.md", ann, body=page("docs/tables.md").body.replace("Line four.", "Admin 4."))
    edit_file(repo, "docs/tables.md", "Line four.", "File 4.")
    assert command("import_pages", repo)[0] == 3
    status, _, err = command("export_pages", repo)
    assert status == 3 and "docs/tables.md: conflict" in err
    assert diff(repo) == "-Line four.\n+File 4."
    assert SyncConflict.objects.filter(page__source_path="docs/tables.md").exists()


def test_a_whole_folder_moved_keeps_every_page(repo, monkeypatch):
    """A folder moved with `git mv`: each file is recognised by its bytes, whatever the run's size."""
    monkeypatch.setattr("pages.sync.renames.MAX_PAIRS", 0)  # no line-by-line comparisons allowed
    ids = {path: page(path).pk for path in ("docs/ui/buttons.md", "docs/ui/labels.md")}
    git(repo, "mv", "docs/ui", "docs/components")
    status, out, _ = command("import_pages", repo, "--prune")
    assert status == 0 and "renamed 2" in out
    for old, pk in ids.items():
        moved = Page.objects.get(pk=pk)
        assert moved.source_path == old.replace("docs/ui/", "docs/components/") and moved.published
    assert command("export_pages", repo)[0] == 0
    assert sorted(git(repo, "status", "--porcelain").splitlines()) == [
        "R  docs/ui/buttons.md -> docs/components/buttons.md",
        "R  docs/ui/labels.md -> docs/components/labels.md",
    ]
