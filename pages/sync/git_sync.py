"""Git, when the site folder is a git work tree: the commit an import read, and export's commits.

Runs git itself (on every machine that holds a site in git); never pushes. Every call is bounded by a
timeout and a failure is reported, never raised into a half-done export.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

GIT_TIMEOUT = 60


class GitError(RuntimeError):
    pass


def _git(folder: Path, *args: str, env: dict | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False, env=env,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {args[0]} could not run: {exc}") from exc
    if done.returncode != 0:
        raise GitError(f"git {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def head_commit(folder: Path) -> str:
    """The commit checked out in `folder`'s git work tree ("" when it is not one, or has no commit)."""
    try:
        if _git(folder, "rev-parse", "--is-inside-work-tree").strip() != "true":
            return ""
        return _git(folder, "rev-parse", "HEAD").strip()
    except GitError:
        return ""


@dataclass(frozen=True)
class Authored:
    """Files one editor's edits went into, committed under their name."""

    name: str
    email: str
    paths: tuple[str, ...]
    titles: tuple[str, ...]


def commit_per_editor(folder: Path, groups: Iterable[Authored]) -> list[str]:
    """One commit per editor holding only the files of their pages; returns the new commits' ids.

    The author is the editor (name and email), the committer whoever runs the export (git's own
    configuration, else Quire). Files already staged by someone else are not committed along.
    """
    root = Path(_git(folder, "rev-parse", "--show-toplevel").strip())
    commits = []
    for group in groups:
        paths = [str((folder / path).resolve().relative_to(root)) for path in group.paths]
        _git(root, "add", "--", *paths)
        if not _git(root, "diff", "--cached", "--name-only", "--", *paths).strip():
            continue
        listing = "\n".join(f"- {title}" for title in group.titles)
        message = f"Quire: {len(group.paths)} page(s) edited by {group.name}\n\n{listing}\n"
        identity = []  # the committer, when git has none configured
        for key, value in (("user.name", "Quire"), ("user.email", "quire@quire.invalid")):
            if not _configured(root, key):
                identity += ["-c", f"{key}={value}"]
        _git(
            root, *identity, "commit", "--quiet", "--no-verify", f"--author={group.name} <{group.email}>",
            "-m", message, "--only", "--", *paths,
        )  # fmt: skip
        commits.append(_git(root, "rev-parse", "HEAD").strip())
    return commits


def _configured(root: Path, key: str) -> bool:
    try:
        return bool(_git(root, "config", key).strip())
    except GitError:
        return False


def editor_groups(written: list[tuple[int, str]]) -> list[Authored]:
    """The written files grouped by the editor who last changed each page (imports: "Quire")."""
    from pages.models import Page

    pages = Page.objects.select_related("updated_by").in_bulk([pk for pk, _ in written])
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for pk, path in written:
        user = pages[pk].updated_by if pk in pages else None
        if user is not None:
            name = user.get_full_name() or user.get_username()
            email = user.email or f"{user.get_username()}@quire.invalid"
        else:
            name, email = "Quire", "quire@quire.invalid"
        groups.setdefault((name, email), []).append((path, pages[pk].title if pk in pages else path))
    return [
        Authored(name, email, tuple(p for p, _ in items), tuple(t for _, t in items))
        for (name, email), items in sorted(groups.items())
    ]


def in_work_tree(folder: Path) -> bool:
    try:
        return _git(folder, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except GitError:
        return False


def export_and_commit(folder: Path, **options):
    """Export (see `exporting.export_pages`, same options) and commit the written files per editor.

    Returns (export result, new commit ids). Raises GitError, before writing anything, when the
    folder is not in a git work tree; after writing, when the commit fails (the files stay written).
    """
    from pages.sync.exporting import export_pages

    if not in_work_tree(folder):
        raise GitError(f"{folder} is not in a git work tree")
    result = export_pages(folder, **options)
    if options.get("dry_run") or not result.written_pages:
        return result, []
    return result, commit_per_editor(folder, editor_groups(result.written_pages))
