"""Markdown to safe HTML: the one rendering path shared by import, admin save and the editor preview.

Pure functions, no ORM. Nothing here runs during a public request: pages store what it returns.
"""

from __future__ import annotations

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
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _flatten_toc(tokens: list[dict]) -> list[dict]:
    flat: list[dict] = []
    for token in tokens:
        flat.append(
            {
                "level": token["level"],
                "id": token["id"],
                "name": nh3.clean(token["name"], tags=set()),
            }
        )
        flat.extend(_flatten_toc(token.get("children", [])))
    return flat


def render(text: str) -> Rendered:
    """Render markdown to sanitised HTML with its table of contents."""
    md = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_EXTENSION_CONFIGS)
    html = md.convert(text)
    return Rendered(html=sanitise(html), toc=_flatten_toc(getattr(md, "toc_tokens", [])))


def render_preview(text: str) -> str:
    """django-markdownx's MARKDOWNX_MARKDOWNIFY_FUNCTION: exactly what readers will get."""
    return render(text).html
