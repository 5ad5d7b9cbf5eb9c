"""The admin's "export selected pages" action: a zip of the files `export_pages` would write for them.

Names and bytes come from the shared exporter (pages/exporting.py), so an entry is byte-identical to
the file `manage.py export_pages` writes for the same page.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from pages.exporting import _unique_path, export_path, page_file_text
from pages.models import Page


def export_names() -> dict[int, str]:
    """Each page's file path as `export_pages` assigns it (its source path, else a free path from its URL)."""
    taken = set(Page.objects.exclude(source_path=None).values_list("source_path", flat=True))
    names: dict[int, str] = {}
    for page in Page.objects.filter(source_path=None).only("pk", "url_path", "source_path").order_by("pk"):
        names[page.pk] = _unique_path(export_path(page), taken)
        taken.add(names[page.pk])
    return names


def export_zip(pages: Iterable[Page]) -> bytes:
    """The pages as a zip of markdown files (front matter, body, original BOM and line endings)."""
    names = export_names()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for page in pages:
            name = page.source_path or names[page.pk]
            archive.writestr(name, page_file_text(page).encode("utf-8"))
    return buffer.getvalue()
