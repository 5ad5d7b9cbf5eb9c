"""Mermaid diagrams are drawn by Quire's own copy of Mermaid, under the strict policy, in both themes."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from pages.models import Page
from pages.store.page_derivation import apply_rendering
from tests.browser.test_csp import violations, watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOURCE = "flowchart LR\n  A[Start] --> B{Is it?}\n  B -- Yes --> C[Done]\n  B -- No --> A\n"
BODY = f"Before.\n\n```mermaid\n{SOURCE}```\n\nAfter.\n"


def make_page(body: str = BODY, url_path: str = "/diagram/") -> None:
    page = Page(title="Diagram", url_path=url_path, body=body)
    apply_rendering(page)
    page.save()


# The page cannot fetch its own blob: URLs (connect-src 'self'), so the test keeps the SVG the frame sent.
KEEP_SVG = """
window.__svgs = [];
window.addEventListener("message", (event) => {
  if (event.data && event.data.type === "quire-diagram-svg") window.__svgs.push(event.data.svg);
});
"""


def drawn_svg(browser_page) -> str:
    """The SVG text of the page's diagram image (a blob: URL), once it is drawn."""
    image = browser_page.locator("figure.diagram img")
    image.wait_for(timeout=30_000)
    browser_page.wait_for_function(
        "() => { const i = document.querySelector('figure.diagram img');"
        " return i && i.complete && i.naturalWidth > 0; }",
        timeout=30_000,
    )
    return browser_page.evaluate("window.__svgs[window.__svgs.length - 1]")


def test_flowchart_is_drawn_as_svg_without_policy_violations(browser_page):
    """The flowchart becomes an SVG image with its labels; no CSP violation on the way."""
    make_page()
    console = watch(browser_page)
    browser_page.add_init_script(KEEP_SVG)
    response = browser_page.goto("/diagram/")
    assert "style-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    svg = drawn_svg(browser_page)
    assert svg.startswith("<svg")
    assert all(f">{word}<" in svg for word in ("Start", "Is", "Done", "Yes", "No"))
    assert browser_page.locator("figure.diagram img").get_attribute("src").startswith("blob:")
    # The source stays on the page, below the diagram, for readers who want it.
    details = browser_page.locator("details.diagram-source")
    assert details.locator("pre.mermaid").text_content().startswith("flowchart LR")
    assert not details.locator("pre.mermaid").is_visible()
    assert violations(browser_page, console) == []


def test_without_javascript_the_source_is_shown(chromium, live_server):
    """With JavaScript off the page shows the diagram's source as text, and loads no Mermaid."""
    make_page()
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/diagram/")
    assert page.locator("pre.mermaid").inner_text() == SOURCE
    assert page.locator(".page-body svg, .page-body img, figure.diagram").count() == 0
    assert not any("mermaid" in url or "diagram-frame" in url for url in requested)
    context.close()


def test_pages_without_diagrams_do_not_load_mermaid(browser_page):
    """Mermaid (a large script) is fetched only by pages that have a diagram."""
    make_page(body="Just text.\n\n```python\nprint(1)\n```\n", url_path="/plain/")
    requested: list[str] = []
    browser_page.on("request", lambda request: requested.append(request.url))
    browser_page.goto("/plain/")
    browser_page.wait_for_load_state("networkidle")
    assert not any("mermaid" in url or "diagram-frame" in url for url in requested)


def test_dark_mode_draws_with_mermaids_dark_theme_and_redraws_on_switch(browser_page):
    """Dark mode gives Mermaid's dark theme; the reader's theme switch draws the diagram again."""
    make_page()
    browser_page.emulate_media(color_scheme="dark")
    browser_page.add_init_script(KEEP_SVG)
    browser_page.goto("/diagram/")
    dark = drawn_svg(browser_page)
    first_url = browser_page.locator("figure.diagram img").get_attribute("src")
    browser_page.get_by_role("button", name="Dark mode").click()  # now light
    browser_page.wait_for_function(
        "url => document.querySelector('figure.diagram img').src !== url", arg=first_url, timeout=30_000
    )
    light = drawn_svg(browser_page)
    # Mermaid's dark theme paints nodes #1f2020; its default theme #ECECFF.
    assert "#1f2020" in dark.lower() and "#ececff" not in dark.lower()
    assert "#ececff" in light.lower()


def test_diagram_frame_is_sandboxed_by_its_own_policy(client):
    """The frame Mermaid runs in: sandboxed, framed only by Quire, inline styles allowed only there."""
    response = client.get("/-/diagram-frame/")
    policy = response["Content-Security-Policy"]
    assert response.status_code == 200
    assert "sandbox allow-scripts" in policy
    assert "frame-ancestors 'self'" in policy
    assert "script-src 'self';" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert b"vendor/mermaid/mermaid.min.js" in response.content
    page_policy = client.get("/-/nav/1/")["Content-Security-Policy"]
    assert "unsafe-inline" not in page_policy and "frame-ancestors 'none'" in page_policy


def test_a_diagram_mermaid_cannot_read_stays_as_its_source(browser_page):
    """A broken diagram keeps showing its source; the next diagram on the page is still drawn."""
    make_page(body=f"```mermaid\nflowchart LR\n  A[unclosed --> \n```\n\n```mermaid\n{SOURCE}```\n")
    warnings: list[str] = []
    browser_page.on("console", lambda message: warnings.append(message.text))
    browser_page.add_init_script(KEEP_SVG)
    browser_page.goto("/diagram/")
    drawn_svg(browser_page)
    browser_page.wait_for_function("window.__svgs.length >= 1", timeout=30_000)
    assert browser_page.locator("figure.diagram").count() == 1
    broken = browser_page.locator(".page-body > pre.mermaid")
    assert broken.is_visible() and broken.inner_text().startswith("flowchart LR\n  A[unclosed")
    assert any("could not draw a diagram" in text for text in warnings)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_diagram_page_passes_axe(browser_page, scheme):
    """The drawn diagram (an image with a text alternative) and its source pass axe-core."""
    titled = SOURCE.replace("flowchart LR", "flowchart LR\n  accTitle: Loop")
    make_page(body=f"```mermaid\n{titled}```\n")
    browser_page.emulate_media(color_scheme=scheme)
    browser_page.add_init_script(KEEP_SVG)
    browser_page.goto("/diagram/")
    drawn_svg(browser_page)
    assert browser_page.locator("figure.diagram img").get_attribute("alt") == "Loop"
    results = Axe().run(browser_page)
    serious = [v["id"] for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]
    assert serious == []
