"""Parse HTML into a flat list of elements, to check rendered output without string search."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children_text: list[str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class _Collector(HTMLParser):
    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []
        self.texts: list[str] = []
        self.prose: list[str] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        self.texts.append(data)
        if not any(e.tag in {"code", "pre"} for e in self.open):
            self.prose.append(data)
        for element in self.open:
            element.children_text.append(data)


def parse(html: str) -> list[Element]:
    """Every element in document order; `text_of(element)` gives its text content."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def text_of(element: Element) -> str:
    return " ".join("".join(element.children_text).split())


def find(elements: list[Element], tag: str, **attrs: str) -> list[Element]:
    return [e for e in elements if e.tag == tag and all(e.attrs.get(k) == v for k, v in attrs.items())]


def prose_text(html: str) -> str:
    """The document's text outside code and pre elements."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return "".join(collector.prose)
