"""kramdown block syntax that CommonMark reads differently, rewritten into the CommonMark form first.

Pure text work, run after the Liquid pre-pass and before the markdown engine:

- `markdown="1"` (or `"block"`) on an HTML element, at any depth: its content is markdown. CommonMark
  parses markdown between HTML lines when blank lines separate them, so the attribute is dropped and
  the element's content is set apart by blank lines (`markdown="span"` / `"0"`: only the attribute goes).
- An HTML block element ends at its closing tag, not at the next blank line: a blank line is put
  after the closing tag so the markdown that follows it (a code fence, a heading) is parsed.
- `> {: .note }` followed by lines without `>`: those lines are part of the quote (kramdown's lazy
  lines), so the attribute list reaches them.
- A table whose separator row has fewer cells than its header (kramdown accepts it, GFM does not): the
  separator row is completed.

Fenced code is never touched.
"""

from __future__ import annotations

import bisect
import re

from markdown_it.common.html_blocks import block_names

_BLOCK_TAGS = frozenset(block_names)
_HTML_BLOCK_START_RE = re.compile(r"^[ ]{0,3}<(?P<tag>[A-Za-z][\w-]*)(?=[\s/>]|$)")
_FENCE_RE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")
_MARKDOWN_ATTR_RE = re.compile(
    r"<(?P<tag>[A-Za-z][\w-]*)(?P<before>[^<>]*?)\s+markdown\s*=\s*(?P<q>[\"']?)(?P<mode>1|block|span|0)(?P=q)"
    r"(?P<after>[^<>]*)>",
)
_DELIMITER_CELL_RE = re.compile(r"^\s*:?-+:?\s*$")


def _fenced_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block."""
    inside: list[bool] = []
    fence: str | None = None
    for line in lines:
        match = _FENCE_RE.match(line)
        if fence is None and match:
            fence = match.group(1)
            inside.append(True)
        elif fence is not None:
            inside.append(True)
            if (
                match
                and match.group(1)[0] == fence[0]
                and len(match.group(1)) >= len(fence)
                and not line.strip().strip(fence[0])
            ):
                fence = None
        else:
            inside.append(False)
    return inside


def _split_cells(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return re.split(r"(?<!\\)\|", body)


def _is_delimiter_row(line: str) -> bool:
    if "-" not in line or not set(line.strip()) <= set("|:- \t"):
        return False
    cells = _split_cells(line)
    return bool(cells) and all(_DELIMITER_CELL_RE.match(cell) for cell in cells)


def complete_table_separators(lines: list[str], fenced: list[bool]) -> None:
    """Give a table's separator row as many cells as its header row (in place)."""
    for index in range(1, len(lines)):
        line = lines[index]
        if fenced[index] or fenced[index - 1] or "|" not in line or not _is_delimiter_row(line):
            continue
        header = lines[index - 1]
        if "|" not in header or not header.strip():
            continue
        missing = len(_split_cells(header)) - len(_split_cells(line))
        if missing > 0:
            row = line.rstrip()
            if not row.endswith("|"):
                row += "|"
            lines[index] = row + "---|" * missing


_QUOTED_IAL_RE = re.compile(r"^[ ]{0,3}>[ ]?\{:[^}\n]*\}[ \t]*$")


def quote_lazy_lines_after_attribute_lists(lines: list[str], fenced: list[bool]) -> None:
    """`> {: .note }` followed by lines without `>`: kramdown reads those lines as part of the quote
    (lazy continuation), so the attribute list applies to them; CommonMark would end the quote."""
    index = 0
    while index < len(lines):
        if fenced[index] or not _QUOTED_IAL_RE.match(lines[index]):
            index += 1
            continue
        index += 1
        while index < len(lines) and lines[index].strip() and not fenced[index]:
            if not lines[index].lstrip().startswith(">"):
                lines[index] = "> " + lines[index].lstrip()
            index += 1


class _ClosingTags:
    """For each start tag of a given name, the end tag that closes it (same-name elements nest).

    Found in one pass per tag name, so a page with thousands of unclosed tags stays linear."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pairs: dict[str, dict[int, re.Match]] = {}

    def after(self, tag: str, start: int) -> re.Match | None:
        """The end tag closing the element whose start tag ends at `start`."""
        key = tag.lower()
        if key not in self._pairs:
            self._pairs[key] = self._pair(key)
        return self._pairs[key].get(start)

    def _pair(self, tag: str) -> dict[int, re.Match]:
        pattern = re.compile(rf"<(/?){re.escape(tag)}\b[^>]*>", re.IGNORECASE)
        pairs: dict[int, re.Match] = {}
        open_ends: list[int] = []
        for match in pattern.finditer(self._text):
            if match.group(0).endswith("/>"):
                continue
            if not match.group(1):
                open_ends.append(match.end())
            elif open_ends:
                pairs[open_ends.pop()] = match
        return pairs


def open_markdown_elements(text: str) -> str:
    """Drop `markdown="…"` attributes; set block content apart by blank lines so it is parsed."""
    if "markdown" not in text:
        return text
    lines = text.split("\n")
    fenced = _fenced_lines(lines)
    protected: list[tuple[int, int]] = []
    offset = 0
    for line, inside in zip(lines, fenced, strict=True):
        if inside:
            protected.append((offset, offset + len(line) + 1))
        offset += len(line) + 1

    def in_code(position: int) -> bool:
        index = bisect.bisect_right(protected, (position, float("inf"))) - 1
        return index >= 0 and protected[index][0] <= position < protected[index][1]

    edits: list[tuple[int, int, str]] = []
    closing_tags = _ClosingTags(text)
    for match in _MARKDOWN_ATTR_RE.finditer(text):
        if in_code(match.start()):
            continue
        opening = f"<{match.group('tag')}{match.group('before')}{match.group('after')}>"
        if match.group("mode") in ("1", "block"):
            close = closing_tags.after(match.group("tag"), match.end())
            edits.append((match.start(), match.end(), opening + "\n\n"))
            if close is not None:
                edits.append((close.start(), close.start(), "\n\n"))
        else:
            edits.append((match.start(), match.end(), opening))
    out: list[str] = []
    position = 0
    for start, end, replacement in sorted(edits):
        out.append(text[position:start])
        out.append(replacement)
        position = end
    out.append(text[position:])
    return "".join(out)


def end_html_blocks_at_their_closing_tag(text: str) -> str:
    """A blank line after the closing tag of each top-level HTML block element followed by text."""
    if "<" not in text:
        return text
    lines = text.split("\n")
    fenced = _fenced_lines(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    blank_after: set[int] = set()
    closing_tags = _ClosingTags(text)
    index = 0
    while index < len(lines):
        match = None if fenced[index] else _HTML_BLOCK_START_RE.match(lines[index])
        if not match or match.group("tag").lower() not in _BLOCK_TAGS:
            index += 1
            continue
        start_tag_end = text.find(">", starts[index] + match.end())
        close = None if start_tag_end < 0 else closing_tags.after(match.group("tag"), start_tag_end + 1)
        if close is None:
            index += 1
            continue
        close_line = bisect.bisect_right(starts, close.start()) - 1
        rest = text[close.end() : starts[close_line + 1] - 1]
        if not rest.strip() and close_line + 1 < len(lines) and lines[close_line + 1].strip():
            blank_after.add(close_line)
        content_is_markdown = index + 1 < len(lines) and not lines[index + 1].strip()
        index = index + 1 if content_is_markdown else close_line + 1
    if not blank_after:
        return text
    return "\n".join(line + ("\n" if i in blank_after else "") for i, line in enumerate(lines))


def kramdown_blocks(text: str) -> str:
    """The text with kramdown's block forms rewritten for a CommonMark engine."""
    lines = text.split("\n")
    fenced = _fenced_lines(lines)
    complete_table_separators(lines, fenced)
    quote_lazy_lines_after_attribute_lists(lines, fenced)
    return end_html_blocks_at_their_closing_tag(open_markdown_elements("\n".join(lines)))
