"""The one HTML sanitiser (nh3) with an explicit allowlist. Every rendered body passes through it."""

from __future__ import annotations

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li", "mark", "ol", "p", "pre",
    "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul", "var",
}  # fmt: skip
GENERIC_ATTRIBUTES = {"id", "class", "title", "lang", "dir"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "scope", "style"},
    "col": {"span"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "input": {"type", "checked", "disabled"},
    "details": {"open"},
    "abbr": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def sanitise(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes; idempotent."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        clean_content_tags={"script", "style"},
        filter_style_properties={"text-align"},
    )


_ATTRIBUTES = {tag: attrs | GENERIC_ATTRIBUTES for tag, attrs in ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = GENERIC_ATTRIBUTES
