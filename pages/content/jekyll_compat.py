"""Jekyll's Liquid, turned into plain markdown before rendering.

Pure text work, no ORM. What it converts:

- `{% raw %}…{% endraw %}`: the content is kept literally (and never touched by anything below).
- `{{ site.NAME }}` (from `_config.yml`) and `{{ page.NAME }}` (from the front matter),
  `{{ "/x" | relative_url }}`, `{{ "/x" | absolute_url }}`, `{{ "text" }}`.
- `{% link path %}` and `{% post_url name %}`, through the context's resolver.
- `{% highlight lang %}…{% endhighlight %}`: a fenced code block.

Liquid inside fenced code blocks and code spans is left alone (it is code). Everything else that is
Liquid (`{% include %}`, loops, conditions, captures, other tags, unknown variables) is removed and
listed in the warnings with its line number, so nothing is silently shown as garbage.

Linear time: every delimiter (`{%`, `%}`, `{{`, `}}`, backtick runs, raw and endhighlight tags) is found
in one pass, and each opener looks its closer up in those lists (`bisect`) instead of scanning the rest
of the text, so 120 KB of unclosed `{% ` costs what 120 KB of prose does (`make bench` measures it).
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

# Block tags whose whole content is removed together with them (it needs data Quire does not have).
BLOCK_TAGS = {
    "for": "endfor",
    "if": "endif",
    "unless": "endunless",
    "case": "endcase",
    "capture": "endcapture",
    "tablerow": "endtablerow",
    "comment": "endcomment",
}
MAX_LINES_LISTED = 10

_RAW_OPEN_RE = re.compile(r"\{%-?\s*raw\s*-?%\}")
_RAW_END_RE = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_FENCE_RE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_BACKTICKS_RE = re.compile(r"`+")
_OPENER_RE = re.compile(r"\{(?=[%{])")  # the "{" of every "{%" and "{{" (overlapping: "{{%" has two)
_CLOSERS = {"%": "%}", "{": "}}"}
_LEADING_WORD_RE = re.compile(r"\s*(\w+)")
END_TAGS = {end: name for name, end in BLOCK_TAGS.items()}
_STRING_RE = r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')"""
_URL_FILTER_RE = re.compile(rf"^\s*{_STRING_RE}\s*\|\s*(?P<filter>relative_url|absolute_url)\s*$")
_LITERAL_RE = re.compile(rf"^\s*{_STRING_RE}\s*$")
_BASEURL_RE = re.compile(r"^\s*site\.baseurl\s*$")
_SITE_VARIABLE_RE = re.compile(r"^\s*(?P<scope>site|page)\.(?P<name>[A-Za-z_][\w-]*)\s*$")
_ENDHIGHLIGHT_RE = re.compile(r"\{%-?\s*endhighlight\s*-?%\}")


@dataclass
class Prepared:
    """The pre-processed markdown and what could not be converted."""

    text: str
    warnings: list[str] = field(default_factory=list)


class _Warnings:
    """Warnings grouped by message, each with the lines where it happened."""

    def __init__(self, line_offset: int = 0) -> None:
        # Lines per message in the order first seen: a dict (not a list) keeps each add O(1), so
        # 100,000 unclosed tags on their own lines stay linear.
        self._lines: dict[str, dict[int, None]] = defaultdict(dict)
        self._offset = line_offset

    def add(self, message: str, line: int) -> None:
        self._lines[message].setdefault(line + self._offset, None)

    def as_list(self) -> list[str]:
        out = []
        grouped = {message: list(lines) for message, lines in self._lines.items()}
        for message, lines in sorted(grouped.items(), key=lambda item: item[1][0]):
            shown = ", ".join(str(n) for n in lines[:MAX_LINES_LISTED])
            more = f" (and {len(lines) - MAX_LINES_LISTED} more)" if len(lines) > MAX_LINES_LISTED else ""
            label = "line" if len(lines) == 1 else "lines"
            out.append(f"{label} {shown}{more}: {message}")
        return out


class _Lines:
    """Maps an offset in a text to its 1-based line number."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


@dataclass(frozen=True)
class LiquidTag:
    """One `{% tag %}` (kind "tag") or `{{ variable }}` (kind "var"); `inner` is the text between the
    delimiters without Liquid's whitespace-control dashes."""

    start: int
    end: int
    kind: str
    inner: str

    @property
    def leading_word(self) -> str:
        match = _LEADING_WORD_RE.match(self.inner)
        return match.group(1) if match else ""


def _positions(text: str, needle: str) -> list[int]:
    """Every start of `needle` in text, ascending, overlapping ones included ("}}}" has two "}}")."""
    return [match.start() for match in re.finditer(f"(?={re.escape(needle)})", text)]


class LiquidTags(Sequence[LiquidTag]):
    """The tags of one text, kept as lists of offsets: a page with 200,000 tags holds a few lists of
    integers, not 200,000 objects for the garbage collector to walk again and again (which made the
    pre-pass superlinear); `LiquidTag`s are made as they are read."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.inner_starts: list[int] = []
        self.inner_ends: list[int] = []
        self.kinds = bytearray()

    def add(self, start: int, end: int, kind: str, inner_start: int, inner_end: int) -> None:
        self.starts.append(start)
        self.ends.append(end)
        self.inner_starts.append(inner_start)
        self.inner_ends.append(inner_end)
        self.kinds.append(ord(kind))

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index):  # Sequence's signature: an int (slices are not needed)
        inner = self.text[self.inner_starts[index] : self.inner_ends[index]]
        kind = "tag" if self.kinds[index] == ord("%") else "var"
        return LiquidTag(self.starts[index], self.ends[index], kind, inner)


def liquid_tags(text: str) -> LiquidTags:
    r"""Every Liquid tag and variable, left to right, without overlaps: what the regex
    `\{%-?(.*?)-?%\}|\{\{-?(.*?)-?\}\}` (DOTALL) finds, in linear time. That regex scans to the end of
    the text from every unclosed opener (quadratic); here each opener finds its closer in a list."""
    closers = {kind: _positions(text, closer) for kind, closer in _CLOSERS.items()}
    tags = LiquidTags(text)
    pos = 0
    for opener in _OPENER_RE.finditer(text):
        start = opener.start()
        if start < pos:
            continue
        kind = text[start + 1]
        inner_start = start + 3 if text.startswith("-", start + 2) else start + 2
        found = closers[kind]
        index = bisect.bisect_left(found, inner_start)
        if index == len(found):
            continue  # no closer anywhere after it: later openers of this kind have none either
        close = found[index]
        inner_end = close - 1 if close - 1 >= inner_start and text[close - 1] == "-" else close
        tags.add(start, close + 2, kind, inner_start, inner_end)
        pos = close + 2
    return tags


def block_partners(tags: Sequence[LiquidTag]) -> dict[int, int]:
    """For each block tag (`{% if %}`, `{% for %}`, …) that is closed, the index of its end tag.

    One pass with a stack per block name: the end tag that brings an opener's nesting depth back to
    zero is the one that pops it."""
    stacks: dict[str, list[int]] = defaultdict(list)
    partners: dict[int, int] = {}
    for index, tag in enumerate(tags):
        if tag.kind != "tag":
            continue
        word = tag.leading_word
        if word in BLOCK_TAGS:
            stacks[word].append(index)
        elif word in END_TAGS and stacks[END_TAGS[word]]:
            partners[stacks[END_TAGS[word]].pop()] = index
    return partners


def _in_ranges(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    """True when [start, end) overlaps any of the sorted, disjoint ranges."""
    i = bisect.bisect_right(ranges, (start, float("inf"))) - 1
    if i >= 0 and ranges[i][1] > start:
        return True
    return i + 1 < len(ranges) and ranges[i + 1][0] < end


def _strip_raw(text: str, warnings: _Warnings) -> tuple[str, list[tuple[int, int]]]:
    """Remove raw markers; return the text and the ranges whose content must stay literal."""
    out: list[str] = []
    protected: list[tuple[int, int]] = []
    pos = 0
    length = 0
    lines = _Lines(text)
    ends = list(_RAW_END_RE.finditer(text))
    end_starts = [end.start() for end in ends]
    while (opening := _RAW_OPEN_RE.search(text, pos)) is not None:
        index = bisect.bisect_left(end_starts, opening.end())
        if index == len(ends):
            break
        closing = ends[index]
        out.append(text[pos : opening.start()])
        length += opening.start() - pos
        content = text[opening.end() : closing.start()]
        protected.append((length, length + len(content)))
        out.append(content)
        length += len(content)
        pos = closing.end()
    rest = text[pos:]
    unclosed = _RAW_OPEN_RE.search(rest)
    if unclosed:
        warnings.add("{% raw %} without {% endraw %}: the rest of the page is kept as written", lines.of(pos))
        out.append(rest[: unclosed.start()])
        length += unclosed.start()
        protected.append((length, length + len(rest) - unclosed.end()))
        out.append(rest[unclosed.end() :])
    else:
        out.append(rest)
    return "".join(out), protected


def _code_ranges(text: str) -> list[tuple[int, int]]:
    """Ranges of fenced code blocks and code spans (Liquid there is code, not a tag)."""
    ranges: list[tuple[int, int]] = []
    offset = 0
    fence: str | None = None
    fence_start = 0
    prose_start = 0
    for line in text.splitlines(keepends=True):
        match = _FENCE_RE.match(line)
        if fence is None and match:
            ranges.extend(_code_span_ranges(text, prose_start, offset))
            fence, fence_start = match.group(1), offset
        elif fence is not None and match and _closes(fence, match.group(1), line):
            ranges.append((fence_start, offset + len(line)))
            fence = None
            prose_start = offset + len(line)
        offset += len(line)
    if fence is not None:
        ranges.append((fence_start, len(text)))
    else:
        ranges.extend(_code_span_ranges(text, prose_start, len(text)))
    return sorted(ranges)


def _closes(fence: str, candidate: str, line: str) -> bool:
    """A closing fence: the same character, at least as long, nothing after it."""
    return candidate[0] == fence[0] and len(candidate) >= len(fence) and line.strip() == candidate


def _code_span_ranges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Code spans in text[start:end]: a backtick run up to the next run of the same length (spans with a
    blank line inside are not code). Each run knows its next same-length run, so this is linear."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS_RE.finditer(text, start, end)]
    following: list[int | None] = [None] * len(runs)
    last_of_length: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        following[index] = last_of_length.get(length)
        last_of_length[length] = index
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        partner = following[index]
        if partner is None:
            index += 1
            continue
        span = (runs[index][0], runs[partner][1])
        if "\n\n" not in text[span[0] : span[1]]:
            spans.append(span)
        index = partner + 1
    return spans


def _merge(*range_lists: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(r for ranges in range_lists for r in ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def candidate_sources(name: str, source_path: str | None) -> list[str]:
    """Where a site-root-relative path may live: the site root may be any folder above the page."""
    name = name.strip().lstrip("/")
    folders = []
    folder = posixpath.dirname(source_path or "")
    while folder:
        folders.append(folder)
        folder = posixpath.dirname(folder)
    return [name] + [f"{folder}/{name}" for folder in folders]


class _LiquidConverter:
    def __init__(self, text: str, protected: list[tuple[int, int]], context, warnings: _Warnings) -> None:
        self.text = text
        self.protected = protected
        self.context = context
        self.warnings = warnings
        self.lines = _Lines(text)
        self.kept_literal: list[tuple[int, int]] = []
        self.tags = liquid_tags(text)
        self.partners = block_partners(self.tags)
        self.highlight_ends = [
            end
            for end in _ENDHIGHLIGHT_RE.finditer(text)
            if not _in_ranges(protected, end.start(), end.end())
        ]
        self.highlight_end_starts = [end.start() for end in self.highlight_ends]

    @property
    def baseurl(self) -> str:
        return (getattr(self.context, "baseurl", "") or "").rstrip("/")

    def resolve(self, name: str, *, post: bool = False) -> str | None:
        resolver = getattr(self.context, "resolve_source", None)
        if resolver is None:
            return None
        source_path = getattr(self.context, "source_path", None)
        for candidate in candidate_sources(name, source_path):
            paths = [f"_posts/{candidate}", candidate] if post else [candidate]
            for path in paths:
                url = resolver(path)
                if url:
                    return url
                if post:
                    for extension in (".md", ".markdown"):
                        url = resolver(path + extension)
                        if url:
                            return url
        return None

    def convert(self) -> str:
        """The text with Liquid replaced; `kept_literal` then holds the protected ranges in it."""
        out: list[str] = []
        pos = 0
        length = 0
        text = self.text
        for index, tag in enumerate(self.tags):
            if tag.start < pos or _in_ranges(self.protected, tag.start, tag.end):
                continue
            self._keep(pos, tag.start, length)
            out.append(text[pos : tag.start])
            length += tag.start - pos
            replacement, pos = self._replace(index, tag)
            out.append(replacement)
            length += len(replacement)
        self._keep(pos, len(text), length)
        out.append(text[pos:])
        return "".join(out)

    def _keep(self, start: int, end: int, at: int) -> None:
        """Record where the protected ranges inside text[start:end] land in the output."""
        index = bisect.bisect_left(self.protected, (start, -1))
        while index < len(self.protected) and self.protected[index][1] <= end:
            range_start, range_end = self.protected[index]
            self.kept_literal.append((at + range_start - start, at + range_end - start))
            index += 1

    def _replace(self, index: int, tag: LiquidTag) -> tuple[str, int]:
        line = self.lines.of(tag.start)
        if tag.kind == "var":
            return self._variable(tag.inner, line), tag.end
        words = tag.inner.split()
        name = words[0] if words else ""
        argument = " ".join(words[1:])
        if name == "link":
            return self._link(argument, line, post=False), tag.end
        if name == "post_url":
            return self._link(argument, line, post=True), tag.end
        if name == "highlight":
            return self._highlight(tag, words[1] if len(words) > 1 else "", line)
        if name in BLOCK_TAGS:
            return self._block(index, tag, name, line)
        if name in {"assign", "increment", "decrement", "seo", "feed_meta"}:
            self.warnings.add(f"Liquid tag {{% {name} %}} is not supported by Quire; removed", line)
        elif name in {"include", "include_relative", "include_cached", "render"}:
            shown = f"{name} {argument}".strip()
            self.warnings.add(f"Liquid tag {{% {shown} %}} is not supported by Quire; removed", line)
        else:
            self.warnings.add(f"Liquid tag {{% {name} %}} is not supported by Quire; removed", line)
        return "", tag.end

    def _variable(self, expression: str, line: int) -> str:
        if _BASEURL_RE.match(expression):
            return self._site_value("baseurl", self.baseurl)
        variable = _SITE_VARIABLE_RE.match(expression)
        if variable:
            value = self._site_value(variable.group("name"), None, scope=variable.group("scope"))
            if value is not None:
                return value
        url = _URL_FILTER_RE.match(expression)
        if url:
            value = url.group("dq") if url.group("dq") is not None else url.group("sq")
            if value.startswith("/"):
                return self.baseurl + value
            return f"{self.baseurl}/{value}" if value else self.baseurl + "/"
        literal = _LITERAL_RE.match(expression)
        if literal:
            return literal.group("dq") if literal.group("dq") is not None else literal.group("sq")
        shown = " ".join(expression.split())
        self.warnings.add(f"Liquid variable {{{{ {shown} }}}} is not known to Quire; removed", line)
        return ""

    def _site_value(self, name: str, default: str | None, *, scope: str = "site") -> str | None:
        """`{{ site.NAME }}` as the site's `_config.yml` writes it, `{{ page.NAME }}` as the page's front
        matter does (text, numbers and booleans)."""
        value = (getattr(self.context, scope, None) or {}).get(name)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        return default

    def _link(self, argument: str, line: int, *, post: bool) -> str:
        name = argument.strip()
        tag = "post_url" if post else "link"
        if not name or "{{" in name or "|" in name:
            self.warnings.add(f"{{% {tag} {name} %}} cannot be resolved (dynamic target); removed", line)
            return ""
        url = self.resolve(name, post=post)
        if url is None:
            self.warnings.add(f"{{% {tag} {name} %}}: no page was imported from {name!r}", line)
            return f"{self.baseurl}/{name.lstrip('/')}"
        return self.baseurl + url

    def _highlight(self, tag: LiquidTag, language: str, line: int) -> tuple[str, int]:
        found = bisect.bisect_left(self.highlight_end_starts, tag.end)
        if found == len(self.highlight_ends):
            self.warnings.add("{% highlight %} without {% endhighlight %}; removed", line)
            return "", tag.end
        end = self.highlight_ends[found]
        code = self.text[tag.end : end.start()].strip("\n")
        fence = "~" * max(3, _longest_run(code, "~") + 1)
        language = re.sub(r"[^\w+#.-]", "", language)
        return f"{fence}{language}\n{code}\n{fence}", end.end()

    def _block(self, index: int, tag: LiquidTag, name: str, line: int) -> tuple[str, int]:
        end_name = BLOCK_TAGS[name]
        partner = self.partners.get(index)
        if partner is not None:
            self.warnings.add(
                f"Liquid block {{% {name} %}}…{{% {end_name} %}} is not supported by Quire; removed", line
            )
            return "", self.tags.ends[partner]
        message = f"Liquid block {{% {name} %}} without {{% {end_name} %}}; the tag was removed"
        self.warnings.add(message, line)
        return "", tag.end


def _longest_run(text: str, char: str) -> int:
    runs = re.findall(re.escape(char) + "+", text)
    return max((len(run) for run in runs), default=0)


def prepare(text: str, context=None) -> Prepared:
    """Convert the Liquid Quire understands; list the rest as warnings with line numbers."""
    warnings = _Warnings(getattr(context, "line_offset", 0))
    text, raw_ranges = _strip_raw(text, warnings)
    protected = _merge(raw_ranges, _code_ranges(text))
    converter = _LiquidConverter(text, protected, context, warnings)
    text = converter.convert()
    return Prepared(text=text, warnings=warnings.as_list())
