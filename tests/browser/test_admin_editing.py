"""Editing in a real browser: preview, save, public page, conflicts, unsaved-changes prompt, uploads."""

import base64
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from pages.models import Page
from tests.admin_factories import make_page
from tests.browser.admin_login import sign_in
from tests.conftest import PROJECT_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = PROJECT_ROOT / "static" / "quire" / "docs" / "editor.png"
# A 1×1 PNG, for the drag-and-drop upload.
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def test_create_page_with_live_preview_and_see_it_on_the_site(browser_page, tmp_path):
    """Log in, create a page, watch the preview follow the markdown, save, and read it on the site."""
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page)
    page.goto("/admin/pages/page/add/")
    page.fill("#id_title", "Browser made page")
    assert page.input_value("#id_url_path") == "/browser-made-page/"
    page.select_option("#id_status", "published")
    page.locator("#id_body").press_sequentially("# Hello from the editor\n\nSome **bold** words.")
    preview = page.frame_locator(".quire-editor-frame").locator("#quire-preview-body")
    preview.locator("strong", has_text="bold").wait_for(timeout=10_000)
    assert preview.locator("h1").inner_text() == "Hello from the editor"
    shot = tmp_path / "editor.png"
    page.screenshot(path=str(shot), type="png", full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")
    if os.environ.get("QUIRE_UPDATE_SCREENSHOTS"):
        shutil.copyfile(shot, SCREENSHOT)
    page.click("input[name=_save_view]")
    page.wait_for_url("**/browser-made-page/")
    assert page.locator("h1", has_text="Hello from the editor").is_visible()
    assert page.locator("strong", has_text="bold").inner_text() == "bold"


def test_second_editor_gets_the_conflict_and_keeps_their_text(chromium, live_server):
    """Two browser contexts edit one page; the second save shows the conflict and keeps its text."""
    doc = make_page(title="Shared", url_path="/shared/", body="Original line.")
    tabs = []
    for name in ("ann", "bob"):
        context = chromium.new_context(base_url=live_server.url)
        tab = context.new_page()
        sign_in(tab, name)
        tab.goto(f"/admin/pages/page/{doc.pk}/change/")
        tabs.append(tab)
    ann, bob = tabs
    ann.fill("#id_body", "Ann's text.")
    ann.click("input[name=_save]")
    ann.wait_for_url("**/admin/pages/page/")
    bob.fill("#id_body", "Bob's careful text.")
    bob.click("input[name=_save]")
    conflict = bob.locator("#quire-conflict")
    conflict.wait_for()
    assert "changed by ann" in bob.locator("ul.errorlist.nonfield").inner_text()
    assert "Ann's text" in conflict.locator("ins").all_inner_texts()
    assert bob.input_value("#id_body") == "Bob's careful text."
    assert Page.objects.get(pk=doc.pk).body == "Ann's text."
    for tab in tabs:
        tab.context.close()


def test_leaving_with_unsaved_changes_asks_first(browser_page):
    """Typing in the form and then navigating away raises the browser's leave-page prompt."""
    page = browser_page
    doc = make_page(title="Draft", url_path="/draft/", body="text")
    sign_in(page)
    page.goto(f"/admin/pages/page/{doc.pk}/change/")
    page.locator("#id_body").press_sequentially(" more")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    with page.expect_event("dialog", timeout=10_000):
        page.evaluate("window.location.href = '/admin/'")
    assert dialogs == ["beforeunload"]
    assert "/change/" in page.url


def test_image_dropped_on_the_editor_is_uploaded_and_inserted_with_alt_text(browser_page, settings, tmp_path):
    """Dropping a PNG uploads it through the markdownx endpoint, asks for alt text, inserts its markdown."""
    settings.MEDIA_ROOT = tmp_path
    page = browser_page
    doc = make_page(title="Pictures", url_path="/pictures/", body="")
    sign_in(page)
    page.goto(f"/admin/pages/page/{doc.pk}/change/")
    data_transfer = page.evaluate_handle(
        """(b64) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "pixel.png", {type: "image/png"}));
            return transfer;
        }""",
        base64.b64encode(PIXEL_PNG).decode(),
    )
    page.dispatch_event("#id_body", "drop", {"dataTransfer": data_transfer})
    dialog = page.locator(".quire-image-dialog")
    expect(dialog.locator(".quire-image-chosen")).to_have_text("Chosen: pixel.png", timeout=10_000)
    dialog.locator(".quire-image-alt").fill("One red pixel")
    dialog.locator(".quire-image-alt").press("Enter")
    expect(page.locator("#id_body")).to_have_value(re.compile(r"!\[One red pixel\]\("), timeout=10_000)
    markdown = page.input_value("#id_body")
    uploaded = markdown.split("![One red pixel](")[1].split(")")[0]
    assert uploaded.endswith(".png")
    assert uploaded.startswith("/media/uploads/")
    assert Path(tmp_path, unquote(uploaded.removeprefix("/media/"))).read_bytes().startswith(b"\x89PNG")
