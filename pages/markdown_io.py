"""Reading and writing markdown files with YAML front matter (Jekyll's rules). Pure: no ORM."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

FRONT_MATTER_RE = re.compile(
    r"\A---[ \t]*\r?\n(?P<yaml>.*?)(?:^|\r?\n)(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M
)


class SourceError(ValueError):
    """A file that cannot be imported; the message names the file and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None):
        self.path, self.line, self.column = path, line, column
        where = path if line is None else f"{path}:{line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")


@dataclass
class PageSource:
    path: str
    front_matter: dict
    front_matter_raw: str
    body: str
    has_front_matter: bool = True
    newline: str = "\n"
    bom: bool = False
    warnings: list[str] = field(default_factory=list)


def json_safe(value):
    """Front-matter values as JSON: dates become ISO strings, mappings keep their order."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def parse_text(path: str, text: str) -> PageSource:
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    newline = "\r\n" if "\r\n" in text[:2000] else "\n"
    match = FRONT_MATTER_RE.match(text)
    if not match:
        return PageSource(path, {}, "", text, has_front_matter=False, newline=newline, bom=bom)
    raw = match.group("yaml")
    try:
        data = yaml.safe_load(raw) if raw.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else None
        raise SourceError(path, f"invalid YAML front matter: {exc}", line) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SourceError(path, f"front matter must be a mapping, not {type(data).__name__}", 2)
    return PageSource(path, data, raw, text[match.end() :], newline=newline, bom=bom)


def read_file(path: str, data: bytes) -> PageSource:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"not UTF-8 (byte {exc.start})") from exc
    return parse_text(path, text)


def default_url(path: str) -> str:
    """Jekyll's pretty URL for a file: folder/file.md -> /folder/file/, index.md -> its folder."""
    p = PurePosixPath(path)
    parts = [part for part in p.parent.parts if part not in ("", ".")]
    stem = p.stem
    if parts and parts[0] == "_posts":
        m = re.match(r"(\d{4})-(\d{2})-(\d{2})-(.+)", stem)
        if m:
            return "/" + "/".join([*m.groups()[:3], m.group(4)]) + "/"
    if parts and parts[0].startswith("_"):
        parts[0] = parts[0][1:]
    if stem != "index":
        parts.append(stem)
    return "/" + "".join(f"{part}/" for part in parts)
