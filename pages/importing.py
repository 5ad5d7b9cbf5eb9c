"""Importing a folder of markdown files into Page rows. The command and the admin share this."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from pages.markdown_io import PageSource, SourceError, default_url, json_safe, read_file
from pages.models import Page
from pages.publishing import apply_rendering

MARKDOWN_SUFFIXES = {".md", ".markdown"}
SKIPPED_DIRS = {"_site", "node_modules"}
DATE_PREFIX_RE = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})[- ]")


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"Created {len(self.created)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, errors {len(self.errors)}"
        )


def find_markdown_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") or part in SKIPPED_DIRS for part in rel.parts[:-1]):
            continue
        if path.suffix.lower() in MARKDOWN_SUFFIXES and path.is_file():
            files.append(path)
    return files


def page_date(source: PageSource) -> dt.datetime | None:
    value = source.front_matter.get("date")
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    for text in (Path(source.path).name, str(source.front_matter.get("title") or "")):
        match = DATE_PREFIX_RE.match(text)
        if match:
            y, m, d = (int(g) for g in match.groups())
            return dt.datetime(y, m, d, tzinfo=dt.UTC)
    return None


def page_fields(source: PageSource) -> dict:
    fm = source.front_matter
    title = fm.get("title")
    nav_order = fm.get("nav_order")
    rendered_url = str(fm.get("permalink") or default_url(source.path))
    return {
        "title": str(title) if title is not None else Path(source.path).stem,
        "url_path": rendered_url if rendered_url.startswith("/") else "/" + rendered_url,
        "nav_order": "" if nav_order is None else str(nav_order),
        "date": page_date(source),
        "body": source.body,
        "published": fm.get("published", True) is not False,
        "nav_exclude": bool(fm.get("nav_exclude", False)) or title is None,
        "search_exclude": bool(fm.get("search_exclude", False)),
        "has_toc": fm.get("has_toc", True) is not False,
        "description": str(fm.get("description") or ""),
        "front_matter": json_safe(fm),
        "front_matter_raw": source.front_matter_raw,
        "source_format": {
            "newline": source.newline,
            "bom": source.bom,
            "has_front_matter": source.has_front_matter,
        },
    }


def import_directory(root: Path) -> ImportResult:
    result = ImportResult()
    sources: list[tuple[PageSource, str]] = []
    for path in find_markdown_files(root):
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        try:
            sources.append((read_file(rel, data), hashlib.sha256(data).hexdigest()))
        except SourceError as exc:
            result.errors.append(str(exc))
    if result.errors:
        return result
    with transaction.atomic():
        by_title: dict[str, Page] = {}
        pending_parents: list[tuple[Page, str]] = []
        for source, file_hash in sources:
            page = Page.objects.filter(source_path=source.path).first()
            if page and page.file_hash == file_hash:
                result.unchanged.append(source.path)
            else:
                fields = page_fields(source)
                is_new = page is None
                page = page or Page(source_path=source.path)
                for name, value in fields.items():
                    setattr(page, name, value)
                page.file_hash = file_hash
                apply_rendering(page)
                page.save()
                (result.created if is_new else result.updated).append(source.path)
            by_title.setdefault(page.title, page)
            if source.front_matter.get("parent"):
                pending_parents.append((page, str(source.front_matter["parent"])))
        for page, parent_title in pending_parents:
            parent = by_title.get(parent_title)
            if parent and page.parent_id != parent.pk:
                page.parent = parent
                page.save(update_fields=["parent"])
    return result
