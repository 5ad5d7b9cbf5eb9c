"""Export selected pages as a zip of markdown files (front matter + body), for the admin action.

An adapter until the shared exporter (pages/exporting.py) is on main: then `page_file` is replaced by
the exporter's own writer, and this module keeps only the zip.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

import yaml

from pages.admin_forms import extra_front_matter
from pages.models import Page
from pages.navigation import nav_order_value


def page_file_name(page: Page) -> str:
    """Where the page goes in the zip: its source path, else a path made from its URL."""
    if page.source_path:
        return page.source_path
    path = page.url_path.strip("/")
    return f"{path}/index.md" if path else "index.md"


def page_front_matter(page: Page) -> dict:
    fm: dict = {"title": page.title}
    order = nav_order_value(page.nav_order)
    if order is not None:
        fm["nav_order"] = int(order) if isinstance(order, float) and order.is_integer() else order
    if page.parent_id:
        fm["parent"] = page.parent.title
    fm["permalink"] = page.url_path
    if page.date:
        fm["date"] = page.date.isoformat()
    if not page.published:
        fm["published"] = False
    if page.nav_exclude:
        fm["nav_exclude"] = True
    if page.search_exclude:
        fm["search_exclude"] = True
    if not page.has_toc:
        fm["has_toc"] = False
    if page.description:
        fm["description"] = page.description
    fm.update(extra_front_matter(page.front_matter))
    return fm


def page_file(page: Page) -> str:
    """The page as a markdown file: YAML front matter, then the body as stored."""
    front = yaml.safe_dump(page_front_matter(page), sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n{page.body}"


def export_zip(pages: Iterable[Page]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for page in pages:
            archive.writestr(page_file_name(page), page_file(page).encode("utf-8"))
    return buffer.getvalue()
