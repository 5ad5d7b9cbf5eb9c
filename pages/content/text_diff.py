"""Readable diffs of markdown: changed lines paired side by side, with the changed words marked.

`diff_rows(old, new)` gives the rows both history layouts draw: "split" (before | after) and
"inline" (removed line over added line). Unchanged stretches longer than the context are folded
into one "gap" row. The HTML of each side is escaped text with <del>/<ins> around changed words.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CONTEXT = 3
WHOLE_LINE_RATIO = 0.4
_WORDS_RE = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "same", "change", "add", "del" or "gap"
    old_no: int | None = None
    new_no: int | None = None
    old_html: SafeString = mark_safe("")
    new_html: SafeString = mark_safe("")
    skipped: int = 0  # lines folded away, for "gap" rows


def _marked(tokens: list[str], spans: list[tuple[int, int]], tag: str) -> SafeString:
    out, position = [], 0
    for start, end in spans:
        out.append(escape("".join(tokens[position:start])))
        out.append(f"<{tag}>{escape(''.join(tokens[start:end]))}</{tag}>")
        position = end
    out.append(escape("".join(tokens[position:])))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


def _whole(line: str, tag: str) -> SafeString:
    return _marked([line], [(0, 1)], tag) if line else mark_safe("")


def word_marks(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Both lines as HTML with the words only one of them has in <del> (old) and <ins> (new).

    Lines that share little (under WHOLE_LINE_RATIO) are marked whole; a run of spaces between two
    changed words is marked with them, so a rewritten phrase reads as one change."""
    a, b = _WORDS_RE.findall(old), _WORDS_RE.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < WHOLE_LINE_RATIO:
        return _whole(old, "del"), _whole(new, "ins")
    removed: list[tuple[int, int]] = []
    added: list[tuple[int, int]] = []
    opcodes = matcher.get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        between = 0 < index < len(opcodes) - 1
        if op == "equal" and between and all(not t.strip() for t in a[i1:i2]):
            op = "replace"
        if op in ("replace", "delete") and i2 > i1:
            _extend(removed, i1, i2)
        if op in ("replace", "insert") and j2 > j1:
            _extend(added, j1, j2)
    return _marked(a, removed, "del"), _marked(b, added, "ins")


def _extend(spans: list[tuple[int, int]], start: int, end: int) -> None:
    if spans and spans[-1][1] == start:
        spans[-1] = (spans[-1][0], end)
    else:
        spans.append((start, end))


def diff_rows(old: str, new: str, *, context: int = CONTEXT) -> list[DiffRow]:
    """The rows of a line diff with word marks (empty when the texts are equal)."""
    a, b = (old or "").splitlines(), (new or "").splitlines()
    if a == b:
        return []
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    groups = list(matcher.get_grouped_opcodes(context))
    shown_until = 0
    for group in groups:
        first = group[0][1]
        if first > shown_until:
            rows.append(DiffRow("gap", skipped=first - shown_until))
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                rows += [
                    DiffRow("same", i + 1, j + 1, escape(a[i]), escape(b[j]))
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
            for k in range(paired):
                old_html, new_html = word_marks(a[i1 + k], b[j1 + k])
                rows.append(DiffRow("change", i1 + k + 1, j1 + k + 1, old_html, new_html))
            for i in range(i1 + paired, i2):
                rows.append(DiffRow("del", old_no=i + 1, old_html=_whole(a[i], "del")))
            for j in range(j1 + paired, j2):
                rows.append(DiffRow("add", new_no=j + 1, new_html=_whole(b[j], "ins")))
        shown_until = group[-1][2]
    if shown_until < len(a):
        rows.append(DiffRow("gap", skipped=len(a) - shown_until))
    return rows
