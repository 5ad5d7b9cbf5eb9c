"""The one HTML sanitiser (nh3) with an explicit allowlist. Every rendered body passes through it.

What survives: the tags markdown produces (headings, lists, tables, code, footnotes, task lists,
callouts, images, details), a few attributes per tag, and URLs that are relative, in-page anchors, or
use the http, https or mailto scheme. Everything else is removed: script and style elements with their
content, event-handler and style attributes, iframe/object/embed/svg/math/form/base/meta/link, and
javascript:/data:/vbscript: URLs however they are spelled (nh3 parses the HTML like a browser, so
entity-encoded, mixed-case and whitespace-padded schemes are decoded before they are checked).
Sanitising its own output changes nothing (it is idempotent).
"""

from __future__ import annotations

import re

import nh3

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "button", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li", "mark", "ol", "p", "pre",
    "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul", "var",
})  # fmt: skip
# MathML Core, as latex2mathml writes it (pages.content.math_markup): presentation elements only, no links.
# Never allowed in an author's HTML (the `math` namespace is where mutation XSS lives); only the
# server's own TeX conversion is cleaned with this list and put into the already-sanitised page.
MATHML_TAGS = frozenset({
    "math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot", "msub",
    "msup", "msubsup", "munder", "mover", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded",
    "mphantom", "menclose", "merror", "mmultiscripts", "mprescripts", "none", "semantics",
})  # fmt: skip
MATHML_ATTRIBUTES = frozenset({
    "display", "xmlns", "mathvariant", "stretchy", "fence", "separator", "accent", "accentunder",
    "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines", "frame",
    "lspace", "rspace", "minsize", "maxsize", "movablelimits", "symmetric", "width", "height", "depth",
    "linethickness", "scriptlevel", "displaystyle", "notation", "largeop", "form",
})  # fmt: skip
# Removed together with everything inside them (never shown as text).
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "noscript", "textarea", "title", "xmp"})
GENERIC_ATTRIBUTES = frozenset({"id", "class", "title", "lang", "dir", "aria-label", "aria-hidden"})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "col": {"span"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "input": {"checked"},
    "details": {"open"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Task-list checkboxes are the only inputs: always a disabled checkbox, whatever the source says.
FORCED_ATTRIBUTES = {"input": {"type": "checkbox", "disabled": "disabled"}}

_ATTRIBUTES = {tag: set(attrs) | GENERIC_ATTRIBUTES for tag, attrs in ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = set(GENERIC_ATTRIBUTES)


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes=_ATTRIBUTES,
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel="noopener noreferrer",
    strip_comments=True,
    set_tag_attribute_values=FORCED_ATTRIBUTES,
)


def sanitise(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes; idempotent."""
    return forced_attributes_in_order(_CLEANER.clean(html))


# A serialised tag's attributes are double-quoted with any `"` inside escaped, so neither pattern can
# match inside an attribute's value.
_INPUT_TAG = re.compile(r'<input((?:\s[^\s=>"]+(?:="[^"]*")?)*)>')
_FORCED_ATTRIBUTE = re.compile(r' (?:type="checkbox"|disabled="disabled")')


def forced_attributes_in_order(html: str) -> str:
    """Every `<input>` with its forced attributes last, `type` then `disabled`.

    nh3 adds FORCED_ATTRIBUTES in an order that differs from process to process (a hash map with a
    random seed), so the same markdown would render to different bytes on different workers: new
    ETags, churn in exports and static builds. Written in one order here, the output is stable."""
    if "<input" not in html:
        return html
    return _INPUT_TAG.sub(
        lambda tag: f'<input{_FORCED_ATTRIBUTE.sub("", tag[1])} type="checkbox" disabled="disabled">', html
    )


_MATHML_CLEANER = nh3.Cleaner(
    tags=set(MATHML_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(MATHML_ATTRIBUTES) for tag in MATHML_TAGS},
    url_schemes=set(),
    strip_comments=True,
)


# Titles: Just the Docs writes `{{ page.title }}` unescaped in the sidebar, breadcrumbs and child lists,
# so `<i>inactive</i>` shows in italics there; only inline tags survive, with no attributes but class.
TITLE_TAGS = frozenset({
    "abbr", "b", "code", "del", "em", "i", "ins", "kbd", "mark", "s", "samp", "small", "span", "strong",
    "sub", "sup", "u", "var",
})  # fmt: skip
_TITLE_CLEANER = nh3.Cleaner(
    tags=set(TITLE_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={"*": {"class"}},
    url_schemes=set(),
    strip_comments=True,
)


def sanitise_mathml(markup: str) -> str:
    """The server's own MathML, cleaned with the MathML-only list (no HTML element survives)."""
    return _MATHML_CLEANER.clean(markup)


def title_html(title: str) -> str:
    """A page title as safe HTML: plain text escaped, inline HTML kept (sanitised)."""
    text = title or ""
    if "<" not in text and "&" not in text:
        return text.replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#x27;")
    return _TITLE_CLEANER.clean(text)
