"""Hostile markdown through the editor's preview endpoint and a public page: the parsed output is safe."""

import multiprocessing
import re
from functools import partial
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.cache import caches
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pages.content import render_limits
from pages.content.render_limits import bounded_render
from pages.content.sanitising import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, ALLOWED_URL_SCHEMES, GENERIC_ATTRIBUTES
from pages.editing import editor_endpoints
from pages.models import Page
from pages.store.page_derivation import apply_rendering
from tests.hostile_payloads import PAYLOADS
from tests.html_tools import VOID_ELEMENTS, find, parse, text_of
from tests.render_targets import crashes, never_finishes, overflows

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

    VOID = VOID_ELEMENTS

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


def assert_strict_policy(response) -> None:
    """The response carries the site's strict CSP (`pages.site.content_security`)."""
    policy = {
        words[0]: words[1:]
        for part in response["Content-Security-Policy"].split(";")
        if (words := part.split())
    }
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]


def wrapped(payload: str) -> str:
    return f"{START}\n\n{payload}\n\n{END}\n"


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_preview_endpoint_output_is_safe(admin_client, payload):
    """The editor preview of each hostile payload parses to allowlisted, script-free HTML."""
    response = admin_client.post("/markdownx/markdownify/", {"content": payload})
    assert response.status_code == 200
    assert_strict_policy(response)
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
    assert_strict_policy(response)
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


# --- Heading text: every string that reaches the page template from markdown is escaped exactly once ---

META_REFRESH_HEADING = '## &lt;meta http-equiv="refresh" content="0;url=https://evil.example/"&gt;'
HEADING_CASES = {
    "entity-encoded meta refresh": (
        META_REFRESH_HEADING,
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    ),
    "honest code span": ("## The `<textarea>` element", "The <textarea> element"),
    "entity-encoded script": (
        "## &lt;script&gt;alert(1)&lt;/script&gt; &amp;amp;",
        "<script>alert(1)</script> &amp;",
    ),
}
AFTER = "Text after the headings stays a paragraph."


def publish(body: str, url_path: str = "/hostile/") -> Page:
    page = Page(title="Hostile", url_path=url_path, body=body)
    apply_rendering(page)
    page.save()
    return page


SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def plain(text: str) -> str:
    """Text with typographic quotes made straight (kramdown's typography turns "x" into “x”)."""
    return text.translate(SMART_QUOTES)


def toc_link_texts(html: str) -> list[str]:
    """The link texts of the side 'On this page' list, read by an HTML parser."""
    elements = parse(html)
    start = next(i for i, e in enumerate(elements) if e.tag == "aside" and "page-toc" in e.classes)
    end = next(i for i, e in enumerate(elements) if e.tag == "footer")
    return [text_of(e) for e in elements[start:end] if e.tag == "a"]


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(HEADING_CASES))
def test_heading_text_is_shown_as_text_on_the_served_page(client, case):
    """A heading written with entities or a code span is text in the body and in 'On this page'; the
    page after it is intact (no meta refresh, nothing swallowed by a stray <textarea>)."""
    heading, text = HEADING_CASES[case]
    page = publish(f"{heading}\n\n{AFTER}\n\n## Second\n\nMore.\n")
    html = client.get(page.url_path).content.decode()
    elements = parse(html)
    assert not [e for e in elements if e.tag == "meta" and "http-equiv" in e.attrs]
    assert not [e for e in elements if e.tag in {"textarea", "script"} and not e.attrs.get("src")]
    headings = [text_of(e) for e in elements if e.tag == "h2" and e.attrs.get("id") != "page-toc-heading"]
    assert [plain(heading) for heading in headings] == [text, "Second"]
    assert [plain(name) for name in toc_link_texts(html)] == [text, "Second"]
    assert [text_of(e) for e in elements if e.tag == "p" and text_of(e) == AFTER]
    assert find(elements, "footer", **{"class": "site-footer"})
    assert html.rstrip().endswith("</html>")


@pytest.mark.django_db
def test_toc_names_are_plain_text_from_the_render_api():
    """`render()` gives toc names as plain text; the template escapes them (never `|safe`)."""
    from pages.content.rendering import render

    names = [entry["name"] for entry in render("## The `<textarea>` element\n\n## A &amp; B\n").toc]
    assert names == ["The <textarea> element", "A & B"]


# --- Property: random markdown with random HTML and entities in headings, checked on the whole page ---

HEADING_PIECES = st.sampled_from([
    "<", ">", "&", '"', "'", "`", "&lt;", "&gt;", "&amp;", "&#60;", "&#x3C;", "&#62;", "&quot;", "&#0;",
    "&lt;meta http-equiv=refresh content=0;url=https://evil.example/&gt;",
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "<textarea>", "</textarea>", "<script>alert(1)</script>", "&lt;script&gt;", "<title>", "<style>",
    "<!--", "-->", "<![CDATA[", "]]>", "<img src=x onerror=alert(1)>", "<a href=javascript:x>a</a>",
    "<svg onload=alert(1)>", "<iframe src=//evil.example>", "<base href=//evil.example/>", "<plaintext>",
    "`<textarea>`", "`&lt;b&gt;`", "*em*", "**b**", "[l](javascript:x)", "{#id}", "{: .no_toc }",
    "\\", "{{ x }}", "{% raw %}", "#", " ", "word",
])  # fmt: skip
HEADING_TEXT = st.lists(
    st.one_of(HEADING_PIECES, st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=6)),
    min_size=1,
    max_size=6,
).map("".join)
MARKDOWN_BLOCKS = st.one_of(
    st.tuples(st.integers(1, 6), HEADING_TEXT).map(lambda t: "#" * t[0] + " " + t[1]),
    HEADING_TEXT.map(lambda t: t + "\n" + "-" * 3),
    st.sampled_from(
        ["A paragraph.", "- item\n- item", "```\n<textarea>\n```", "> quote", "| a |\n|---|\n| b |"]
    ),
)
RANDOM_MARKDOWN = st.lists(MARKDOWN_BLOCKS, min_size=1, max_size=8).map("\n\n".join)
SANITISER_ATTRIBUTES = {tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()}


def allowed_on_page(baseline: list) -> dict[str, set[str]]:
    """The page template's own elements and attributes (from a plain page), plus the sanitiser's."""
    allowed: dict[str, set[str]] = {}
    for element in baseline:
        allowed.setdefault(element.tag, set()).update(element.attrs)
    for tag in ALLOWED_TAGS:
        extra = SANITISER_ATTRIBUTES.get(tag, set()) | GENERIC_ATTRIBUTES
        allowed.setdefault(tag, set()).update(extra)
    allowed["a"].add("rel")
    allowed["input"].update({"type", "disabled"})
    return allowed


def count(elements, tag: str) -> int:
    return sum(element.tag == tag for element in elements)


@pytest.mark.django_db
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=RANDOM_MARKDOWN)
def test_random_headings_never_add_elements_or_attributes_to_the_page(client, text):
    """Whatever HTML or entities a heading holds, the served page has only the template's elements and
    the sanitiser's allowlist, no meta refresh, the same head, and its footer after the body."""
    Page.objects.all().delete()
    caches["default"].clear()
    baseline = parse(client.get(publish("## Plain\n\nText.\n", "/plain/").url_path).content.decode())
    page = publish(text)
    response = client.get(page.url_path)
    assert response.status_code == 200
    html = response.content.decode()
    assert_document_safe(html)
    elements = parse(html)
    allowed = allowed_on_page(baseline)
    for element in elements:
        assert element.tag in allowed, f"<{element.tag}> on the page"
        assert set(element.attrs) <= allowed[element.tag], f"<{element.tag} {sorted(element.attrs)}>"
        assert not (element.tag == "meta" and "http-equiv" in element.attrs)
    for tag in ("script", "link", "title", "footer", "main"):
        assert count(elements, tag) == count(baseline, tag), f"{tag} count"
    # Only the description metas may be missing (a page without a first paragraph has none).
    assert count(baseline, "meta") - 2 <= count(elements, "meta") <= count(baseline, "meta")
    assert html.rstrip().endswith("</html>")
    toc = page.toc and [e for e in page.toc if e.get("level") in (2, 3) and e.get("id")]
    if toc:
        assert toc_link_texts(html) == [" ".join(entry["name"].split()) for entry in toc]


# --- The preview (and the admin's save) render within a size limit and a time bound ---

PREVIEW = "/markdownx/markdownify/"


def refusal(response) -> str:
    elements = parse(response.content.decode())
    assert [e.tag for e in elements] == ["p"] and "quire-preview-refused" in elements[0].classes
    return text_of(elements[0])


@pytest.mark.django_db
def test_preview_over_the_size_limit_is_refused_before_rendering(admin_client, settings):
    """Text over QUIRE_PREVIEW_MAX_BYTES gets 413 and a notice saying the size and the limit."""
    settings.QUIRE_PREVIEW_MAX_BYTES = 1000
    response = admin_client.post(PREVIEW, {"content": "é" * 501})
    assert response.status_code == 413
    assert "1,002 bytes, over the 1,000-byte limit" in refusal(response)
    assert admin_client.post(PREVIEW, {"content": "é" * 500}).status_code == 200


@pytest.mark.django_db
def test_preview_that_renders_too_long_is_stopped(admin_client, settings, monkeypatch):
    """A render still running after QUIRE_PREVIEW_TIMEOUT is killed; the editor gets 503 and a notice."""
    settings.QUIRE_PREVIEW_TIMEOUT = 0.5
    monkeypatch.setattr(editor_endpoints, "bounded_render", partial(bounded_render, target=never_finishes))
    response = admin_client.post(PREVIEW, {"content": "anything"})
    assert response.status_code == 503
    assert "took longer than 0.5 s and was stopped" in refusal(response)
    assert not [child for child in multiprocessing.active_children() if child.is_alive()]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("target", "status", "message"), [(overflows, 400, "nested too deeply"), (crashes, 503, "")]
)
def test_preview_render_failures_are_a_notice_not_a_500(admin_client, monkeypatch, target, status, message):
    """A renderer that overflows its recursion (deeply nested lists) is a 400; a child that dies, 503."""
    monkeypatch.setattr(editor_endpoints, "bounded_render", partial(bounded_render, target=target))
    response = admin_client.post(PREVIEW, {"content": "- " * 2000 + "x"})
    assert response.status_code == status
    assert message in refusal(response)


NESTED = {
    "dash chain": "- " * 2000 + "x\n",
    "numbered chain": "1. " * 2000 + "x\n",
    "indented lists": "".join("    " * depth + "- x\n" for depth in range(400)),
    "quotes": "> " * 2000 + "x\n",
    "unclosed brackets": "[" * 16_000,
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(NESTED))
def test_hostile_structures_in_the_preview_are_never_a_500(admin_client, settings, case):
    """Deep nesting and quadratic inputs: rendered, refused (400) or stopped (503) — never a 500, and
    never longer than the time bound (16 KB of `[` used to hold a worker past gunicorn's 30 s)."""
    settings.QUIRE_PREVIEW_TIMEOUT = 2
    response = admin_client.post(PREVIEW, {"content": NESTED[case]})
    assert response.status_code in {200, 400, 503}
    if response.status_code == 200:
        assert_fragment_safe(response.content.decode(), scoped=False)


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(NESTED))
def test_hostile_structures_in_an_admin_save_are_a_form_error_or_saved(admin_client, settings, case):
    """The admin's save renders within the same limits: a body the renderer cannot handle is a form
    error on the body (nothing saved), never a 500."""
    settings.QUIRE_PREVIEW_TIMEOUT = 2
    data = {
        "title": "Nested", "url_path": "/nested/", "parent": "", "nav_order": "", "date_0": "", "date_1": "",
        "status": "draft", "base_version": "", "body": NESTED[case], "description": "",
        "extra_front_matter": "", "has_toc": "on",
    }  # fmt: skip
    response = admin_client.post("/admin/pages/page/add/", data)
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert response.context["adminform"].form.errors["body"]
        assert not Page.objects.filter(title="Nested").exists()


@pytest.mark.django_db
def test_admin_save_of_a_body_the_renderer_cannot_handle_is_a_form_error(admin_client, monkeypatch):
    """The renderer overflowing on the body is shown on the body field; nothing is saved."""
    monkeypatch.setattr(render_limits, "bounded_render", partial(bounded_render, target=overflows))
    data = {
        "title": "Nested", "url_path": "/nested/", "parent": "", "nav_order": "", "date_0": "", "date_1": "",
        "status": "draft", "base_version": "", "body": "- - - x", "description": "",
        "extra_front_matter": "", "has_toc": "on",
    }  # fmt: skip
    response = admin_client.post("/admin/pages/page/add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["body"]
    assert errors == [
        "This text cannot be rendered: it is nested too deeply (lists or quotes inside each other). "
        "Nothing was saved."
    ]
    assert not Page.objects.filter(title="Nested").exists()


def test_the_policy_middleware_sits_outside_everything_that_can_answer(settings):
    """Quire's own middleware writes the policy, on Django 5.2 and 6 alike (`make hostile` runs both)."""
    expected = "pages.site.content_security.ContentSecurityPolicyMiddleware"
    assert expected in settings.MIDDLEWARE
    # Outside every middleware that can answer on its own (security redirects, WhiteNoise, the outage
    # page, the page cache): only the health checks and the base-URL rewrite, which never answers by
    # itself, come before it.
    assert settings.MIDDLEWARE[: settings.MIDDLEWARE.index(expected)] == [
        "pages.site.health.HealthCheckMiddleware",
        "pages.store.base_url.SiteBaseUrlMiddleware",
    ]
