"""Saving an imported page through Chromium: the file keeps its shape and the site renders it right.

Browsers send a textarea's text with CRLF line endings (the test client cannot show this): a title-only
save must change only the title line of the exported file, a body edit only its lines, and the public
page must render as a fresh import of the exported file does.
"""

from __future__ import annotations

import pytest

from pages.content.markdown_io import parse_text
from pages.models import Page
from pages.store.page_derivation import apply_rendering
from pages.store.revisions import page_versions
from pages.sync.exporting import export_pages
from tests.browser.admin_login import sign_in
from tests.sync_helpers import run_import, write_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLES = "---\ntitle: Tables\nnav_order: 2\n---\n\n# Tables\n{: .no_toc }\n\nSome text under the heading.\n\n"


def save(tab) -> None:
    tab.click("input[name=_save]")
    tab.wait_for_url("**/admin/pages/page/")


def test_browser_saves_keep_the_file_shape_and_render_like_the_file(browser_page, tmp_path):
    root = write_site(tmp_path / "site", {"docs/tables.md": TABLES})
    run_import(root)
    tables = Page.objects.get(source_path="docs/tables.md")
    tab = browser_page
    sign_in(tab)

    # 1. Only the title changes: only the title line changes in the file; the comment says so.
    tab.goto(f"/admin/pages/page/{tables.pk}/change/")
    tab.fill("#id_title", "Data tables")
    save(tab)
    assert page_versions(tables.pk).first().revision.comment == "Changed title."
    export_pages(root)
    expected = TABLES.replace("title: Tables", "title: Data tables")
    assert (root / "docs/tables.md").read_text() == expected

    # 2. A line typed at the end of the body: the browser sends CRLF; the file gets exactly that line.
    tab.goto(f"/admin/pages/page/{tables.pk}/change/")
    body = tab.locator("#id_body")
    body.focus()
    tab.keyboard.press("Control+End")
    body.press_sequentially("Typed in Chromium.")
    body.press("Enter")
    save(tab)
    saved = Page.objects.get(pk=tables.pk)
    assert "\r" not in saved.body
    assert page_versions(tables.pk).first().revision.comment == "Changed body."
    export_pages(root)
    expected += "Typed in Chromium.\n"
    assert (root / "docs/tables.md").read_text() == expected

    # 3. The public page: the attribute list is applied, not shown; same HTML as the file renders to.
    tab.goto(saved.url_path)
    assert tab.locator("h1", has_text="Tables").get_attribute("class") == "no_toc"
    assert "{: .no_toc }" not in tab.locator("main").inner_text()
    fresh = Page(source_path="docs/tables.md", body=parse_text("docs/tables.md", expected).body)
    apply_rendering(fresh)
    assert saved.body_html == fresh.body_html


def test_conflict_resolved_in_the_browser_with_an_edited_merge(browser_page, tmp_path):
    from django.contrib.auth.models import User

    from pages.editing.saving import save_page
    from pages.models import SyncConflict

    root = write_site(tmp_path / "site", {"docs/tables.md": TABLES})
    run_import(root)
    editor = User.objects.create_superuser("admin", password="pw")
    tables = Page.objects.get(source_path="docs/tables.md")
    tables.body = tables.body.replace("Some text", "Admin text")
    save_page(tables, user=editor)
    write_site(root, {"docs/tables.md": TABLES.replace("Some text", "File text")})
    assert run_import(root).conflicts == ["docs/tables.md"]

    tab = browser_page
    sign_in(tab)
    tab.goto("/admin/pages/page/")
    tab.click("text=Sync conflicts (1)")
    tab.click("#conflict-list a")
    merged = tab.input_value("#id_text")
    assert "<<<<<<< file\nFile text under the heading.\n||||||| base (last sync)\n" in merged
    resolved = TABLES.replace("Some text", "File and admin text")
    tab.fill("#id_text", resolved)
    tab.click("#conflict-merge input[type=submit]")
    tab.wait_for_url("**/admin/pages/page/conflicts/")
    assert tab.locator("#content-main", has_text="No sync conflicts.").is_visible()
    assert not SyncConflict.objects.exists()
    saved = Page.objects.get(pk=tables.pk)
    assert "\r" not in saved.body and page_versions(tables.pk).first().revision.comment == (
        "Resolved a sync conflict."
    )
    export_pages(root)
    assert (root / "docs/tables.md").read_text() == resolved
