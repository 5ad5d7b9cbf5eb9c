"""Search sections read back from rendered HTML: one per heading, as plain text.

The HTML is the sanitiser's output, which is well-formed and regular (lower-case tags, attribute values in
double quotes, every `<` in text escaped), so a regular-expression tokenizer reads it exactly and about
five times faster than `html.parser`.
"""

from __future__ import annotations

import html as html_entities
import re

from pages.rendering import Section

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Navigation, not content: the in-page table of contents, heading anchor links, footnote markers.
SKIPPED_CLASSES = {"toc", "anchor-link", "footnote", "reversefootnote"}
SKIPPED_IDS = {"markdown-toc"}
VOID_TAGS = {"br", "hr", "img", "input", "col", "wbr"}
# The PageSection columns' lengths: longer headings and anchors are cut to fit.
MAX_ANCHOR, MAX_HEADING = 300, 500
BLOCK_TAGS = {"p", "li", "pre", "td", "th", "dt", "dd", "blockquote", "div", "tr", "br", "hr"}


_TOKEN_RE = re.compile(r"<(?P<end>/?)(?P<tag>[a-zA-Z][\w-]*)(?P<attrs>[^>]*?)(?P<self>/?)>|(?P<text>[^<]+)|<")
_ATTRIBUTE_RE = re.compile(r"""\s(?P<name>class|id)="(?P<value>[^"]*)\"""")


class _SectionParser:
    def __init__(self) -> None:
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

    def feed(self, text: str) -> None:
        for match in _TOKEN_RE.finditer(text):
            tag = match.group("tag")
            if tag is None:
                self.handle_data(html_entities.unescape(match.group("text") or "<"))
            elif match.group("end"):
                self.handle_endtag(tag.lower())
            else:
                attrs = [
                    (m.group("name"), html_entities.unescape(m.group("value")))
                    for m in _ATTRIBUTE_RE.finditer(match.group("attrs"))
                ]
                self.handle_starttag(tag.lower(), attrs)
                if match.group("self") and tag.lower() not in VOID_TAGS:
                    self.handle_endtag(tag.lower())

    def close(self) -> None:
        self._flush()


def sections_from_html(html: str) -> list[Section]:
    """One Section per heading (plus the text before the first heading, with anchor '')."""
    parser = _SectionParser()
    parser.feed(html)
    parser.close()
    return parser.sections
