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
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections import defaultdict
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

_RAW_RE = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.DOTALL)
_RAW_OPEN_RE = re.compile(r"\{%-?\s*raw\s*-?%\}")
_FENCE_RE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_CODE_SPAN_RE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_LIQUID_RE = re.compile(r"\{%-?(?P<tag>.*?)-?%\}|\{\{-?(?P<var>.*?)-?\}\}", re.DOTALL)
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
        self._lines: dict[str, list[int]] = defaultdict(list)
        self._offset = line_offset

    def add(self, message: str, line: int) -> None:
        line += self._offset
        if line not in self._lines[message]:
            self._lines[message].append(line)

    def as_list(self) -> list[str]:
        out = []
        for message, lines in sorted(self._lines.items(), key=lambda item: item[1][0]):
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
    for match in _RAW_RE.finditer(text):
        out.append(text[pos : match.start()])
        length += match.start() - pos
        content = match.group(1)
        protected.append((length, length + len(content)))
        out.append(content)
        length += len(content)
        pos = match.end()
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
    spans = _CODE_SPAN_RE.finditer(text[start:end])
    return [(start + m.start(), start + m.end()) for m in spans if "\n\n" not in m.group(0)]


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
        for match in _LIQUID_RE.finditer(text):
            if match.start() < pos or _in_ranges(self.protected, match.start(), match.end()):
                continue
            self._keep(pos, match.start(), length)
            out.append(text[pos : match.start()])
            length += match.start() - pos
            replacement, pos = self._replace(match)
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

    def _replace(self, match: re.Match) -> tuple[str, int]:
        line = self.lines.of(match.start())
        if match.group("var") is not None:
            return self._variable(match.group("var"), line), match.end()
        words = match.group("tag").split()
        name = words[0] if words else ""
        argument = " ".join(words[1:])
        if name == "link":
            return self._link(argument, line, post=False), match.end()
        if name == "post_url":
            return self._link(argument, line, post=True), match.end()
        if name == "highlight":
            return self._highlight(match, words[1] if len(words) > 1 else "", line)
        if name in BLOCK_TAGS:
            return self._block(match, name, line)
        if name in {"assign", "increment", "decrement", "seo", "feed_meta"}:
            self.warnings.add(f"Liquid tag {{% {name} %}} is not supported by Quire; removed", line)
        elif name in {"include", "include_relative", "include_cached", "render"}:
            shown = f"{name} {argument}".strip()
            self.warnings.add(f"Liquid tag {{% {shown} %}} is not supported by Quire; removed", line)
        else:
            self.warnings.add(f"Liquid tag {{% {name} %}} is not supported by Quire; removed", line)
        return "", match.end()

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

    def _highlight(self, match: re.Match, language: str, line: int) -> tuple[str, int]:
        ends = _ENDHIGHLIGHT_RE.finditer(self.text, match.end())
        end = next((e for e in ends if not _in_ranges(self.protected, e.start(), e.end())), None)
        if end is None:
            self.warnings.add("{% highlight %} without {% endhighlight %}; removed", line)
            return "", match.end()
        code = self.text[match.end() : end.start()].strip("\n")
        fence = "~" * max(3, _longest_run(code, "~") + 1)
        language = re.sub(r"[^\w+#.-]", "", language)
        return f"{fence}{language}\n{code}\n{fence}", end.end()

    def _block(self, match: re.Match, name: str, line: int) -> tuple[str, int]:
        end_name = BLOCK_TAGS[name]
        names = re.escape(name) + "|" + re.escape(end_name)
        tag_re = re.compile(r"\{%-?\s*(" + names + r")\b.*?-?%\}", re.DOTALL)
        depth = 1
        for inner in tag_re.finditer(self.text, match.end()):
            depth += 1 if inner.group(1) == name else -1
            if depth == 0:
                self.warnings.add(
                    f"Liquid block {{% {name} %}}…{{% {end_name} %}} is not supported by Quire; removed", line
                )
                return "", inner.end()
        message = f"Liquid block {{% {name} %}} without {{% {end_name} %}}; the tag was removed"
        self.warnings.add(message, line)
        return "", match.end()


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
