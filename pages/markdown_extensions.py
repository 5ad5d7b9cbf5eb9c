"""Python-Markdown extension for what Jekyll sites expect and the stock extensions do not do.

One tree processor, run after the `toc` extension has given headings their ids:

- applies kramdown attribute lists the pre-pass left as markers (see `pages.jekyll_compat`) to the block
  before or after them;
- callouts: a block with a callout class (`{: .note }`, `.warning`, …; `.note-title` for a titled one) or a
  GitHub alert (`> [!NOTE]`, `[!TIP]`, `[!IMPORTANT]`, `[!WARNING]`, `[!CAUTION]`) gets the classes
  `callout callout-<kind>`; a title paragraph gets `callout-title`;
- the table of contents (`{:toc}`) where it was written, leaving out headings marked `.no_toc`;
- relative links to other `.md` files become the URL of the page imported from that file.
"""

from __future__ import annotations

import html
import posixpath
import re
import xml.etree.ElementTree as etree
from urllib.parse import urlsplit

from markdown import Extension, Markdown
from markdown.extensions.attr_list import get_attrs_and_remainder
from markdown.treeprocessors import Treeprocessor

from pages.jekyll_compat import IAL_MARKER_PREFIX, TOC_MARKER, candidate_sources

CALLOUT_KINDS = ("note", "tip", "important", "warning", "caution", "highlight", "new")
GITHUB_ALERTS = {"note", "tip", "important", "warning", "caution"}
NO_TOC_CLASS = "no_toc"
ANCHOR_LINK_CLASS = "anchor-link"
_ALERT_RE = re.compile(r"^\s*\[!(?P<kind>[A-Za-z]+)\][ \t]*(?:\n|$)")
_MARKER_RE = re.compile(rf"^{IAL_MARKER_PREFIX}(?P<position>prev|next)(?P<attrs>[0-9a-f]*)$")
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_ALLOWED_KEY_RE = re.compile(r"^[A-Za-z_][\w:.-]*$")


class QuireTreeprocessor(Treeprocessor):
    def __init__(self, md: Markdown, extension: QuireExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        self._apply_attribute_markers(root)
        self._github_alerts(root)
        self._callout_classes(root)
        self._table_of_contents(root)
        self._rewrite_links(root)
        self._label_anchor_links(root)

    # kramdown attribute lists -------------------------------------------------------------

    def _apply_attribute_markers(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for child in list(parent):
                match = (
                    _MARKER_RE.match((child.text or "").strip())
                    if child.tag == "p" and len(child) == 0
                    else None
                )
                if not match:
                    continue
                attrs = bytes.fromhex(match.group("attrs")).decode()
                siblings = list(parent)
                index = siblings.index(child)
                target_index = index - 1 if match.group("position") == "prev" else index + 1
                parent.remove(child)
                if 0 <= target_index < len(siblings) and not _is_marker(siblings[target_index]):
                    _assign_attributes(siblings[target_index], attrs)
                else:
                    self.md.quire_warnings.append(
                        f"attribute list {{:{attrs}}} has no block to apply to; removed"
                    )

    # callouts -----------------------------------------------------------------------------

    def _github_alerts(self, root: etree.Element) -> None:
        for quote in root.iter("blockquote"):
            first = quote[0] if len(quote) else None
            if first is None or first.tag != "p":
                continue
            match = _ALERT_RE.match(first.text or "")
            if not match or match.group("kind").lower() not in GITHUB_ALERTS:
                continue
            kind = match.group("kind").lower()
            _add_classes(quote, ["callout", f"callout-{kind}"])
            first.text = (first.text or "")[match.end() :]
            if not first.text.strip() and len(first) == 0:
                quote.remove(first)
            title = etree.Element("p", {"class": "callout-title"})
            title.text = kind.capitalize()
            quote.insert(0, title)

    def _callout_classes(self, root: etree.Element) -> None:
        for element in root.iter():
            classes = (element.get("class") or "").split()
            if "callout" in classes:
                continue
            for kind in CALLOUT_KINDS:
                if kind in classes:
                    _add_classes(element, ["callout", f"callout-{kind}"])
                    break
                if f"{kind}-title" in classes:
                    _add_classes(element, ["callout", f"callout-{kind}"])
                    if len(element) and element[0].tag == "p":
                        _add_classes(element[0], ["callout-title"])
                    break

    # table of contents --------------------------------------------------------------------

    def _table_of_contents(self, root: etree.Element) -> None:
        excluded = {
            h.get("id")
            for h in root.iter()
            if h.tag in _HEADINGS and NO_TOC_CLASS in (h.get("class") or "").split()
        }
        tokens = _without(getattr(self.md, "toc_tokens", []), excluded)
        self.md.quire_toc_tokens = tokens
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == "p" and len(child) == 0 and (child.text or "").strip() == TOC_MARKER:
                    index = list(parent).index(child)
                    parent.remove(child)
                    if tokens:
                        parent.insert(index, _toc_element(tokens))

    # heading anchor links ----------------------------------------------------------------

    def _label_anchor_links(self, root: etree.Element) -> None:
        """The `#` is drawn by CSS; the link is named for screen readers and left out of the text."""
        for heading in root.iter():
            if heading.tag not in _HEADINGS:
                continue
            for link in heading.iter("a"):
                if link.get("class") == ANCHOR_LINK_CLASS:
                    link.text = ""
                    link.set("aria-label", f"Link to this section: {_plain_text(heading, link)}")

    # links between pages ------------------------------------------------------------------

    def _rewrite_links(self, root: etree.Element) -> None:
        context = self.extension.context
        for link in root.iter("a"):
            href = link.get("href") or ""
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
                continue
            if not parts.path.lower().endswith((".md", ".markdown")):
                continue
            url = _resolve_relative(parts.path, context)
            if url is None:
                message = f"link to {parts.path!r}: no page was imported from that file"
                self.md.quire_warnings.append((message, href))
                continue
            baseurl = (getattr(context, "baseurl", "") or "").rstrip("/")
            link.set("href", baseurl + url + (f"#{parts.fragment}" if parts.fragment else ""))


def _resolve_relative(path: str, context) -> str | None:
    resolver = getattr(context, "resolve_source", None)
    if resolver is None:
        return None
    source_path = getattr(context, "source_path", None) or ""
    target = posixpath.normpath(posixpath.join(posixpath.dirname(source_path), path))
    if target == ".." or target.startswith("../"):
        return None
    url = resolver(target)
    if url:
        return url
    # Jekyll's relative links may also be written from the site root (`docs/x.md` inside a folder).
    for candidate in candidate_sources(path, source_path)[1:]:
        url = resolver(posixpath.normpath(candidate))
        if url:
            return url
    return None


def _plain_text(element: etree.Element, skip: etree.Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if child is not skip:
            parts.append(_plain_text(child, skip))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _is_marker(element: etree.Element) -> bool:
    return element.tag == "p" and bool(_MARKER_RE.match((element.text or "").strip()))


def _assign_attributes(element: etree.Element, attrs: str) -> None:
    pairs, _ = get_attrs_and_remainder(attrs)
    for key, value in pairs:
        if key == ".":
            _add_classes(element, [value])
        elif key == "#":
            element.set("id", value)
        elif _ALLOWED_KEY_RE.match(key):
            element.set(key, value)  # the sanitiser decides which attributes survive


def _add_classes(element: etree.Element, new: list[str]) -> None:
    classes = (element.get("class") or "").split()
    element.set("class", " ".join(classes + [c for c in new if c not in classes]))


def _without(tokens: list[dict], excluded: set[str]) -> list[dict]:
    """The toc tokens minus the excluded headings (their children move up a level)."""
    kept: list[dict] = []
    for token in tokens:
        children = _without(token.get("children", []), excluded)
        if token["id"] in excluded:
            kept.extend(children)
        else:
            kept.append({**token, "plain": html.unescape(token["name"]), "children": children})
    return kept


def _toc_element(tokens: list[dict]) -> etree.Element:
    nav = etree.Element("div", {"class": "toc"})
    nav.append(_toc_list(tokens))
    return nav


def _toc_list(tokens: list[dict]) -> etree.Element:
    ul = etree.Element("ul")
    for token in tokens:
        li = etree.SubElement(ul, "li")
        link = etree.SubElement(li, "a", {"href": f"#{token['id']}"})
        link.text = token["plain"]
        if token.get("children"):
            li.append(_toc_list(token["children"]))
    return ul


class QuireExtension(Extension):
    """Register the tree processor; `context` is the page's RenderContext (or None)."""

    def __init__(self, context=None, **kwargs) -> None:
        self.context = context
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's API name
        md.quire_warnings = []
        md.quire_toc_tokens = []
        # After `toc` (priority 5) has set heading ids; before inline placeholders are restored.
        md.treeprocessors.register(QuireTreeprocessor(md, self), "quire", 4)

    def reset(self) -> None:
        self.md.quire_warnings = []
        self.md.quire_toc_tokens = []
