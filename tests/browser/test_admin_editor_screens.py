"""The editor's admin in a real browser: the two-pane editor, images with alt text, drafts of live pages,
the page tree; screenshots at three sizes without sideways scroll; axe-core on every screen changed.

Screenshots go to QUIRE_SCREENSHOT_DIR when set (to look at them), else to the test's tmp folder.
"""

import base64
import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from pages.models import Page, PageDraft
from pages.store.revisions import page_versions
from pages.store.site_settings import in_site_nav_order
from tests.admin_factories import make_editor
from tests.browser.admin_login import sign_in
from tests.browser.site_content import import_sample_site
from tests.browser.test_accessibility import blocking_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [(1366, 900), (1920, 1080), (390, 844)]
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("QUIRE_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def as_admin(page):
    return sign_in(page)


def preview_body(page):
    return page.frame_locator(".quire-editor-frame").locator("#quire-preview-body")


def box(page, selector):
    return page.locator(selector).bounding_box()


def test_editor_and_preview_side_by_side_at_1366_using_the_full_width(browser_page):
    """At 1366 px the text and the site-styled preview sit side by side, filling the form, not overlapping."""
    import_sample_site()
    page = as_admin(browser_page)
    page.set_viewport_size({"width": 1366, "height": 900})
    callouts = Page.objects.get(url_path="/callouts/")
    page.goto(f"/admin/pages/page/{callouts.pk}/change/")
    preview = preview_body(page)
    preview.locator("p.note").first.wait_for(timeout=10_000)
    text, frame = box(page, "#id_body"), box(page, ".quire-editor-frame")
    form = box(page, "fieldset:has(#id_body)")
    assert text["x"] + text["width"] <= frame["x"], "the preview overlaps the text"
    assert frame["x"] + frame["width"] <= form["x"] + form["width"] + 1, "the preview is cut off"
    assert text["width"] > 400 and frame["width"] > 400
    assert text["width"] + frame["width"] > 0.9 * form["width"] - 40
    # The preview uses the public site's stylesheet: a note is drawn as the site's callout.
    border = preview.locator("p.note").first.evaluate("e => getComputedStyle(e).borderLeftStyle")
    assert border == "solid"
    assert page.locator(".quire-editor-modes").is_hidden()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    # Scrolling the text to its end scrolls the preview along.
    frame = page.locator(".quire-editor-frame").element_handle().content_frame()
    assert frame.evaluate("window.scrollY") == 0
    page.locator("#id_body").evaluate(
        "e => { e.scrollTop = e.scrollHeight; e.dispatchEvent(new Event('scroll')); }"
    )
    page.wait_for_function(
        "f => f.contentWindow.scrollY > 100", arg=page.locator(".quire-editor-frame").element_handle()
    )


def test_editor_types_sees_preview_word_count_and_uses_the_keyboard_toolbar(browser_page):
    """Typing updates the preview and word count; Ctrl+B and the toolbar buttons format the selection."""
    page = as_admin(browser_page)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/admin/pages/page/add/")
    page.fill("#id_title", "Typed")
    body = page.locator("#id_body")
    body.press_sequentially("Hello brave world")
    expect(page.locator(".quire-word-count")).to_have_text("3 words")
    expect(preview_body(page).locator("p")).to_have_text("Hello brave world", timeout=10_000)
    body.evaluate("e => e.setSelectionRange(6, 11)")  # "brave"
    body.press("Control+b")
    assert body.input_value() == "Hello **brave** world"
    expect(preview_body(page).locator("strong")).to_have_text("brave", timeout=10_000)
    body.evaluate("e => e.setSelectionRange(0, 0)")
    page.locator(".quire-editor-tools button[data-action=heading]").click()
    assert body.input_value() == "## Hello **brave** world"
    expect(preview_body(page).locator("h2")).to_contain_text("Hello brave world", timeout=10_000)
    # The toolbar is one tab stop; arrow keys move between its buttons.
    page.locator(".quire-editor-tools button[data-action=bold]").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.action") == "italic"
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.dataset.action") == "image"


def test_a_refused_preview_tells_the_editor_why(browser_page, settings):
    """Text over the preview's size limit is not rendered; the editor shows the server's reason."""
    settings.QUIRE_PREVIEW_MAX_BYTES = 40
    page = as_admin(browser_page)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/admin/pages/page/add/")
    page.locator("#id_body").fill("Short")
    expect(preview_body(page).locator("p")).to_have_text("Short", timeout=10_000)
    page.locator("#id_body").fill("A paragraph that is longer than forty bytes, so it is refused.")
    expect(page.locator(".quire-editor-message")).to_contain_text(
        "over the 40-byte limit for one page", timeout=10_000
    )
    expect(preview_body(page).locator("p")).to_have_text("Short")


def test_phone_width_stacks_with_a_write_preview_switch(browser_page):
    """Below 1200 px one pane shows at a time; the Write / Preview switch flips between them."""
    page = as_admin(browser_page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/admin/pages/page/add/")
    page.locator("#id_body").fill("Some *words*")
    assert page.locator(".quire-editor-frame").is_hidden()
    page.get_by_role("button", name="Preview", exact=True).click()
    assert page.locator("#id_body").is_hidden()
    expect(preview_body(page).locator("em")).to_have_text("words", timeout=10_000)
    assert page.get_by_role("button", name="Preview", exact=True).get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="Write", exact=True).click()
    assert page.locator("#id_body").is_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


def test_insert_image_button_requires_alt_text_and_reuses_the_library(browser_page, media, tmp_path):
    """Insert image: upload, alt text required (with a hint), inserted; then the library offers it again."""
    page = as_admin(browser_page)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/admin/pages/page/add/")
    picture = tmp_path / "red-dot.png"
    picture.write_bytes(PIXEL_PNG)
    page.get_by_role("button", name="Insert image").click()
    dialog = page.get_by_role("dialog", name="Insert image")
    expect(dialog).to_be_visible()
    assert "readers who cannot see it" in dialog.inner_text()
    dialog.get_by_label("Upload a new image").set_input_files(str(picture))
    expect(dialog.locator(".quire-image-chosen")).to_have_text("Chosen: red-dot.png", timeout=10_000)
    dialog.get_by_role("button", name="Insert").click()
    expect(dialog.locator(".quire-image-error")).to_contain_text("alt text")
    assert page.input_value("#id_body") == ""
    dialog.get_by_label("Alt text (required)").fill("A red dot")
    dialog.get_by_role("button", name="Insert").click()
    expect(dialog).to_be_hidden()
    markdown = page.input_value("#id_body")
    assert markdown.startswith("![A red dot](/media/uploads/") and markdown.endswith(".png)")
    preview_body(page).locator("img[alt='A red dot']").wait_for(timeout=10_000)
    # Reuse: the library lists the upload; choosing it inserts the same URL.
    url = markdown[len("![A red dot](") : -1]
    page.locator("#id_body").press("End")
    page.locator("#id_body").press("Enter")
    page.get_by_role("button", name="Insert image").click()
    choice = dialog.get_by_role("radio", name="red-dot.png, 1×1")
    choice.click()
    assert choice.get_attribute("aria-checked") == "true"
    dialog.get_by_label("Alt text (required)").fill("The same dot")
    dialog.get_by_role("button", name="Insert").click()
    assert page.input_value("#id_body").endswith(f"![The same dot]({url})")


def test_editor_drafts_a_live_page_and_a_publisher_publishes_it(chromium, live_server, shots):
    """An editor fixes a typo on a live page (readers keep the old text); a publisher publishes it."""
    import_sample_site()
    call_command("setup_roles", stdout=io.StringIO())  # a transactional test may have flushed the group
    make_editor("ed")
    publisher = make_editor("pub", can_publish=True)
    assert publisher.has_perm("pages.publish_page")
    live = Page.objects.get(url_path="/deployment/")
    editor_tab = chromium.new_context(base_url=live_server.url).new_page()
    sign_in(editor_tab, "ed")
    editor_tab.goto(f"/admin/pages/page/{live.pk}/change/")
    assert "changes awaiting publication" in editor_tab.locator(".quire-draft-note").first.inner_text()
    for width, height in SIZES:
        editor_tab.set_viewport_size({"width": width, "height": height})
        editor_tab.screenshot(path=str(shots / f"draft-editor-{width}.png"))
        assert editor_tab.evaluate(NO_SIDEWAYS_SCROLL), width
    assert blocking_violations(editor_tab) == []
    body = editor_tab.locator("#id_body")
    body.fill(body.input_value() + "\nA typo fixed by the editor.\n")
    editor_tab.click("input[name=_save]")
    expect(editor_tab.locator(".messagelist")).to_contain_text("changes awaiting publication")
    assert "A typo fixed" not in editor_tab.context.new_page().goto(live_server.url + "/deployment/").text()
    assert "A typo fixed" not in Page.objects.get(pk=live.pk).body
    editor_tab.context.close()

    pub = chromium.new_context(base_url=live_server.url).new_page()
    sign_in(pub, "pub")
    pub.goto("/admin/pages/page/?status=awaiting")
    expect(pub.locator("#result_list")).to_contain_text("changes awaiting publication")
    pub.goto(f"/admin/pages/page/{live.pk}/change/")
    pub.get_by_role("link", name="Review, publish or reject the changes").click()
    expect(pub.locator("table.quire-diff")).to_contain_text("A typo fixed by the editor.")
    for width, height in SIZES:
        pub.set_viewport_size({"width": width, "height": height})
        pub.screenshot(path=str(shots / f"draft-review-{width}.png"), full_page=True)
        assert pub.evaluate(NO_SIDEWAYS_SCROLL), width
    assert blocking_violations(pub) == []
    pub.set_viewport_size({"width": 1366, "height": 900})
    pub.get_by_role("button", name="Publish these changes").click()
    expect(pub.locator(".messagelist")).to_contain_text("Published the changes")
    assert not PageDraft.objects.exists()
    reader = pub.context.new_page().goto(live_server.url + "/deployment/")
    assert "A typo fixed by the editor." in reader.text()
    pub.context.close()


def test_moving_a_page_offers_the_url_its_new_parent_implies(browser_page):
    """Choosing another parent offers the implied URL; taking it and saving leaves a 301 at the old URL."""
    import_sample_site()
    page = as_admin(browser_page)
    deployment = Page.objects.get(url_path="/deployment/")
    public_site = Page.objects.get(url_path="/public-site/")
    page.goto(f"/admin/pages/page/{deployment.pk}/change/")
    page.select_option("#id_parent", str(public_site.pk))
    offer = page.locator(".quire-move-offer")
    expect(offer).to_contain_text("/public-site/deployment/")
    offer.get_by_role("button").click()
    assert page.input_value("#id_url_path") == "/public-site/deployment/"
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/pages/page/")
    response = page.request.get("/deployment/", max_redirects=0)
    assert response.status == 301 and response.headers["location"] == "/public-site/deployment/"


def test_page_tree_collapses_sections(browser_page):
    """A section's toggle hides and shows the pages under it."""
    import_sample_site()
    page = as_admin(browser_page)
    page.goto("/admin/pages/page/")
    toggle = page.get_by_role("button", name="Show the pages under The public site")
    search_row = page.locator("#result_list tr", has_text="/site-search/")
    assert toggle.get_attribute("aria-expanded") == "true" and search_row.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false" and search_row.is_hidden()
    toggle.click()
    assert search_row.is_visible()
    assert page.url.endswith("/admin/pages/page/")  # the toggle never follows the title's link


def test_screens_fit_at_three_sizes_and_pass_axe(browser_page, shots):
    """Page list, editor with preview and history: no sideways scroll at 1366, 1920 and 390 px; axe clean."""
    import_sample_site()
    page = as_admin(browser_page)
    callouts = Page.objects.get(url_path="/callouts/")
    page.goto(f"/admin/pages/page/{callouts.pk}/change/")
    body = page.locator("#id_body")
    changed = body.input_value().replace("makes a task easier", "makes a common task much easier")
    body.fill(changed + "\nEnd.\n")
    page.click("input[name=_continue]")
    page.wait_for_url(f"**/admin/pages/page/{callouts.pk}/change/")
    screens = {
        "page-list": "/admin/pages/page/",
        "edit-with-preview": f"/admin/pages/page/{callouts.pk}/change/",
        "history": f"/admin/pages/page/{callouts.pk}/history/",
        "compare-inline": f"/admin/pages/page/{callouts.pk}/history/compare/?view=inline",
    }
    problems = {}
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        for name, url in screens.items():
            page.goto(url)
            if name == "edit-with-preview":
                note = page.frame_locator(".quire-editor-frame").locator("p.note").first
                note.wait_for(state="attached", timeout=10_000)
                page.locator(".quire-editor-bar").scroll_into_view_if_needed()
            page.screenshot(path=str(shots / f"{name}-{width}.png"))
            if not page.evaluate(NO_SIDEWAYS_SCROLL):
                problems[(name, width)] = "sideways scroll"
            if width == 1366:
                found = blocking_violations(page)
                if found:
                    problems[(name, "axe")] = found
    page.set_viewport_size({"width": 1366, "height": 900})
    oldest = page_versions(callouts.pk).last()
    page.goto(f"/admin/pages/page/{callouts.pk}/history/{oldest.pk}/restore/")
    if found := blocking_violations(page):
        problems[("restore", "axe")] = found
    page.emulate_media(color_scheme="dark")
    for name in ("page-list", "history", "compare-inline"):
        page.goto(screens[name])
        if found := blocking_violations(page):
            problems[(name, "axe, dark")] = found
    page.emulate_media(color_scheme="light")
    page.goto(f"/admin/pages/page/{callouts.pk}/change/")
    page.get_by_role("button", name="Insert image").click()
    if found := blocking_violations(page):
        problems[("image dialog", "axe")] = found
    assert problems == {}


def test_dragging_a_page_in_the_tree_reorders_its_siblings(browser_page):
    """Drag a page by its handle above a sibling: the siblings get nav_order 1..n and the tree follows."""
    import_sample_site()
    page = as_admin(browser_page)
    page.set_viewport_size({"width": 1280, "height": 1600})  # both rows on screen: a drag does not scroll
    page.goto("/admin/pages/page/")
    deployment = page.locator("#result_list tr", has_text="/deployment/")
    started = page.locator("#result_list tr", has_text="/getting-started/")
    deployment.locator(".quire-drag-handle").drag_to(started, target_position={"x": 200, "y": 3})
    expect(page.locator(".messagelist")).to_contain_text("The new order is saved")
    assert page.url.endswith("/admin/pages/page/")
    top = [p.title for p in in_site_nav_order(Page.objects.filter(parent=None))]
    assert top[:3] == ["Welcome to Quire", "Deployment", "Getting started"]
    titles = page.locator("#result_list .quire-title").all_inner_texts()
    # Deployment moved with its own pages, which stay right under it
    moved = ["Deployment", "Deployment in detail", "Static export in detail"]
    assert titles[:5] == ["Welcome to Quire", *moved, "Getting started"]
