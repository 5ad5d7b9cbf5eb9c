"""Markdown to safe HTML: the one rendering path shared by import, admin save and the editor preview.

Pure functions, no ORM. Nothing here runs during a public request: pages store what it returns.

The path: Liquid/kramdown pre-pass (`pages.jekyll_compat`) → Python-Markdown with its own and
pymdown-extensions' extensions plus Quire's (`pages.markdown_extensions`) → the nh3 sanitiser
(`pages.sanitising`) → search sections read back from the sanitised HTML (`pages.sections`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import markdown

from pages.jekyll_compat import prepare
from pages.markdown_extensions import ANCHOR_LINK_CLASS, QuireExtension
from pages.sanitising import sanitise

MARKDOWN_EXTENSIONS = [
    "markdown.extensions.abbr",
    "markdown.extensions.attr_list",
    "markdown.extensions.def_list",
    "markdown.extensions.footnotes",
    "markdown.extensions.md_in_html",
    "markdown.extensions.tables",
    "markdown.extensions.toc",
    "markdown.extensions.sane_lists",
    "pymdownx.highlight",
    "pymdownx.superfences",
    "pymdownx.tasklist",
    "pymdownx.tilde",
]
MARKDOWN_EXTENSION_CONFIGS = {
    "markdown.extensions.toc": {
        "permalink": "#",
        "permalink_class": ANCHOR_LINK_CLASS,
        "permalink_title": "Link to this section",
        "permalink_leading": False,
        "toc_depth": "2-6",
    },
    # Alignment as the `align` attribute: style attributes would need 'unsafe-inline' styles in the CSP.
    "markdown.extensions.tables": {"use_align_attribute": True},
    "markdown.extensions.footnotes": {"BACKLINK_TITLE": "Back to reference %d"},
    "pymdownx.highlight": {
        "use_pygments": True,
        "css_class": "highlight",
        "guess_lang": False,
        "pygments_lang_class": True,
    },
    "pymdownx.tasklist": {"custom_checkbox": False, "clickable_checkbox": False},
    "pymdownx.tilde": {"subscript": False},
}


@dataclass(frozen=True)
class RenderContext:
    """What rendering may know about the site around a page.

    source_path: the page's file path relative to the import root (posix), for relative links.
    resolve_source: maps a root-relative source path (as a link names it; for `{% post_url %}` without
        its extension) to the URL of the page imported from it, or None when there is no such page.
    baseurl: Jekyll's `site.baseurl`, prefixed to site-relative URLs.
    line_offset: lines in the file before the body (the front matter), so warnings name file lines.
    """

    source_path: str | None = None
    resolve_source: Callable[[str], str | None] | None = None
    baseurl: str = ""
    line_offset: int = 0


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
        flat.append({"level": token["level"], "id": token["id"], "name": token["plain"]})
        flat.extend(_flatten_toc(token.get("children", [])))
    return flat


def render(text: str, context: RenderContext | None = None) -> Rendered:
    """Render markdown to sanitised HTML with its table of contents, search sections and warnings."""
    from pages.sections import sections_from_html

    text = text.replace("\x00", "\ufffd")  # as HTML parsers do; databases cannot store NUL in text
    prepared = prepare(text, context)
    md = markdown.Markdown(
        extensions=[*MARKDOWN_EXTENSIONS, QuireExtension(context=context)],
        extension_configs=MARKDOWN_EXTENSION_CONFIGS,
        output_format="html",
    )
    html = sanitise(md.convert(prepared.text))
    return Rendered(
        html=html,
        toc=_flatten_toc(md.quire_toc_tokens),
        sections=sections_from_html(html),
        warnings=prepared.warnings + [_with_line(text, item, context) for item in md.quire_warnings],
    )


def _with_line(text: str, item: tuple[str, str], context: RenderContext | None) -> str:
    """Prefix a warning with the file line where its needle first appears (when it does)."""
    message, needle = item
    position = text.find(needle) if needle else -1
    if position < 0:
        return message
    line = text.count("\n", 0, position) + 1 + (context.line_offset if context else 0)
    return f"line {line}: {message}"


def render_preview(text: str) -> str:
    """django-markdownx's MARKDOWNX_MARKDOWNIFY_FUNCTION: exactly what readers will get."""
    return render(text).html
