"""Hostile markdown through the editor's preview endpoint and a public page: the parsed output is safe."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from pages.models import Page
from pages.publishing import apply_rendering
from pages.sanitising import ALLOWED_TAGS, ALLOWED_URL_SCHEMES
from tests.hostile_payloads import PAYLOADS

START, END = "QUIRESCOPESTART", "QUIRESCOPEEND"
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "poster", "cite", "data", "xlink:href"}
# The page template draws its own icons as inline <svg>; rendered content may never contain one (the scoped
# check below admits only the sanitiser's allowlist there, which has no svg or math).
NEVER_ANYWHERE = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style"}
EDGES = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")
TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


class ScopedCollector(HTMLParser):
    """Every element of a document, and separately the rendered body's: from the start marker to the
    end marker, or to the end of the element holding the body when the payload swallowed the end marker."""

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
        self.everywhere: list[tuple[str, dict, str]] = []
        self.scoped: list[tuple[str, dict]] = []
        self.in_scope = False
        self.saw_start = False
        self.script_texts: list[str] = []
        self._stack: list[str] = []
        self._container_depth = -1

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.everywhere.append((tag, attributes, self.getpos()))
        if self.in_scope:
            self.scoped.append((tag, attributes))
        if tag not in self.VOID:
            self._stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass
        if self.in_scope and len(self._stack) < self._container_depth:
            self.in_scope = False

    def handle_data(self, data):
        if self._stack and self._stack[-1] == "script" and data.strip():
            self.script_texts.append(data)
        if START in data and not self.saw_start:
            self.in_scope = self.saw_start = True
            self._container_depth = len(self._stack) - 1
        if END in data:
            self.in_scope = False


def collect(html: str) -> ScopedCollector:
    collector = ScopedCollector()
    collector.feed(html)
    collector.close()
    return collector


def browser_url(url: str) -> str:
    """The URL as a browser parses it: C0 controls and spaces trimmed, tabs and newlines removed."""
    return TAB_OR_NEWLINE.sub("", EDGES.sub("", url))


def scheme_of(url: str) -> str:
    return urlsplit(browser_url(url)).scheme.lower()


def assert_document_safe(html: str) -> None:
    """Checks that hold for a whole page: no inline script, no handler, no dangerous URL or element."""
    collector = collect(html)
    assert collector.script_texts == [], "inline script"
    for tag, attributes, position in collector.everywhere:
        assert tag not in NEVER_ANYWHERE, f"<{tag}> at {position}"
        if tag == "script":
            assert attributes.get("src", "").startswith("/static/"), f"script from {attributes.get('src')!r}"
        for name, value in attributes.items():
            assert not name.startswith("on"), f"<{tag} {name}> at {position}"
            assert name not in {"style", "srcdoc", "formaction"}, f"<{tag} {name}> at {position}"
            if name in URL_ATTRIBUTES:
                scheme = scheme_of(value)
                assert scheme in {"", *ALLOWED_URL_SCHEMES}, f"<{tag} {name}={value!r}>"
            assert not browser_url(value).lower().startswith("javascript:"), f"<{tag} {name}={value!r}>"


def assert_fragment_safe(html: str, *, scoped: bool) -> None:
    """Checks for rendered content: only allowlisted tags, checkboxes only as disabled inputs."""
    assert_document_safe(html)
    collector = collect(html)
    elements = collector.scoped if scoped else [(t, a) for t, a, _ in collector.everywhere]
    for tag, attributes in elements:
        assert tag in ALLOWED_TAGS, f"<{tag}> in rendered content"
        if tag == "input":
            assert attributes.get("type") == "checkbox" and "disabled" in attributes
        if tag == "a" and attributes.get("href", "").startswith(("http:", "https:")):
            assert "noopener" in attributes.get("rel", "")


def wrapped(payload: str) -> str:
    return f"{START}\n\n{payload}\n\n{END}\n"


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_preview_endpoint_output_is_safe(admin_client, payload):
    """The editor preview of each hostile payload parses to allowlisted, script-free HTML."""
    response = admin_client.post("/markdownx/markdownify/", {"content": payload})
    assert response.status_code == 200
    assert_fragment_safe(response.content.decode(), scoped=False)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_public_page_output_is_safe(client, payload):
    """A published page made from each hostile payload is served with nothing executable in it."""
    page = Page(title="Hostile", url_path="/hostile/", body=wrapped(payload))
    apply_rendering(page)
    # PostgreSQL text cannot hold NUL (the admin form and the importer refuse it); the HTML came from it.
    page.body = page.body.replace("\x00", "")
    page.save()
    response = client.get(page.url_path)
    assert response.status_code == 200
    html = response.content.decode()
    assert collect(html).saw_start
    assert_fragment_safe(html, scoped=True)


def test_the_payload_list_is_large():
    """Dozens of cases, raw HTML and markdown syntax alike."""
    assert len(PAYLOADS) >= 60
    assert sum(p.lstrip().startswith("<") for p in PAYLOADS) >= 30
    assert sum("](" in p or "]:" in p for p in PAYLOADS) >= 15


def test_checker_catches_what_it_looks_for():
    """The checks themselves fail on unsafe HTML (so a passing suite means something)."""
    unsafe = [
        "<script>alert(1)</script>",
        '<a href="java\tscript:alert(1)">x</a>',
        '<img src="data:image/png;base64,xx">',
        '<p onclick="x()">x</p>',
        "<svg></svg>",
        '<input type="text">',
        '<p style="color:red">x</p>',
    ]
    for html in unsafe:
        with pytest.raises(AssertionError):
            assert_fragment_safe(html, scoped=False)
