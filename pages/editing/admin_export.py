"""The admin's "export selected pages" action: a zip of the files `export_pages` would write for them.

Names and bytes come from the shared exporter (pages/sync/exporting.py, pages/sync/page_files.py), so an entry
is byte-identical to the file `manage.py export_pages` writes for the same page.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from pages.models import Page
from pages.sync.exporting import export_file_paths
from pages.sync.page_files import page_file_text


def export_zip(pages: Iterable[Page]) -> bytes:
    """The pages as a zip of markdown files (front matter, body, original BOM and line endings)."""
    names = export_file_paths()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for page in pages:
            archive.writestr(names[page.pk], page_file_text(page).encode("utf-8"))
    return buffer.getvalue()
