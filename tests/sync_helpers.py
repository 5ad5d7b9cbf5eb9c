"""Small helpers shared by the sync tests: write a folder of pages, import it, edit like the admin."""

from __future__ import annotations

from pathlib import Path

from pages.models import Page
from pages.sync.importing import ImportOptions, ImportReport, import_folders
from tests.commits import committed


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write {relative path: text or bytes} under root and return root."""
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8", newline="")
    return root


def run_import(root: Path, **options) -> ImportReport:
    """Import root as `import_pages` does, the run's commit included (its content-version bump)."""
    with committed():
        return import_folders([root], ImportOptions(**options))


def admin_edit(page: Page, **changes) -> Page:
    """Change fields the way an admin save does: new values, version + 1."""
    for name, value in changes.items():
        setattr(page, name, value)
    page.version += 1
    page.save()
    return page


def page(path: str) -> Page:
    return Page.objects.get(source_path=path)
