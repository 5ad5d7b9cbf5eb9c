"""The markdown engine: markdown-it-py (CommonMark + GFM) taught kramdown's rules, as Jekyll renders.

Jekyll's default markdown is kramdown with GFM input. A CommonMark/GFM engine is the closer base: lists
may follow a paragraph line, `#98` is text and not a heading, backslash escapes and tables behave as on
GitHub. On top of markdown-it-py and mdit-py-plugins (tables, strikethrough, footnotes, definition
lists, task lists), this module adds what kramdown does and CommonMark does not:

- block attribute lists (`{: .note }` after or before a block, at any depth: inside quotes and lists)
  and span attribute lists (`[x](y){: .btn }`), `{#id}` after a heading;
- heading ids exactly as kramdown's GFM parser makes them (`pages.content.kramdown_syntax.HeadingIds`);
- `{:toc}` on a list: the table of contents of levels 1-6 in the list type written, `.no_toc` left out;
- typographic symbols and smart quotes; `$$…$$` and `\\(…\\)` math as MathML (`pages.content.math_markup`);
- callouts (`{: .warning }`, GitHub's `> [!NOTE]`), footnotes with kramdown's ids (`fn:1`, `fnref:1`),
  code highlighted by Pygments with classes only, table alignment as attributes (no style for the CSP).

`render_tokens(text, context)` returns the HTML (not yet sanitised), the heading list and warnings.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.common.html_blocks import block_names
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.html_block import html_block
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from pages.content.jekyll_compat import candidate_sources
from pages.content.kramdown_syntax import (
    ALD_RE,
    BLOCK_IAL_RE,
    HEADER_ID_RE,
    SPAN_IAL_RE,
    AttributeList,
    HeadingIds,
    parse_attribute_list,
    typographic_symbols,
)
from pages.content.math_markup import tex_to_mathml

CALLOUT_KINDS = ("note", "tip", "important", "warning", "caution", "highlight", "new")
GITHUB_ALERTS = {"note", "tip", "important", "warning", "caution"}
NO_TOC_CLASS = "no_toc"
ANCHOR_LINK_CLASS = "anchor-link"
TOC_ID = "markdown-toc"
_ALERT_RE = re.compile(r"^\s*\[!(?P<kind>[A-Za-z]+)\][ \t]*(?:\n|$)")
_PAGE_SUFFIXES = (".md", ".markdown")


@dataclass
class Heading:
    level: int
    id: str
    text: str
    in_toc: bool


@dataclass
class EngineResult:
    html: str
    headings: list[Heading] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (message, text to find its line by)
    math: list[tuple[str, str]] = field(default_factory=list)  # (placeholder in html, MathML)


# Block rules -----------------------------------------------------------------------------------


def _line(state: StateBlock, line: int) -> str:
    start = state.bMarks[line] + state.tShift[line]
    return state.src[start : state.eMarks[line]]


def _block_attribute_list(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A line holding only `{: ... }`: kept as a token that the tree step applies to its block."""
    if state.is_code_block(start_line):
        return False
    text = _line(state, start_line)
    if not text.startswith("{:"):
        return False
    match = BLOCK_IAL_RE.match(text)
    definition = None if match else ALD_RE.match(text)
    if not match and not definition:
        return False
    if silent:
        return True
    token = state.push("kramdown_ial" if match else "kramdown_ald", "", 0)
    token.map = [start_line, start_line + 1]
    token.content = text
    token.meta = {"ial": parse_attribute_list((match or definition).group("body"))}
    if definition:
        token.meta["name"] = definition.group("name")
    state.line = start_line + 1
    return True


def _math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """kramdown's block math: `$$` starting a block, up to the `$$` that ends a line."""
    if state.is_code_block(start_line):
        return False
    first = _line(state, start_line)
    if not first.startswith("$$"):
        return False
    rest = first[2:]
    line = start_line
    parts: list[str] = []
    while True:
        close = rest.find("$$")
        if close >= 0:
            if rest[close + 2 :].strip():
                return False  # text after the closing `$$`: inline math in a paragraph
            parts.append(rest[:close])
            break
        parts.append(rest)
        line += 1
        if line >= end_line:
            return False
        rest = state.src[state.bMarks[line] : state.eMarks[line]]
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.content = "\n".join(parts).strip()
    token.map = [start_line, line + 1]
    token.block = True
    state.line = line + 1
    return True


_EXTENSION_RE = re.compile(r"\{::(?P<name>comment|nomarkdown|options)\b(?P<attrs>[^}]*?)(?P<closed>/)?\}")
_ABBREVIATION_RE = re.compile(r"^\*\[(?P<abbr>[^\]\n]+)\]:[ \t]*(?P<title>.*)$")


def _extension_end(state, name: str, start: int) -> tuple[int, int] | None:
    """(start, end) of the `{:/name}` or `{:/}` closing an extension opened before `start`."""
    src = state.src
    key = "quire-no-extension-end"
    if start >= state.env.get(key, len(src) + 1):
        return None
    position = start
    while True:
        found = src.find("{:/", position)
        if found < 0:
            state.env[key] = min(start, state.env.get(key, len(src) + 1))
            return None
        for closer in (f"{{:/{name}}}", "{:/}"):
            if src.startswith(closer, found):
                return found, found + len(closer)
        position = found + 3


def _block_extension(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """kramdown's `{::comment}…{:/comment}` (hidden), `{::nomarkdown}…{:/}` (kept as raw HTML for
    the sanitiser) and `{::options … /}` (Quire's rendering options are fixed: removed)."""
    if state.is_code_block(start_line):
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("{::", begin):
        return False
    match = _EXTENSION_RE.match(state.src, begin)
    if match is None:
        return False
    if match.group("closed"):
        if state.src[match.end() : state.eMarks[start_line]].strip():
            return False
        content, finish = "", match.end()
    else:
        closing = _extension_end(state, match.group("name"), match.end())
        if closing is None:
            return False
        content, finish = state.src[match.end() : closing[0]], closing[1]
    last_line = start_line
    while last_line + 1 < end_line and state.bMarks[last_line + 1] <= finish:
        last_line += 1
    if state.src[finish : state.eMarks[last_line]].strip():
        return False  # text after the closing tag on its line: the inline rule handles it
    if silent:
        return True
    if match.group("name") == "nomarkdown" and content.strip():
        token = state.push("html_block", "", 0)
        token.content = content.strip("\n") + "\n"
        token.map = [start_line, last_line + 1]
    state.line = last_line + 1
    return True


def _abbreviation_definition(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """`*[HTML]: Hyper Text Markup Language`: remembered for the whole page, not shown."""
    if state.is_code_block(start_line):
        return False
    text = _line(state, start_line)
    if not text.startswith("*["):
        return False
    match = _ABBREVIATION_RE.match(text)
    if match is None:
        return False
    if not silent:
        state.env.setdefault("abbreviations", {})[match.group("abbr").strip()] = match.group("title").strip()
    state.line = start_line + 1
    return True


_RAW_TEXT_TAGS = {"script", "pre", "style", "textarea"}
_BLOCK_TAG_NAMES = frozenset(block_names) | _RAW_TEXT_TAGS
_LINE_TAG_RE = re.compile(r"^</?(?P<tag>[A-Za-z][\w-]*)")


def _html_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """CommonMark's HTML blocks, except that a line starting with a span-level tag (`<span>`, `<a>`,
    `<kbd>`) starts a paragraph, as in kramdown, so the markdown around it is parsed."""
    match = _LINE_TAG_RE.match(_line(state, start_line))
    if match and match.group("tag").lower() not in _BLOCK_TAG_NAMES:
        return False
    return html_block(state, start_line, end_line, silent)


# Inline rules ----------------------------------------------------------------------------------

_SPAN_TARGETS = {
    "link_close": "link_open",
    "em_close": "em_open",
    "strong_close": "strong_open",
    "s_close": "s_open",
}


def _span_attribute_list(state: StateInline, silent: bool) -> bool:
    """`{: .btn }` right after a link, emphasis, code span, image or HTML element: its attributes."""
    if not state.src.startswith("{:", state.pos) or state.pending or not state.tokens:
        return False
    match = SPAN_IAL_RE.match(state.src, state.pos)
    if not match:
        return False
    target = _span_target(state.tokens)
    if target is None:
        return False
    if not silent:
        ial = parse_attribute_list(match.group("body"))
        if target.type == "html_inline":
            target.content = _with_html_attributes(target.content, ial)
        else:
            attrs = dict(target.attrs)
            ial.apply(attrs)
            target.attrs = attrs
    state.pos = match.end()
    return True


def _span_target(tokens: list[Token]) -> Token | None:
    last = tokens[-1]
    if last.type in ("code_inline", "image", "math_inline"):
        return last
    if last.type == "html_inline":
        return _html_opening(tokens)
    opener = _SPAN_TARGETS.get(last.type)
    if opener is None:
        return None
    depth = 0
    for token in reversed(tokens):
        if token.type == last.type:
            depth += 1
        elif token.type == opener:
            depth -= 1
            if depth == 0:
                return token
    return None


_HTML_CLOSE_RE = re.compile(r"^</(?P<tag>[A-Za-z][\w-]*)\s*>$")
_HTML_OPEN_RE = re.compile(r"^<(?P<tag>[A-Za-z][\w-]*)(?P<attrs>[^>]*?)(?P<end>/?>)$", re.DOTALL)
_CLASS_ATTR_RE = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _with_first_tag_attributes(block: str, ial: AttributeList) -> str:
    """An HTML block with an attribute list applied to its first start tag (kramdown's block IAL)."""
    match = re.search(r"<[A-Za-z][^<>]*>", block)
    if match is None or match.group(0).startswith("</"):
        return block
    return block[: match.start()] + _with_html_attributes(match.group(0), ial) + block[match.end() :]


def _html_opening(tokens: list[Token]) -> Token | None:
    """The opening tag of the inline HTML element that the last token closes (or a lone void tag)."""
    last = tokens[-1].content.strip()
    closing = _HTML_CLOSE_RE.match(last)
    if closing is None:
        return tokens[-1] if _HTML_OPEN_RE.match(last) and last.endswith("/>") else None
    tag = closing.group("tag").lower()
    depth = 0
    for token in reversed(tokens):
        if token.type != "html_inline":
            continue
        content = token.content.strip()
        close = _HTML_CLOSE_RE.match(content)
        if close and close.group("tag").lower() == tag:
            depth += 1
            continue
        opening = _HTML_OPEN_RE.match(content)
        if opening and opening.group("tag").lower() == tag:
            depth -= 1
            if depth == 0:
                return token
    return None


def _with_html_attributes(tag_text: str, ial: AttributeList) -> str:
    """An HTML start tag with an attribute list's id, classes and attributes added."""
    match = _HTML_OPEN_RE.match(tag_text.strip())
    if match is None:
        return tag_text
    attrs_text = match.group("attrs")
    existing_class = _CLASS_ATTR_RE.search(attrs_text)
    classes = []
    if existing_class:
        classes = (existing_class.group(1) or existing_class.group(2) or "").split()
        attrs_text = attrs_text[: existing_class.start()] + attrs_text[existing_class.end() :]
    merged: dict = {"class": " ".join(classes)} if classes else {}
    ial.apply(merged)
    extra = "".join(f' {key}="{html.escape(str(value))}"' for key, value in merged.items())
    return f"<{match.group('tag')}{attrs_text}{extra}{match.group('end')}"


def _inline_extension(state: StateInline, silent: bool) -> bool:
    """`{::comment}…{:/}` and `{::nomarkdown}…{:/}` inside a paragraph."""
    if not state.src.startswith("{::", state.pos):
        return False
    match = _EXTENSION_RE.match(state.src, state.pos)
    if match is None:
        return False
    if match.group("closed"):
        state.pos = match.end()
        return True
    closing = _extension_end(state, match.group("name"), match.end())
    if closing is None:
        return False
    if not silent and match.group("name") == "nomarkdown":
        token = state.push("html_inline", "", 0)
        token.content = state.src[match.end() : closing[0]]
    state.pos = closing[1]
    return True


def _math_inline(state: StateInline, silent: bool) -> bool:
    """`$$…$$` inside a paragraph (kramdown's inline math) and `\\(…\\)`."""
    src = state.src
    if src.startswith("$$", state.pos):
        opener, closer = "$$", "$$"
    elif src.startswith("\\(", state.pos):
        opener, closer = "\\(", "\\)"
    else:
        return False
    no_closer_key = f"quire-no-closer:{closer}"  # linear time: a closer missing after p is missing after p+1
    if state.pos >= state.cache.get(no_closer_key, len(src) + 1):
        return False
    end = src.find(closer, state.pos + 2)
    if end < 0:
        state.cache[no_closer_key] = state.pos
        return False
    if end == state.pos + 2:
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = src[state.pos + 2 : end].strip()
        token.markup = opener
    state.pos = end + 2
    return True


# The tree step: what kramdown decides from the whole document ---------------------------------


class _Tree:
    def __init__(self, state: StateCore) -> None:
        self.state = state
        self.env = state.env
        self.context = state.env.get("context")
        self.warnings: list[tuple[str, str]] = state.env.setdefault("warnings", [])

    def run(self) -> None:
        tokens = self.state.tokens
        self._apply_block_attribute_lists(tokens)
        self._display_math(tokens)
        self._span_attribute_lists_after_emphasis(tokens)
        self._abbreviations(tokens)
        self._typography(tokens)
        headings = self._heading_ids(tokens)
        self._github_alerts(tokens)
        self._callout_classes(tokens)
        self._rewrite_links(tokens)
        self.state.tokens = self._tables_of_contents(self.state.tokens, headings)
        self.env["headings"] = [
            Heading(level, token.attrs.get("id", ""), text, in_toc)
            for level, token, _, text, in_toc in headings
        ]

    # attribute lists --------------------------------------------------------------------------

    def _apply_block_attribute_lists(self, tokens: list[Token]) -> None:
        for index in range(len(tokens) - 1, -1, -1):
            token = tokens[index]
            if token.type == "kramdown_ald":
                del tokens[index]
                continue
            if token.type != "kramdown_ial":
                continue
            ial: AttributeList = token.meta["ial"]
            target = self._ial_target(tokens, index)
            del tokens[index]
            if target is None:
                self.warnings.append(
                    (
                        f"attribute list {token.content.strip()} has no block to apply to; removed",
                        token.content,
                    )
                )
                continue
            if target.type == "html_block":
                target.content = _with_first_tag_attributes(target.content, ial)
                continue
            attrs = dict(target.attrs)
            ial.apply(attrs)
            target.attrs = attrs
            if "toc" in ial.refs:
                target.meta = {**(target.meta or {}), "toc": True}

    @staticmethod
    def _ial_target(tokens: list[Token], index: int) -> Token | None:
        """kramdown: the block just before (no blank line between), else the block just after."""
        ial = tokens[index]
        level = ial.level
        for back in range(index - 1, -1, -1):
            token = tokens[back]
            if token.level < level:
                break
            if token.level != level:
                continue
            if token.type == "kramdown_ial":
                break
            if token.nesting == -1 or token.nesting == 0:
                opener = _opening_of(tokens, back)
                if opener is not None and opener.map and ial.map and _block_end(tokens, back) >= ial.map[0]:
                    return opener
            break
        for forward in range(index + 1, len(tokens)):
            token = tokens[forward]
            if token.level < level:
                return None
            if (
                token.level == level
                and token.nesting in (0, 1)
                and token.type not in ("kramdown_ial", "inline")
            ):
                return token
        return None

    @staticmethod
    def _span_attribute_lists_after_emphasis(tokens: list[Token]) -> None:
        """`**x**{: .a }`: emphasis is only known after inline parsing, so its attribute list is
        applied here."""
        for token in tokens:
            if token.type != "inline" or "{:" not in token.content:
                continue
            children = token.children or []
            for index in range(1, len(children)):
                child = children[index]
                if child.type != "text" or not child.content.startswith("{:"):
                    continue
                match = SPAN_IAL_RE.match(child.content)
                if match is None or children[index - 1].type not in _SPAN_TARGETS:
                    continue
                target = _span_target(children[:index])
                if target is None:
                    continue
                attrs = dict(target.attrs)
                parse_attribute_list(match.group("body")).apply(attrs)
                target.attrs = attrs
                child.content = child.content[match.end() :]

    def _abbreviations(self, tokens: list[Token]) -> None:
        """Each use of a defined abbreviation in text becomes `<abbr title="…">`, as in kramdown."""
        definitions = self.env.get("abbreviations")
        if not definitions:
            return
        pattern = re.compile(
            r"(?<![\w])("
            + "|".join(re.escape(a) for a in sorted(definitions, key=len, reverse=True))
            + r")(?![\w])"
        )
        for token in tokens:
            if token.type != "inline" or not token.children:
                continue
            children: list[Token] = []
            for child in token.children:
                if child.type != "text" or not pattern.search(child.content):
                    children.append(child)
                    continue
                for index, part in enumerate(pattern.split(child.content)):
                    if index % 2 == 0:
                        if part:
                            text = Token("text", "", 0)
                            text.content = part
                            children.append(text)
                        continue
                    abbr = Token("html_inline", "", 0)
                    abbr.content = (
                        f'<abbr title="{html.escape(definitions[part])}">{html.escape(part)}</abbr>'
                    )
                    children.append(abbr)
            token.children = children

    # math ---------------------------------------------------------------------------------------

    @staticmethod
    def _display_math(tokens: list[Token]) -> None:
        """A paragraph holding nothing but `$$…$$` is display math, as in kramdown."""
        index = 0
        while index + 2 < len(tokens):
            opening = tokens[index]
            if opening.type != "paragraph_open":
                index += 1
                continue
            inline, closing = tokens[index + 1], tokens[index + 2]
            if inline.type == "inline" and closing.type == "paragraph_close" and "$$" in inline.content:
                children = [
                    c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())
                ]
                children = [c for c in children if c.type not in ("softbreak",)]
                if len(children) == 1 and children[0].type == "math_inline" and children[0].markup == "$$":
                    block = Token("math_block", "math", 0)
                    block.content, block.block, block.map = children[0].content, True, opening.map
                    block.attrs = dict(opening.attrs)
                    tokens[index : index + 3] = [block]
            index += 1

    # typography -------------------------------------------------------------------------------

    @staticmethod
    def _typography(tokens: list[Token]) -> None:
        for token in tokens:
            if token.type != "inline":
                continue
            for child in token.children or []:
                if child.type == "text":
                    child.content = typographic_symbols(child.content)

    # headings ---------------------------------------------------------------------------------

    def _heading_ids(self, tokens: list[Token]) -> list[tuple[int, Token, Token, str, bool]]:
        ids = HeadingIds()
        headings = []
        for index, token in enumerate(tokens):
            if token.type != "heading_open":
                continue
            inline = tokens[index + 1]
            children = inline.children or []
            if children and children[-1].type == "text":
                match = HEADER_ID_RE.search(children[-1].content)
                if match and "id" not in token.attrs:
                    children[-1].content = children[-1].content[: match.start()].rstrip()
                    token.attrs = {**token.attrs, "id": match.group("id")}
            text = _plain_text(children)
            if "id" not in token.attrs:
                generated = ids.next(text)
                if generated:
                    token.attrs = {**token.attrs, "id": generated}
            level = int(token.tag[1])
            classes = str(token.attrs.get("class", "")).split()
            closing = tokens[index + 2]
            closing.meta = {"id": token.attrs.get("id", ""), "text": " ".join(text.split())}
            headings.append((level, token, inline, text, NO_TOC_CLASS not in classes))
        return headings

    # callouts ---------------------------------------------------------------------------------

    def _github_alerts(self, tokens: list[Token]) -> None:
        for index, token in enumerate(tokens):
            if token.type != "blockquote_open" or index + 2 >= len(tokens):
                continue
            if tokens[index + 1].type != "paragraph_open":
                continue
            inline = tokens[index + 2]
            first = (inline.children or [None])[0]
            if first is None or first.type != "text":
                continue
            match = _ALERT_RE.match(first.content)
            if not match or match.group("kind").lower() not in GITHUB_ALERTS:
                continue
            kind = match.group("kind").lower()
            _add_classes(token, ["callout", f"callout-{kind}"])
            first.content = first.content[match.end() :]
            children = inline.children
            if children[1:2] and children[1].type == "softbreak" and not first.content:
                del children[1]
            title = Token("html_block", "", 0)
            title.content = f'<p class="callout-title">{kind.capitalize()}</p>\n'
            tokens.insert(index + 1, title)
            if not any(c.content.strip() for c in children if c.type == "text") and len(children) <= 1:
                del tokens[index + 2 : index + 5]

    def _callout_classes(self, tokens: list[Token]) -> None:
        kinds = tuple(CALLOUT_KINDS) + tuple(getattr(self.context, "callouts", ()) or ())
        for index, token in enumerate(tokens):
            if token.nesting != 1 and token.type != "math_block":
                continue
            classes = str(token.attrs.get("class", "")).split()
            if not classes or "callout" in classes:
                continue
            for kind in kinds:
                if kind in classes:
                    _add_classes(token, ["callout", f"callout-{kind}"])
                    break
                if f"{kind}-title" in classes:
                    _add_classes(token, ["callout", f"callout-{kind}"])
                    following = tokens[index + 1] if index + 1 < len(tokens) else None
                    if following is not None and following.type == "paragraph_open":
                        _add_classes(following, ["callout-title"])
                    break

    # links --------------------------------------------------------------------------------------

    def _rewrite_links(self, tokens: list[Token]) -> None:
        for token in tokens:
            for child in token.children or []:
                if child.type == "link_open":
                    self._rewrite(child, "href")
                elif child.type == "image":
                    self._rewrite(child, "src")

    def _rewrite(self, token: Token, attribute: str) -> None:
        url = str(token.attrs.get(attribute, ""))
        rewritten = resolve_link(url, self.context)
        if rewritten is None:
            message = f"link to {urlsplit(url).path!r}: no page was imported from that file"
            self.warnings.append((message, url))
        elif rewritten != url:
            token.attrs = {**token.attrs, attribute: rewritten}

    # tables of contents -------------------------------------------------------------------------

    def _tables_of_contents(self, tokens: list[Token], headings) -> list[Token]:
        if not any(t.meta and t.meta.get("toc") for t in tokens if t.type.endswith("_list_open")):
            return tokens
        levels = getattr(self.context, "toc_levels", None) or range(1, 7)
        entries = [
            (level, token, inline)
            for level, token, inline, _, in_toc in headings
            if in_toc and level in levels
        ]
        out: list[Token] = []
        index = 0
        done = False
        while index < len(tokens):
            token = tokens[index]
            if not done and token.type.endswith("_list_open") and token.meta and token.meta.get("toc"):
                end = _closing_index(tokens, index)
                block = Token("html_block", "", 0)
                block.content = self._toc_html(token, entries)
                out.append(block)
                index = end + 1
                done = True  # kramdown replaces the first such list only
                continue
            out.append(token)
            index += 1
        return out

    def _toc_html(self, list_token: Token, entries) -> str:
        tag = list_token.tag
        attrs = {k: v for k, v in list_token.attrs.items() if k != "start"}
        attrs.setdefault("id", TOC_ID)
        prefix = attrs["id"]
        md = self.state.md
        # kramdown's generate_toc_tree: each entry nests under the last shallower one.
        root: list = []
        stack: list[tuple[int, list]] = []
        for level, heading, inline in entries:
            children = [c for c in inline.children or [] if c.type not in ("footnote_ref",)]
            children = [c for c in children if c.type not in ("link_open", "link_close")]
            label = md.renderer.renderInline(children, md.options, self.env)
            identifier = heading.attrs.get("id", "")
            anchor = html.escape(identifier)
            node = (level, f'<a href="#{anchor}" id="{html.escape(prefix)}-{anchor}">{label}</a>', [])
            while stack and stack[-1][0] >= level:
                stack.pop()
            (stack[-1][1] if stack else root).append(node)
            stack.append((level, node[2]))

        def write(items: list, outer: bool) -> str:
            attributes = "".join(f' {k}="{html.escape(str(v))}"' for k, v in attrs.items()) if outer else ""
            inner = "".join(f"<li>{link}{write(sub, False) if sub else ''}</li>\n" for _, link, sub in items)
            return f"<{tag}{attributes}>\n{inner}</{tag}>\n"

        return write(root, True) if root else ""


def _opening_of(tokens: list[Token], index: int) -> Token | None:
    token = tokens[index]
    if token.nesting == 0:
        return token if token.type not in ("inline",) else None
    depth = 0
    for back in range(index, -1, -1):
        depth += tokens[back].nesting
        if depth == 0:
            return tokens[back]
    return None


def _block_end(tokens: list[Token], index: int) -> int:
    """The line after the block ending at tokens[index] (from its opening token's map)."""
    opener = _opening_of(tokens, index)
    return opener.map[1] if opener is not None and opener.map else -1


def _closing_index(tokens: list[Token], index: int) -> int:
    depth = 0
    for forward in range(index, len(tokens)):
        depth += tokens[forward].nesting
        if depth == 0:
            return forward
    return len(tokens) - 1


def _plain_text(children: list[Token]) -> str:
    """A heading's text as kramdown's raw_text: text, code and math, with the typographic characters."""
    parts = []
    for child in children:
        if child.type in ("text", "code_inline", "math_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _add_classes(token: Token, new: list[str]) -> None:
    classes = str(token.attrs.get("class", "")).split()
    token.attrs = {**token.attrs, "class": " ".join(classes + [c for c in new if c not in classes])}


def _tree_rule(state: StateCore) -> None:
    _Tree(state).run()


# Links between pages and to the site's files --------------------------------------------------


def resolve_link(url: str, context) -> str | None:
    """Where a link written in a page points on the site; None for a page link that reaches no page.

    Relative links to `.md` files become the URL of the page imported from that file; other relative
    links are made absolute from the page's own URL (as the browser resolves them on the real site),
    so they reach the same file whatever URL Quire serves the page at.
    """
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path or url.startswith(("#", "//")):
        return url
    if context is None:
        return url
    baseurl = (getattr(context, "baseurl", "") or "").rstrip("/")
    suffix = (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    if parts.path.lower().endswith(_PAGE_SUFFIXES):
        if parts.path.startswith("/"):
            target = _page_url(parts.path.lstrip("/"), context, relative=False)
        else:
            target = _page_url(parts.path, context, relative=True)
        return None if target is None else baseurl + target + suffix
    if parts.path.startswith("/"):
        return url
    page_url = getattr(context, "page_url", None)
    if page_url:
        folder = page_url if page_url.endswith("/") else posixpath.dirname(page_url) + "/"
        joined = posixpath.normpath(posixpath.join(folder, parts.path))
        if parts.path.endswith("/") and not joined.endswith("/"):
            joined += "/"
        if joined.startswith("//") or joined.startswith("/.."):
            return url
        return baseurl + (joined if joined.startswith("/") else "/" + joined) + suffix
    return url


def _page_url(path: str, context, *, relative: bool) -> str | None:
    resolver = getattr(context, "resolve_source", None)
    if resolver is None:
        return None
    source_path = getattr(context, "source_path", None) or ""
    if relative:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(source_path), path))
        if target == ".." or target.startswith("../"):
            return None
        url = resolver(target)
        if url:
            return url
    for candidate in candidate_sources(path, source_path)[(1 if relative else 0) :]:
        url = resolver(posixpath.normpath(candidate))
        if url:
            return url
    return None


# Rendering ---------------------------------------------------------------------------------------

_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True, nowrap=False)


@lru_cache(maxsize=512)
def _lexer(language: str):
    """(lexer, name) for a fence's language; unknown languages are plain text. Looked up once."""
    try:
        return get_lexer_by_name(language or "text", stripnl=False, ensurenl=True), language or "text"
    except ClassNotFound:
        return get_lexer_by_name("text", stripnl=False, ensurenl=True), "text"


def _highlight(code: str, language: str) -> str:
    lexer, name = _lexer(language)
    body = highlight(code, lexer, _FORMATTER)
    safe_name = re.sub(r"[^\w+#.-]", "", name)
    return body.replace('<div class="highlight">', f'<div class="language-{safe_name} highlight">', 1)


class _CacheInfo(NamedTuple):
    hits: int
    misses: int
    entries: int
    size: int  # characters of HTML held


class HighlightCache:
    """Highlighted code blocks by the hash of their language and code: the same block (a snippet many
    pages share, a page rendered again) is highlighted once. Keyed by a 16-byte digest, so the cache holds
    the HTML only, within `max_chars` characters; the least recently used blocks go first."""

    def __init__(self, highlighter: Callable[[str, str], str], max_chars: int = 2_000_000):
        self._highlighter, self._max_chars = highlighter, max_chars
        self._blocks: OrderedDict[bytes, str] = OrderedDict()
        self._size = self._hits = self._misses = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(code: str, language: str) -> bytes:
        text = f"{language}\0{code}".encode("utf-8", "surrogatepass")
        return hashlib.blake2b(text, digest_size=16).digest()

    def __call__(self, code: str, language: str) -> str:
        key = self.key(code, language)
        with self._lock:
            found = self._blocks.get(key)
            if found is not None:
                self._blocks.move_to_end(key)
                self._hits += 1
                return found
            self._misses += 1
        result = self._highlighter(code, language)
        if len(result) <= self._max_chars:
            with self._lock:
                self._size += len(result) - len(self._blocks.pop(key, ""))
                self._blocks[key] = result
                while self._size > self._max_chars:
                    self._size -= len(self._blocks.popitem(last=False)[1])
        return result

    def cache_info(self) -> _CacheInfo:
        return _CacheInfo(self._hits, self._misses, len(self._blocks), self._size)

    def cache_clear(self) -> None:
        with self._lock:
            self._blocks.clear()
            self._size = self._hits = self._misses = 0


# Code as Pygments token classes (no inline style); the same block is highlighted once per process.
highlight_code = HighlightCache(_highlight)


def _render_fence(renderer, tokens, index, options, env) -> str:
    token = tokens[index]
    info = token.info.strip().split()[0] if token.info.strip() else ""
    language = info.split("?")[0]
    if language == "mermaid":
        return f'<pre class="mermaid">{html.escape(token.content)}</pre>\n'
    return highlight_code(token.content, language.lower()) + "\n"


def _render_code_block(renderer, tokens, index, options, env) -> str:
    return highlight_code(tokens[index].content, "") + "\n"


def _render_cell(renderer, tokens, index, options, env) -> str:
    token = tokens[index]
    style = str(token.attrs.get("style", ""))
    if style.startswith("text-align:"):
        attrs = {k: v for k, v in token.attrs.items() if k != "style"}
        attrs["align"] = style.split(":", 1)[1].strip()
        token.attrs = attrs
    return renderer.renderToken(tokens, index, options, env)


def _render_del(renderer, tokens, index, options, env) -> str:
    """GFM strikethrough as kramdown writes it: `<del>`."""
    tokens[index].tag = "del"
    return renderer.renderToken(tokens, index, options, env)


def _render_heading_close(renderer, tokens, index, options, env) -> str:
    token = tokens[index]
    meta = token.meta or {}
    identifier = meta.get("id")
    if not identifier:
        return f"</{token.tag}>\n"
    label = html.escape(f"Link to this section: {meta.get('text', '')}")
    href = html.escape(identifier)
    return f'<a class="{ANCHOR_LINK_CLASS}" href="#{href}" aria-label="{label}"></a></{token.tag}>\n'


def _render_math(display: bool):
    def rule(renderer, tokens, index, options, env) -> str:
        token = tokens[index]
        converted, error = tex_to_mathml(token.content, display=display)
        markup = converted
        if not error:
            # MathML goes in after the page is sanitised (see pages.content.rendering): a placeholder here.
            maths = env.setdefault("math", [])
            markup = f"{env['math_nonce']}{len(maths)}x"
            maths.append(converted)
        if error:
            env.setdefault("warnings", []).append(
                (f"math could not be converted ({error}); shown as TeX", token.content)
            )
        if display:
            attrs = dict(token.attrs)
            classes = " ".join(["math-display", *str(attrs.pop("class", "")).split()]).strip()
            extra = "".join(f' {k}="{html.escape(str(v))}"' for k, v in attrs.items())
            return f'<div class="{classes}"{extra}>{markup}</div>\n'
        return markup

    return rule


def _footnote_label(token: Token, env) -> str:
    label = (token.meta or {}).get("label")
    if label is None:
        return str((token.meta or {}).get("id", 0) + 1)
    return re.sub(r"\s+", "-", str(label))


def _render_footnote_ref(renderer, tokens, index, options, env) -> str:
    token = tokens[index]
    label = html.escape(_footnote_label(token, env))
    number = token.meta["id"] + 1
    sub = token.meta.get("subId", 0)
    ref_id = f"fnref:{label}" + (f":{sub}" if sub else "")
    link = f'<a href="#fn:{label}" class="footnote" rel="footnote">{number}</a>'
    return f'<sup id="{ref_id}" role="doc-noteref">{link}</sup>'


def _render_footnote_block_open(renderer, tokens, index, options, env) -> str:
    return '<div class="footnotes" role="doc-endnotes">\n<ol>\n'


def _render_footnote_block_close(renderer, tokens, index, options, env) -> str:
    return "</ol>\n</div>\n"


def _render_footnote_open(renderer, tokens, index, options, env) -> str:
    label = html.escape(_footnote_label(tokens[index], env))
    return f'<li id="fn:{label}" role="doc-endnote">'


def _render_footnote_close(renderer, tokens, index, options, env) -> str:
    return "</li>\n"


def _render_footnote_anchor(renderer, tokens, index, options, env) -> str:
    token = tokens[index]
    footnote = env.get("footnotes", {}).get("list", {}).get(token.meta["id"], {})
    label = html.escape(re.sub(r"\s+", "-", str(footnote.get("label", token.meta["id"] + 1))))
    sub = token.meta.get("subId", 0)
    ref_id = f"fnref:{label}" + (f":{sub}" if sub else "")
    return f' <a href="#{ref_id}" class="reversefootnote" role="doc-backlink">\u21a9</a>'


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": True, "quotes": "\u201c\u201d\u2018\u2019"})
    md.enable(["table", "strikethrough", "smartquotes"])
    md.disable("replacements")  # kramdown's typographic symbols instead (pages.content.kramdown_syntax)
    md.use(footnote_plugin, inline=False)
    md.use(deflist_plugin)
    md.use(tasklists_plugin, enabled=False)
    alternatives = {"alt": ["paragraph", "blockquote", "list", "reference"]}
    md.block.ruler.before("table", "kramdown_ial", _block_attribute_list, alternatives)
    md.block.ruler.before("code", "math_block", _math_block)
    md.block.ruler.before("code", "kramdown_extension", _block_extension)
    md.block.ruler.before("table", "abbreviation", _abbreviation_definition, alternatives)
    md.block.ruler.at("html_block", _html_block, {"alt": ["paragraph", "reference", "blockquote"]})
    md.inline.ruler.before("escape", "math_inline", _math_inline)
    md.inline.ruler.before("escape", "kramdown_extension", _inline_extension)
    md.inline.ruler.after("emphasis", "kramdown_span_ial", _span_attribute_list)
    md.core.ruler.push("quire_tree", _tree_rule)
    default_normalize = md.normalizeLink

    def normalize_link(url: str) -> str:
        # kramdown writes `"` in a URL as it is (the attribute escapes it); mdurl would write %22.
        normalized = default_normalize(url)
        return normalized.replace("%22", '"') if '"' in url else normalized

    md.normalizeLink = normalize_link
    rules = md.add_render_rule
    rules("fence", _render_fence)
    rules("code_block", _render_code_block)
    rules("th_open", _render_cell)
    rules("td_open", _render_cell)
    rules("s_open", _render_del)
    rules("s_close", _render_del)
    rules("heading_close", _render_heading_close)
    rules("math_inline", _render_math(False))
    rules("math_block", _render_math(True))
    rules("footnote_ref", _render_footnote_ref)
    rules("footnote_block_open", _render_footnote_block_open)
    rules("footnote_block_close", _render_footnote_block_close)
    rules("footnote_open", _render_footnote_open)
    rules("footnote_close", _render_footnote_close)
    rules("footnote_anchor", _render_footnote_anchor)
    return md


_MD = _build()


def render_markdown(text: str, context=None) -> EngineResult:
    """Markdown (after the Liquid pre-pass) to HTML, not yet sanitised."""
    env: dict = {"context": context, "warnings": [], "math_nonce": f"quiremath{secrets.token_hex(8)}n"}
    output = _MD.render(text, env)
    return EngineResult(
        html=output,
        headings=env.get("headings", []),
        warnings=env["warnings"],
        math=[(f"{env['math_nonce']}{i}x", markup) for i, markup in enumerate(env.get("math", []))],
    )
