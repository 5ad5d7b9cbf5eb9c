"""Markdown to safe HTML: the one rendering path shared by import, admin save and the editor preview.

Pure functions, no ORM. Nothing here runs during a public request: pages store what it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import markdown
import nh3

from pages.sanitising import sanitise

MARKDOWN_EXTENSIONS = [
    "markdown.extensions.extra",
    "markdown.extensions.toc",
    "markdown.extensions.sane_lists",
]
MARKDOWN_EXTENSION_CONFIGS = {
    "markdown.extensions.toc": {"permalink": False, "toc_depth": "2-6"},
}


@dataclass(frozen=True)
class RenderContext:
    """What rendering may know about the site around a page.

    source_path: the page's file path relative to the import root (posix), for relative links.
    resolve_source: maps a root-relative source path (as a link names it; for `{% post_url %}` without
        its extension) to the URL of the page imported from it, or None when there is no such page.
    baseurl: Jekyll's `site.baseurl`, prefixed to site-relative URLs.
    """

    source_path: str | None = None
    resolve_source: Callable[[str], str | None] | None = None
    baseurl: str = ""


@dataclass(frozen=True)
class Section:
    """One heading section: what search indexes and links to (anchor '' = text before any heading)."""

    anchor: str
    heading: str
    level: int
    text: str


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _flatten_toc(tokens: list[dict]) -> list[dict]:
    flat: list[dict] = []
    for token in tokens:
        name = nh3.clean(token["name"], tags=set())
        flat.append({"level": token["level"], "id": token["id"], "name": name})
        flat.extend(_flatten_toc(token.get("children", [])))
    return flat


def render(text: str, context: RenderContext | None = None) -> Rendered:
    """Render markdown to sanitised HTML with its table of contents and search sections."""
    md = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_EXTENSION_CONFIGS)
    html = md.convert(text)
    return Rendered(html=sanitise(html), toc=_flatten_toc(getattr(md, "toc_tokens", [])))


def render_preview(text: str) -> str:
    """django-markdownx's MARKDOWNX_MARKDOWNIFY_FUNCTION: exactly what readers will get."""
    return render(text).html
