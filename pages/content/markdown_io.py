"""Reading and writing markdown files with YAML front matter, byte for byte (Jekyll's rules). Pure: no ORM.

A file is: optional UTF-8 BOM, then — only at byte 0 — a front matter block (`---` line, YAML, `---` or
`...` line), then the body. A `---` further down is a horizontal rule; a fenced yaml block is code.
The text is kept with LF line endings when the file uses one style throughout (CRLF is put back on
write); a file that mixes styles is kept verbatim. Reading then writing gives back the same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pages.content import front_matter

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Files larger than this are refused (Quire's own guide and the largest real-world page are far below)."""

LF, CRLF, MIXED = "\n", "\r\n", "mixed"


class SourceError(ValueError):
    """A file that cannot be imported; the message names the file and, where known, line and column."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None):
        self.path, self.message, self.line, self.column = path, message, line, column
        where = path if line is None else f"{path}:{line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")


@dataclass
class PageSource:
    """One parsed file: the front matter (parsed and as written), the body, and how the bytes looked."""

    path: str
    front_matter: dict
    front_matter_raw: str
    body: str
    has_front_matter: bool = True
    newline: str = LF
    bom: bool = False
    opening: str = "---\n"
    closing: str = "---\n"
    key_lines: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def body_line_offset(self) -> int:
        """How many lines of the file come before the body (the front matter block)."""
        if not self.has_front_matter:
            return 0
        return (self.opening + self.front_matter_raw + self.closing).count("\n")

    @property
    def source_format(self) -> dict:
        """What `write_text` needs besides front matter and body (stored on the page)."""
        return {
            "newline": self.newline,
            "bom": self.bom,
            "has_front_matter": self.has_front_matter,
            "opening": self.opening,
            "closing": self.closing,
            "final_newline": (self.body or self.front_matter_raw + self.closing).endswith("\n"),
        }


def json_safe(value):
    """Front-matter values as JSON: dates become ISO strings, mappings keep their order."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def newline_style(text: str) -> str:
    """LF, CRLF, or MIXED (kept verbatim)."""
    crlf = text.count("\r\n")
    if crlf == 0:
        return MIXED if "\r" in text else LF
    if crlf == text.count("\n") and crlf == text.count("\r"):
        return CRLF
    return MIXED


def normalise_newlines(text: str) -> str:
    """Text with LF line endings, as Quire keeps a page's body (`write_text` puts the file's own line
    endings back). Browsers send a textarea's text with CRLF: stored as sent, `{: .no_toc }` and other
    attribute lists would show as literal text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> tuple[str, str, str, str] | None:
    """(opening line, YAML text, closing line, body) when the text starts with front matter, else None.

    Jekyll's rule: the first line is `---` (trailing blanks allowed), and the block ends at the first
    later line that is `---` or `...`.
    """
    first_end = text.find("\n")
    if first_end == -1 or text[:first_end].rstrip(" \t\r") != "---":
        return None
    position = first_end + 1
    while position <= len(text):
        line_end = text.find("\n", position)
        stop = len(text) if line_end == -1 else line_end + 1
        line = text[position:stop]
        if line.rstrip(" \t\r\n") in ("---", "..."):
            return text[: first_end + 1], text[first_end + 1 : position], line, text[stop:]
        if line_end == -1:
            break
        position = stop
    return None


def decode(path: str, data: bytes) -> str:
    """The file's text; refuses oversized, binary and non-UTF-8 files with the place of the problem."""
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(path, f"file is {len(data):,} bytes, over the {MAX_FILE_BYTES:,}-byte limit")
    nul = data.find(b"\x00")
    if nul != -1:
        line = data.count(b"\n", 0, nul) + 1
        column = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        raise SourceError(path, "binary file (NUL byte); only UTF-8 text is imported", line, column)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start : exc.start + 1].hex()
        raise SourceError(
            path, f"not UTF-8 (byte 0x{byte}); save the file as UTF-8 (it looks like latin-1)", line, column
        ) from exc


def parse_text(path: str, text: str, *, parse_yaml: bool = True) -> PageSource:
    """Split and parse one file's text; raises SourceError with file, line and column.

    With `parse_yaml=False` the front matter is only split off (its mapping left empty).
    """
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    newline = newline_style(text)
    if newline == CRLF:
        text = text.replace("\r\n", "\n")
    parts = split_front_matter(text)
    if parts is None:
        if text.startswith("---") and text[:4].rstrip(" \t\r\n") == "---":
            raise SourceError(path, "front matter starts on line 1 but has no closing '---' line", 1, 1)
        return PageSource(path, {}, "", text, has_front_matter=False, newline=newline, bom=bom, opening="")
    opening, raw, closing, body = parts
    if not parse_yaml:
        return PageSource(path, {}, raw, body, newline=newline, bom=bom, opening=opening, closing=closing)
    try:
        loaded = front_matter.load(raw.replace("\r\n", "\n") if newline == MIXED else raw)
    except front_matter.FrontMatterError as exc:
        line = exc.line + 1 if exc.line else None
        raise SourceError(path, exc.describe(line_offset=1), line, exc.column) from exc
    key_lines = {key: line + 1 for key, line in loaded.key_lines.items()}
    return PageSource(
        path, loaded.data, raw, body,
        newline=newline, bom=bom, opening=opening, closing=closing, key_lines=key_lines,
    )  # fmt: skip


def read_file(path: str, data: bytes, *, parse_yaml: bool = True) -> PageSource:
    """Parse a file's bytes (see `decode` and `parse_text`)."""
    return parse_text(path, decode(path, data), parse_yaml=parse_yaml)


def write_text(front_matter_raw: str, body: str, source_format: dict) -> str:
    """The file's text from its parts; with the parts `parse_text` returned, the original text."""
    fmt = source_format or {}
    newline = fmt.get("newline", LF)
    if newline != MIXED:
        body = body.replace("\r\n", "\n")
    if body and fmt.get("final_newline", True) and not body.endswith("\n"):
        body += "\n"
    if fmt.get("has_front_matter", True) or front_matter_raw:
        opening = fmt.get("opening") or "---\n"
        closing = fmt.get("closing") or "---\n"
        if front_matter_raw and not front_matter_raw.endswith("\n"):
            front_matter_raw += "\n"
        if body and not closing.endswith("\n"):
            closing += "\n"
        text = opening + front_matter_raw + closing + body
    else:
        text = body
    if newline == CRLF:
        text = text.replace("\n", "\r\n")
    return ("\ufeff" if fmt.get("bom") else "") + text


def write_bytes(front_matter_raw: str, body: str, source_format: dict) -> bytes:
    return write_text(front_matter_raw, body, source_format).encode("utf-8")
