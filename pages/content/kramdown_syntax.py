"""kramdown's own syntax rules, as plain functions: attribute lists, heading ids, typographic symbols.

Pure text work, no markdown engine and no ORM. The markdown engine (`pages.content.markdown_engine`) calls
these where kramdown would apply them, so each rule has one owner that tests can pin directly.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

# A block attribute list on a line of its own: `{: .note }`, `{:#id .a key="v"}`, `{:toc}`.
# `{:name: ...}` is an attribute list *definition* (ALD), recognised separately.
BLOCK_IAL_RE = re.compile(r"^\{:(?![:/])(?![\w-]+:)(?P<body>[^}\n]*)\}[ \t]*$")
ALD_RE = re.compile(r"^\{:(?![:/])(?P<name>[\w-]+):(?P<body>[^}\n]*)\}[ \t]*$")
# A span attribute list right after an inline element: `[x](y){: .btn }`.
SPAN_IAL_RE = re.compile(r"\{:(?![:/])(?![\w-]+:)(?P<body>[^}\n]*)\}")
# `## Heading {#custom-id}` (kramdown's header id syntax).
HEADER_ID_RE = re.compile(r"[\t ]\{#(?P<id>[A-Za-z][\w:-]*)\}[\t ]*$")
_IAL_PART_RE = re.compile(
    r"""\s*(?:
        \#(?P<id>[A-Za-z][\w:-]*)
      | \.(?P<class>-?[_A-Za-z][\w-]*)
      | (?P<key>[A-Za-z_:][\w:.-]*)=(?:"(?P<dq>(?:\\"|[^"])*)"|'(?P<sq>(?:\\'|[^'])*)')
      | (?P<ref>[A-Za-z_][\w-]*)
    )""",
    re.VERBOSE,
)
_ALLOWED_KEY_RE = re.compile(r"^[A-Za-z_][\w:.-]*$")


@dataclass
class AttributeList:
    """What one kramdown attribute list says: an id, classes, other attributes, references (`toc`)."""

    id: str | None = None
    classes: list[str] = field(default_factory=list)
    attributes: list[tuple[str, str]] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    unparsed: str = ""

    def apply(self, attrs: dict) -> None:
        """Merge into a token's attribute dict as kramdown does (classes add up, the rest replaces)."""
        for key, value in self.attributes:
            if _ALLOWED_KEY_RE.match(key):
                attrs[key] = value  # the sanitiser decides which attributes survive
        if self.id:
            attrs["id"] = self.id
        if self.classes:
            existing = str(attrs.get("class", "")).split()
            attrs["class"] = " ".join(existing + [c for c in self.classes if c not in existing])


def parse_attribute_list(body: str) -> AttributeList:
    """Parse the inside of `{: ... }`; text kramdown would not understand is kept in `unparsed`."""
    result = AttributeList()
    position = 0
    body = body.strip()
    while position < len(body):
        match = _IAL_PART_RE.match(body, position)
        if not match or match.end() == position:
            result.unparsed = body[position:].strip()
            break
        position = match.end()
        if match.group("id"):
            result.id = match.group("id")
        elif match.group("class"):
            result.classes.append(match.group("class"))
        elif match.group("key"):
            value = match.group("dq") if match.group("dq") is not None else match.group("sq")
            result.attributes.append((match.group("key"), value.replace('\\"', '"').replace("\\'", "'")))
        elif match.group("ref"):
            result.refs.append(match.group("ref"))
    return result


def _is_word_char(char: str) -> bool:
    """Ruby's \\p{Word}: letters, marks, decimal numbers and connector punctuation."""
    category = unicodedata.category(char)
    return category[0] in "LM" or category in ("Nd", "Pc")


class HeadingIds:
    """kramdown's GFM-input heading ids for one document: lower case, symbols dropped, spaces to '-',
    and a repeated id gets '-1', '-2', ... (kramdown-parser-gfm's `generate_gfm_header_id`)."""

    def __init__(self) -> None:
        self._seen: defaultdict[str, int] = defaultdict(lambda: -1)

    def next(self, text: str) -> str:
        result = "".join(c for c in text.lower() if c in "- \t" or _is_word_char(c))
        result = result.replace(" ", "-").replace("\t", "-")
        self._seen[result] += 1
        count = self._seen[result]
        return f"{result}-{count}" if count > 0 else result


# kramdown's typographic symbols (smart quotes are the engine's job).
_TYPOGRAPHIC_RE = re.compile(r"---|--|\.\.\.|<< |<<| >>|>>")
_TYPOGRAPHIC = {
    "---": "\u2014",
    "--": "\u2013",
    "...": "\u2026",
    "<< ": "\u00ab\u00a0",
    "<<": "\u00ab",
    " >>": "\u00a0\u00bb",
    ">>": "\u00bb",
}


def typographic_symbols(text: str) -> str:
    """`---` → —, `--` → –, `...` → …, `<<` → «, `>>` → », as kramdown writes them."""
    if "--" not in text and "..." not in text and "<<" not in text and ">>" not in text:
        return text
    return _TYPOGRAPHIC_RE.sub(lambda m: _TYPOGRAPHIC[m.group(0)], text)
