"""Strict YAML front matter: load safely, know where each key is, edit one key without touching the rest.

Pure: no ORM. The one loader for every entry point (the import, the admin's front-matter box). Loading
refuses what a shared CMS must not accept: duplicate keys, keys with line breaks or control characters,
any tag beyond YAML's plain types (`!!python/...` and friends), a document that is not a mapping,
nesting deeper than MAX_DEPTH, and aliases that expand into a huge structure. Every refusal is a
`FrontMatterError` with the line and column in the YAML text (1-based); callers add the offset of the
opening `---` line.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_EXPANDED_NODES = 10_000
"""Aliases may point at big subtrees; past this many nodes after expansion the front matter is refused."""
MAX_DEPTH = 50
"""Lists and mappings nested deeper than this are refused (checked on the event stream, before any
recursive step, so 2,000 levels are a clear error rather than a RecursionError)."""
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# libyaml's parser when PyYAML has it (several times faster); positions for edits use the Python one.
_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "merge")
}


class FrontMatterError(ValueError):
    """Front matter that cannot be accepted; line and column are 1-based within the YAML text."""

    def __init__(
        self,
        message: str,
        line: int | None = None,
        column: int | None = None,
        *,
        first_line: int | None = None,
    ):
        self.line, self.column, self.first_line = line, column, first_line
        self.template = message
        super().__init__(self.describe())

    def describe(self, line_offset: int = 0) -> str:
        """The message, with any line it mentions counted from `line_offset` lines earlier."""
        if self.first_line is None:
            return self.template
        return self.template.format(first_line=self.first_line + line_offset)

    @property
    def message(self) -> str:
        return self.describe()

    def located(self, line_offset: int = 0) -> str:
        """The refusal naming its line, as every entry point without a file name shows it (the admin's
        front-matter box): "Line 2: duplicate key 'a' (first defined on line 1)". The import shows the
        same `describe` text after the file's `path:line:column:`. `line_offset`: the lines before
        the YAML text."""
        if self.line is None:
            return self.describe(line_offset)
        return f"Line {self.line + line_offset}: {self.describe(line_offset)}"


@dataclass
class LoadedFrontMatter:
    """The parsed mapping (insertion order kept) and the 1-based line of each top-level key."""

    data: dict
    key_lines: dict[str, int] = field(default_factory=dict)


def _where(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


_FLOAT_TAG = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_SCALARS = yaml.constructor.SafeConstructor()  # its scalar constructors only read the node given


def _scalar_problem(node: ScalarNode) -> str | None:
    """Why a plain scalar cannot be stored: a number JSON cannot hold (.inf, .nan, 1.0e+999) or a date
    that does not exist (2016-13-45); None when it is fine. Checked before construction, so such a value
    is refused with its line instead of failing later."""
    if node.tag not in (_FLOAT_TAG, _TIMESTAMP_TAG):
        return None
    constructor = _SCALARS
    if node.tag == _FLOAT_TAG:
        if math.isfinite(constructor.construct_yaml_float(node)):
            return None
        return (
            f"{node.value} is not a finite number, which JSON (and so the database) cannot hold; "
            f"quote it ('{node.value}') to keep it as text"
        )
    try:
        constructor.construct_yaml_timestamp(node)
    except (ValueError, OverflowError) as exc:
        return f"{node.value} is not a real date ({exc}); quote it ('{node.value}') to keep it as text"
    return None


def _check_tags_and_size(root: Node) -> None:
    """Refuse non-plain tags, numbers JSON cannot hold (.inf, .nan) and dates that do not exist; count
    nodes as if aliases were copied, refusing huge expansions."""
    stack: list[Node] = [root]
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_EXPANDED_NODES:
            raise FrontMatterError(
                f"front matter expands to more than {MAX_EXPANDED_NODES} values "
                "(YAML aliases that repeat big structures are refused)",
                *_where(root),
            )
        if node.tag not in _PLAIN_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise FrontMatterError(f"YAML tag {tag} is not allowed in front matter", *_where(node))
        problem = _scalar_problem(node) if isinstance(node, ScalarNode) else None
        if problem:
            raise FrontMatterError(problem, *_where(node))
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value))


def _too_deep(line: int | None = None, column: int | None = None) -> FrontMatterError:
    return FrontMatterError(
        f"front matter is nested too deeply (more than {MAX_DEPTH} levels of lists and mappings)",
        line,
        column,
    )


def _check_depth(text: str) -> None:
    """Refuse nesting past MAX_DEPTH from the parser's events (iterative: no recursion, no big tree)."""
    depth = 0
    for event in yaml.parse(text, Loader=_FastLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(event.start_mark.line + 1, event.start_mark.column + 1)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _check_keys(node: Node, depth: int = 0) -> None:
    """Refuse duplicate keys, and keys with line breaks or control characters (no file can hold them
    as a plain `key:` line, and they would reach terminals and exported files)."""
    if depth > MAX_DEPTH:
        raise _too_deep(*_where(node))
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                if _CONTROL_RE.search(key.value):
                    raise FrontMatterError(
                        _braces(f"key {key.value!r} contains a line break or control character"), *_where(key)
                    )
                if key.value in seen:
                    line, column = _where(key)
                    raise FrontMatterError(
                        _braces(f"duplicate key {key.value!r}") + " (first defined on line {first_line})",
                        line,
                        column,
                        first_line=seen[key.value],
                    )
                seen[key.value] = _where(key)[0]
            _check_keys(value, depth + 1)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            _check_keys(item, depth + 1)


def _yaml_error(exc: yaml.YAMLError, text: str) -> FrontMatterError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    lines = text.split("\n")
    at = lines[mark.line][mark.column : mark.column + 1] if mark and mark.line < len(lines) else ""
    if "'\\t'" in problem or at == "\t":
        problem = "a tab character is not allowed in YAML indentation; use spaces"
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    if "nesting depth" in problem:  # libyaml's own limit, met before MAX_DEPTH's event is read
        return _too_deep(line, column)
    return FrontMatterError(f"invalid YAML: {problem}", line, column)


def load(text: str) -> LoadedFrontMatter:
    """Parse front matter YAML strictly; an empty text is an empty mapping."""
    if not text.strip():
        return LoadedFrontMatter({})
    loader = None
    try:
        _check_depth(text)
        loader = _FastLoader(text)
        root = loader.get_single_node()
        if root is None:
            return LoadedFrontMatter({})
        _check_tags_and_size(root)
        if not isinstance(root, MappingNode):
            kind = "a list" if isinstance(root, SequenceNode) else f"the single value {root.value!r}"
            raise FrontMatterError(
                f"front matter must be a mapping of keys to values, not {kind}", *_where(root)
            )
        _check_keys(root)
        data = loader.construct_document(root)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise FrontMatterError(
            f"invalid YAML: character U+{exc.character:04X} is not allowed in YAML", line, column
        ) from exc
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text) from exc
    except RecursionError as exc:  # a parser without the event check's limits; never a 500
        raise _too_deep() from exc
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        raise FrontMatterError("front matter must be a mapping of keys to values", 1, 1)
    key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in root.value if isinstance(k, ScalarNode)}
    return LoadedFrontMatter(_as_databases_keep_it(data), key_lines)


def _as_databases_keep_it(value):
    """Numbers as every database gives them back. PostgreSQL's jsonb keeps a JSON number as a decimal:
    -0.0 comes back as 0.0, and a float whose shortest form has an exponent and no fraction (1.0e+16,
    written "1e+16") comes back as the whole number that form names. Loaded that way here, the page's
    derived fields (title, description, ...) are the same whether they come from the file or from the
    stored mapping, on every engine, so an export leaves such a file as it was."""
    if isinstance(value, float):
        if value == 0.0:
            return 0.0
        if math.isfinite(value) and value.is_integer() and "e" in repr(value):
            return int(decimal.Decimal(repr(value)))
        return value
    if isinstance(value, dict):
        return {key: _as_databases_keep_it(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_databases_keep_it(item) for item in value]
    return value


def scalar_text(value) -> str:
    """A value written as one line of YAML (quoted only where YAML needs it)."""
    if isinstance(value, float) and math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return f"{value:.1f}"
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**9, sort_keys=False)
    text = text.removesuffix("\n").removesuffix("\n...").removesuffix("\n")
    return text


def _top_level_node(text: str, key: str) -> tuple[ScalarNode, Node] | None:
    root = yaml.SafeLoader(text).get_single_node() if text.strip() else None
    if not isinstance(root, MappingNode):
        return None
    for key_node, value_node in root.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def set_key(text: str, key: str, value) -> str:
    """The YAML text with one top-level key's value replaced (or the key appended); the rest verbatim."""
    found = _top_level_node(text, key)
    new = scalar_text(value)
    if found is None:
        prefix = text if not text or text.endswith("\n") else text + "\n"
        return f"{prefix}{scalar_text(key)}: {new}\n"
    key_node, value_node = found
    start, end = value_node.start_mark.index, value_node.end_mark.index
    old = text[start:end]
    if start == end:
        return f"{text[:start]} {new}{text[end:]}"
    if "\n" not in old:
        return f"{text[:start]}{new}{text[end:]}"
    # A block value spans lines: the new scalar goes on the key's line, what follows stays.
    colon = text.index(":", key_node.end_mark.index)
    return f"{text[: colon + 1]} {new}{chr(10) if old.endswith(chr(10)) else ''}{text[end:]}"


def remove_key(text: str, key: str) -> str:
    """The YAML text without one top-level key (its whole lines); the rest verbatim."""
    found = _top_level_node(text, key)
    if found is None:
        return text
    key_node, value_node = found
    start = text.rfind("\n", 0, key_node.start_mark.index) + 1
    end = value_node.end_mark.index
    if end < len(text) and text[end - 1 : end] != "\n":
        newline = text.find("\n", end)
        end = len(text) if newline == -1 else newline + 1
    return text[:start] + text[end:]


_DATE_RE = re.compile(
    r"\A(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[Tt ]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?P<f>\.\d+)?)?)?"
    r"[ \t]*(?P<tz>Z|z|[+-]\d{1,2}(?::?\d{2})?)?\Z"
)


def parse_date(value) -> dt.datetime:
    """A front-matter date (YAML date, datetime, or text like `2016-05-19 14:20:00 +0200`) as an
    aware datetime; the offset is kept, a missing one means UTC. Raises ValueError when it is not a date."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date")
    match = _DATE_RE.match(value.strip())
    if not match:
        raise ValueError(f"'{value}' is not a date (expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS +HHMM)")
    g = match.groupdict()
    tz = dt.UTC
    if g["tz"] and g["tz"] not in "Zz":
        sign = -1 if g["tz"][0] == "-" else 1
        digits = g["tz"][1:].replace(":", "")
        hours, minutes = (int(digits), 0) if len(digits) <= 2 else (int(digits[:-2]), int(digits[-2:]))
        if hours > 23 or minutes > 59:
            raise ValueError(f"'{value}' has an impossible time-zone offset")
        tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    micro = int(float(g["f"]) * 1_000_000) if g["f"] else 0
    try:
        return dt.datetime(
            int(g["y"]), int(g["m"]), int(g["d"]),
            int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0), micro, tzinfo=tz,
        )  # fmt: skip
    except ValueError as exc:
        raise ValueError(f"'{value}' is not a real date ({exc})") from exc


_LOOSE_DATE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_LOOSE_TIME_RE = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])")
_LOOSE_ZONE_RE = re.compile(r"(?:^|\s)(Z|[+-]\d{2}:?\d{2})\s*\Z")


def parse_date_loosely(value: str) -> dt.datetime:
    """Like Jekyll (Ruby's Time.parse), find a date, a time and an offset in free text; other words are
    ignored: '2023-01-29 18:30:22 2023 -0800' is 2023-01-29 18:30:22 -08:00. Raises ValueError."""
    date = _LOOSE_DATE_RE.search(value)
    if not date:
        raise ValueError(f"'{value}' is not a date (expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS +HHMM)")
    rest = value[date.end() :]
    time = _LOOSE_TIME_RE.search(rest)
    zone = _LOOSE_ZONE_RE.search(rest)
    text = "-".join(date.groups())
    if time:
        text += " " + ":".join(part or "00" for part in time.groups())
    if zone:
        text += " " + zone.group(1)
    return parse_date(text)
