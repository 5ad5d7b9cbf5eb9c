"""Markdown to safe HTML: the one rendering path shared by import, admin save and the editor preview.

Pure functions, no ORM. Nothing here runs during a public request: pages store what it returns.

The path, in `pages.content`: Liquid pre-pass (`jekyll_compat`) → kramdown's block forms made
CommonMark (`kramdown_blocks`) → markdown-it-py taught kramdown's rules (`markdown_engine`) → the nh3
sanitiser (`sanitising`) → search sections read back from the sanitised HTML (`sections`).

Those modules (markdown-it, Pygments, nh3, the MathML converter) are imported at the first render, or
by `load_engine()` in a process that forks renderers: commands that never render (`build_site`,
`check`) start without them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pages.content.sections import Section

__all__ = ["RenderContext", "Rendered", "render", "render_preview"]
# The side "On this page" list: these heading levels (kramdown's own `{:toc}` lists levels 1-6).
SIDE_TOC_LEVELS = range(2, 7)


@dataclass(frozen=True)
class RenderContext:
    """What rendering may know about the site around a page.

    source_path: the page's file path relative to the site root (posix), for relative links.
    resolve_source: maps a root-relative source path (as a link names it; for `{% post_url %}` without
        its extension) to the URL of the page imported from it, or None when there is no such page.
    baseurl: Jekyll's `site.baseurl`, prefixed to site-relative URLs.
    line_offset: lines in the file before the body (the front matter), so warnings name file lines.
    page_url: the page's own URL on the site (without the base URL): relative links to files are
        resolved from it, as a browser on the real site resolves them.
    site: the site's `_config.yml` values, for `{{ site.NAME }}`.
    page: the page's front matter, for `{{ page.NAME }}`.
    callouts: callout names the site defines (Just the Docs' `callouts:`), besides Quire's own.
    """

    source_path: str | None = None
    resolve_source: Callable[[str], str | None] | None = None
    baseurl: str = ""
    line_offset: int = 0
    page_url: str | None = None
    site: Mapping[str, object] | None = None
    page: Mapping[str, object] | None = None
    callouts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_engine() -> None:
    """Import the rendering path's modules now (before forking renderers, so each child has them)."""
    import pages.content.jekyll_compat
    import pages.content.kramdown_blocks
    import pages.content.markdown_engine
    import pages.content.sanitising
    import pages.content.sections  # noqa: F401


def render(text: str, context: RenderContext | None = None) -> Rendered:
    """Render markdown to sanitised HTML with its table of contents, search sections and warnings."""
    from pages.content.jekyll_compat import prepare
    from pages.content.kramdown_blocks import kramdown_blocks
    from pages.content.markdown_engine import render_markdown
    from pages.content.sanitising import sanitise, sanitise_mathml
    from pages.content.sections import sections_from_html

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\x00", "\ufffd")  # as HTML parsers do; databases cannot store NUL in text
    prepared = prepare(text, context)
    result = render_markdown(kramdown_blocks(prepared.text), context)
    html = sanitise(result.html).rstrip("\n")
    for placeholder, markup in result.math:  # the server's own MathML, cleaned on its own
        html = html.replace(placeholder, sanitise_mathml(markup), 1)
    toc = [
        {"level": h.level, "id": h.id, "name": " ".join(h.text.split())}
        for h in result.headings
        if h.in_toc and h.id and h.level in SIDE_TOC_LEVELS
    ]
    return Rendered(
        html=html,
        toc=toc,
        sections=sections_from_html(html),
        warnings=prepared.warnings + _unique([_with_line(text, item, context) for item in result.warnings]),
    )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


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
