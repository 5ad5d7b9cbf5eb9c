"""Search sections read back from rendered HTML: one per heading, as plain text.

The HTML is the sanitiser's output, which is well-formed and regular (lower-case tags, attribute values in
double quotes, every `<` in text escaped), so a regular-expression tokenizer reads it exactly and about
five times faster than `html.parser`.
"""

from __future__ import annotations

import html as html_entities
import re
from dataclasses import dataclass

from pages.content.column_limits import SECTION_ANCHOR, SECTION_HEADING


@dataclass(frozen=True)
class Section:
    """One heading section: what search indexes and links to (anchor '' = text before any heading)."""

    anchor: str
    heading: str
    level: int
    text: str


HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Navigation, not content: the in-page table of contents, heading anchor links, footnote markers.
SKIPPED_CLASSES = {"toc", "anchor-link", "footnote", "reversefootnote"}
SKIPPED_IDS = {"markdown-toc"}
VOID_TAGS = {"br", "hr", "img", "input", "col", "wbr"}
# The PageSection columns' lengths: longer headings and anchors are cut to fit.
MAX_ANCHOR, MAX_HEADING = SECTION_ANCHOR, SECTION_HEADING
BLOCK_TAGS = {"p", "li", "pre", "td", "th", "dt", "dd", "blockquote", "div", "tr", "br", "hr"}


_TOKEN_RE = re.compile(r"<(?P<end>/?)(?P<tag>[a-zA-Z][\w-]*)(?P<attrs>[^>]*?)(?P<self>/?)>|(?P<text>[^<]+)|<")
_ATTRIBUTE_RE = re.compile(r"""\s(?P<name>class|id)="(?P<value>[^"]*)\"""")
# A run of tokens that, outside skipped elements, only add their text: text, and tags that are neither
# headings nor block tags and cannot mark an element as skipped (no `toc`, `anchor-link`, `footnote`,
# nor an entity in them). The same tokens `_TOKEN_RE` reads, taken in one match.
_QUIET_TAG = (
    r"<(?!/?(?i:h[1-6]|" + "|".join(sorted(BLOCK_TAGS)) + r")(?![\w-]))(?=/?[a-zA-Z])"
    r"(?![^>]*(?:toc|anchor-link|footnote|&))[^>]*>"
)
_RUN_RE = re.compile(rf"(?:[^<]+|{_QUIET_TAG})+")
_QUIET_TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>")
_STEP_RE = re.compile(rf"(?P<run>{_RUN_RE.pattern})|{_TOKEN_RE.pattern}")


def _skipping(attrs: str) -> tuple[bool, str]:
    """(whether a start tag's element is skipped, its id)."""
    if "class=" not in attrs and "id=" not in attrs:
        return False, ""
    found = {m.group("name"): html_entities.unescape(m.group("value")) for m in _ATTRIBUTE_RE.finditer(attrs)}
    classes = set((found.get("class") or "").split())
    return bool(classes & SKIPPED_CLASSES) or found.get("id") in SKIPPED_IDS, found.get("id") or ""


def _leave_skipped(run: str, depth: int) -> tuple[int, str]:
    """Inside a skipped element `depth` deep, read a run up to the end of that element: (the depth
    left, the rest of the run after that end, which is read normally)."""
    for m in _TOKEN_RE.finditer(run):
        tag = m.group("tag")
        if tag is None or tag.lower() in VOID_TAGS:
            continue
        if m.group("end"):
            depth -= 1
            if not depth:
                return 0, run[m.end() :]
        elif not m.group("self"):
            depth += 1
    return depth, ""


class _Sections:
    """What both readers build: the finished sections, and the one being read (its anchor, heading and
    level, its text, and the heading's own text while inside a heading element)."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.anchor, self.heading, self.level = "", "", 0
        self.text: list[str] = []
        self.heading_text: list[str] | None = None

    def add(self, words: str) -> None:
        (self.text if self.heading_text is None else self.heading_text).append(words)

    def flush(self) -> None:
        """End the current section (kept when it has text, an anchor or a heading)."""
        joined = " ".join("".join(self.text).split())
        if joined or self.anchor or self.heading:
            self.sections.append(
                Section(self.anchor[:MAX_ANCHOR], self.heading[:MAX_HEADING], self.level, joined)
            )

    def open_heading(self, tag: str, element_id: str) -> None:
        self.flush()
        self.text = []
        self.anchor, self.level = element_id, HEADINGS[tag]
        self.heading_text = []

    def close(self, tag: str) -> None:
        """An end tag: a heading's ends its text; a block tag separates words."""
        if tag in HEADINGS and self.heading_text is not None:
            self.heading = " ".join("".join(self.heading_text).split())
            self.heading_text = None
        elif tag in BLOCK_TAGS:
            self.text.append(" ")

    def finished(self) -> list[Section]:
        self.flush()
        return self.sections


def sections_by_tokens(html: str) -> list[Section]:
    """`sections_from_html` for any HTML, read as a stream of tokens: text goes to the current heading
    or section; block tags separate words; a heading starts a section; an element with a skipped class
    or id is left out with all it holds. Outside skipped elements, runs of tokens that can only add text
    are taken in one regular-expression match (words, emphasis, links, highlighted code); inside one,
    start and end tags are counted to find where it ends (the sanitiser's output is well-formed).
    """
    built = _Sections()
    depth = 0  # > 0: inside a skipped element, this many elements deep
    unescape = html_entities.unescape

    for m in _STEP_RE.finditer(html):
        run = m.group("run")
        if run is not None:
            if depth:
                depth, run = _leave_skipped(run, depth)
                if not run:
                    continue
            if "<" in run:
                run = _QUIET_TAG_RE.sub("", run)
            if "&" in run:
                run = unescape(run)
            built.add(run)
            continue
        tag = m.group("tag")
        if tag is None:  # a `<` that opens no tag
            if not depth:
                built.add("<")
            continue
        tag = tag.lower()
        end = m.group("end")
        if tag in VOID_TAGS:
            if tag in BLOCK_TAGS and not end:
                built.text.append(" ")
            continue
        if not end:
            if depth:
                depth += 1
            else:
                skipped, element_id = _skipping(m.group("attrs"))
                if skipped:
                    depth = 1
                elif tag in HEADINGS:
                    built.open_heading(tag, element_id)
            if tag in BLOCK_TAGS:
                built.text.append(" ")
            if not m.group("self"):
                continue
        # an end tag, or the end of a `<x/>`
        if depth:
            depth -= 1
        built.close(tag)
    return built.finished()


# The fast path's view of the HTML: only headings and tags that may mark a skipped element stop it.
_EVENT_RE = re.compile(
    r"</?(?i:h[1-6])(?![\w-])[^>]*>|<[a-zA-Z][\w-]*[^>]*(?:toc|anchor-link|footnote|&)[^>]*>"
)
_BLOCK_TAG_RE = re.compile(
    r"<(?:(?i:"
    + "|".join(sorted(BLOCK_TAGS))
    + r")|/(?i:"
    + "|".join(sorted(BLOCK_TAGS - VOID_TAGS))
    + r"))(?![\w-])[^>]*>"
)
# The fast path reads HTML whose every `<` opens a tag closed by the next `>` (no `<` in attribute values,
# no stray `<`), with no `<x/>` and every `&` starting a whole entity: the sanitiser's output.
_IRREGULAR_RE = re.compile(r"<(?:(?!/?[a-zA-Z])|[^>]*(?:<|$))|/>|&(?![#\w]+;)")


def sections_from_html(html: str) -> list[Section]:
    """One Section per heading (plus the text before the first heading, with anchor '').

    Text goes to the current heading or section, block tags separate words, a heading starts a section,
    an element with a skipped class or id is left out with all it holds. For the sanitiser's regular
    output the text between headings and possible skipped elements is taken with two substitutions
    (block tags to spaces, other tags removed); anything irregular is read token by token
    (`sections_by_tokens`), with the same result.
    """
    if _IRREGULAR_RE.search(html):
        return sections_by_tokens(html)
    built = _Sections()
    unescape = html_entities.unescape

    def skip_from(position: int) -> int:
        """Past the end of the skipped element opened just before `position`; its block tags still
        separate words, as the token reader's do."""
        depth = 1
        for m in _TOKEN_RE.finditer(html, position):
            tag = m.group("tag")
            if tag is None:
                continue
            tag = tag.lower()
            if tag in VOID_TAGS:
                if tag in BLOCK_TAGS and not m.group("end"):
                    built.text.append(" ")
                continue
            if not m.group("end"):
                if tag in BLOCK_TAGS:
                    built.text.append(" ")
                if not m.group("self"):
                    depth += 1
                    continue
                depth += 1
            depth -= 1
            built.close(tag)
            if not depth:
                return m.end()
        return len(html)

    position = 0
    while True:
        event = _EVENT_RE.search(html, position)
        plain = html[position : event.start() if event else len(html)]
        if plain:
            if built.heading_text is not None:
                plain = _QUIET_TAG_RE.sub("", plain)
            else:
                plain = _QUIET_TAG_RE.sub("", _BLOCK_TAG_RE.sub(" ", plain))
            if "&" in plain:
                plain = unescape(plain)
            built.add(plain)
        if event is None:
            break
        m = _TOKEN_RE.match(html, event.start())
        position = m.end()
        tag = m.group("tag").lower()
        if tag in VOID_TAGS:
            if tag in BLOCK_TAGS and not m.group("end"):
                built.text.append(" ")
            continue
        if m.group("end"):
            built.close(tag)
            continue
        skipped, element_id = _skipping(m.group("attrs"))
        if skipped:
            if tag in BLOCK_TAGS:
                built.text.append(" ")
            position = skip_from(position)
            continue
        if tag in HEADINGS:
            built.open_heading(tag, element_id)
        elif tag in BLOCK_TAGS:
            built.text.append(" ")
    return built.finished()
