"""Under the Content-Security-Policy the public site, the admin and the editor work with no violations."""

import pytest
from django.contrib.auth import get_user_model

from pages.models import Page
from pages.store.page_derivation import apply_rendering
from tests.browser.admin_login import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def watch(page):
    """Record CSP violations (DOM events and console reports) seen by this browser tab."""
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    return console


def violations(page, console) -> list[str]:
    reported = page.evaluate("window.__cspViolations || []")
    return reported + [text for text in console if "Content Security Policy" in text]


def make_page(**fields):
    page = Page(**fields)
    apply_rendering(page)
    page.save()
    return page


def test_public_page_has_no_csp_violations(browser_page):
    """A page with code, a table, a callout and a footnote loads with a CSP header and no violations."""
    body = (
        "## Code\n\n```python\nprint(1)\n```\n\n| a |\n|---|\n| 1 |\n\n> [!NOTE]\n> Hi[^1]\n\n[^1]: Foot.\n"
    )
    make_page(title="Home", url_path="/", body=body)
    console = watch(browser_page)
    response = browser_page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert browser_page.locator("blockquote.callout-note").is_visible()
    assert browser_page.locator("div.highlight .nb").first.inner_text() == "print"
    assert violations(browser_page, console) == []


def test_admin_editor_and_live_preview_work_without_violations(browser_page):
    """A superuser logs in, edits a page and sees the live preview (in its frame), CSP-clean throughout."""
    get_user_model().objects.create_superuser("boss", "boss@example.org", "a-long-test-password-1")
    page = make_page(title="Edit me", url_path="/edit-me/", body="Old text")
    console = watch(browser_page)
    sign_in(browser_page, "boss", "a-long-test-password-1")
    browser_page.goto(f"/admin/pages/page/{page.pk}/change/")
    editor = browser_page.locator("textarea#id_body")
    editor.fill("## Live preview\n\n> [!TIP]\n> Works under the policy.\n\n<script>alert(1)</script>")
    preview = browser_page.frame_locator(".quire-editor-frame").locator("#quire-preview-body")
    preview.locator("h2#live-preview").wait_for(timeout=10_000)
    assert preview.locator("blockquote.callout-tip").inner_text().lower().startswith("tip")  # site styles
    assert preview.locator("script").count() == 0
    frame = browser_page.locator(".quire-editor-frame").element_handle().content_frame()
    assert frame.evaluate("window.__cspViolations || []") == []
    assert violations(browser_page, console) == []


def test_inline_script_is_blocked_and_reported(browser_page):
    """An inline script injected into a public page is blocked, and the watcher reports it."""
    make_page(title="Home", url_path="/", body="Text")
    console = watch(browser_page)
    browser_page.goto("/")
    browser_page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"
    )
    browser_page.wait_for_function("window.__cspViolations.length > 0", timeout=5_000)
    assert browser_page.evaluate("window.__ran === undefined")
    assert any("script-src" in v for v in violations(browser_page, console))
