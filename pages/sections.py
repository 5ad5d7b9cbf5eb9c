"""Search sections read back from rendered HTML: one per heading, as plain text."""

from __future__ import annotations

from html.parser import HTMLParser

from pages.rendering import Section

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Navigation, not content: the in-page table of contents, heading anchor links, footnote markers.
SKIPPED_CLASSES = {"toc", "anchor-link", "footnote", "reversefootnote"}
SKIPPED_IDS = {"markdown-toc"}
VOID_TAGS = {"br", "hr", "img", "input", "col", "wbr"}
# The PageSection columns' lengths: longer headings and anchors are cut to fit.
MAX_ANCHOR, MAX_HEADING = 300, 500
BLOCK_TAGS = {"p", "li", "pre", "td", "th", "dt", "dd", "blockquote", "div", "tr", "br", "hr"}


class _SectionParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self._anchor, self._heading, self._level = "", "", 0
        self._text: list[str] = []
        self._heading_text: list[str] | None = None
        self._skip_depth = 0
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            if tag in BLOCK_TAGS:
                self._text.append(" ")
            return
        classes = set((dict(attrs).get("class") or "").split())
        skipping = bool(classes & SKIPPED_CLASSES) or dict(attrs).get("id") in SKIPPED_IDS
        self._stack.append(skipping)
        self._skip_depth += skipping
        if tag in HEADINGS and not self._skip_depth:
            self._flush()
            self._anchor, self._level = dict(attrs).get("id") or "", HEADINGS[tag]
            self._heading_text = []
        elif tag in BLOCK_TAGS:
            self._text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS or not self._stack:
            return
        self._skip_depth -= self._stack.pop()
        if tag in HEADINGS and self._heading_text is not None:
            self._heading = " ".join("".join(self._heading_text).split())
            self._heading_text = None
        elif tag in BLOCK_TAGS:
            self._text.append(" ")

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._heading_text is not None:
            self._heading_text.append(data)
        else:
            self._text.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text or self._anchor or self._heading:
            section = Section(self._anchor[:MAX_ANCHOR], self._heading[:MAX_HEADING], self._level, text)
            self.sections.append(section)
        self._text = []

    def close(self) -> None:
        super().close()
        self._flush()


def sections_from_html(html: str) -> list[Section]:
    """One Section per heading (plus the text before the first heading, with anchor '')."""
    parser = _SectionParser()
    parser.feed(html)
    parser.close()
    return parser.sections
