"""The admin's sync conflicts: the list, the three-way screen, and each way of resolving one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pages.editing.saving import save_page
from pages.models import SyncConflict
from pages.store.revisions import page_versions
from pages.sync.exporting import export_pages
from tests.sync_helpers import page, run_import, write_site

pytestmark = pytest.mark.django_db

TEXT = "---\ntitle: Tables\n---\nOne.\nTwo.\nThree.\nFour.\nFive.\nSix.\n"
FILE_SIDE = TEXT.replace("Two.", "Two (file).")
ADMIN_BODY = "One.\nTwo (admin).\nThree.\nFour.\nFive.\nSix.\n"


@pytest.fixture
def conflict(tmp_path, admin_user):
    root = write_site(tmp_path / "site", {"tables.md": TEXT})
    run_import(root)
    tables = page("tables.md")
    tables.body = ADMIN_BODY
    save_page(tables, user=admin_user)
    write_site(root, {"tables.md": FILE_SIDE})
    report = run_import(root)
    assert report.conflicts == ["tables.md"]
    return root, SyncConflict.objects.get(page=tables)


def screen(conflict):
    return reverse("admin:pages_page_conflict", args=[conflict.page_id])


def test_list_and_screen_show_the_three_sides(admin_client, conflict):
    _, found = conflict
    listing = admin_client.get(reverse("admin:pages_page_conflicts")).content.decode()
    assert "tables.md" in listing and screen(found) in listing
    assert "Sync conflicts (1)" in admin_client.get(reverse("admin:pages_page_changelist")).content.decode()
    html = admin_client.get(screen(found)).content.decode()
    assert (
        "&lt;&lt;&lt;&lt;&lt;&lt;&lt; file\nTwo (file).\n||||||| base (last sync)\nTwo.\n"
        "=======\nTwo (admin)." in html
    )
    assert "+Two (file)." in html and "+Two (admin)." in html


def test_merged_text_with_markers_is_refused_and_nothing_saved(admin_client, conflict):
    _, found = conflict
    response = admin_client.post(
        screen(found), {"choice": "merged", "text": "<<<<<<< file\nx\n>>>>>>> admin\n"}
    )
    assert response.status_code == 200 and "conflict markers" in response.content.decode()
    assert page("tables.md").body == ADMIN_BODY and SyncConflict.objects.exists()


def test_edited_merge_is_saved_as_a_revision_and_exported(admin_client, conflict):
    root, found = conflict
    merged = TEXT.replace("Two.", "Two (both).")
    response = admin_client.post(screen(found), {"choice": "merged", "text": merged.replace("\n", "\r\n")})
    assert response.status_code == 302
    assert page("tables.md").body == ADMIN_BODY.replace("Two (admin).", "Two (both).")
    assert page_versions(found.page_id).first().revision.comment == "Resolved a sync conflict."
    assert not SyncConflict.objects.exists()
    export_pages(root)
    assert (root / "tables.md").read_text() == merged
    assert run_import(root).unchanged == ["tables.md"]


def test_take_the_file_leaves_the_file_alone(admin_client, conflict):
    root, found = conflict
    admin_client.post(screen(found), {"choice": "file"})
    assert page("tables.md").body == FILE_SIDE.split("---\n", 2)[2]
    result = export_pages(root)
    assert result.unchanged == ["tables.md"] and (root / "tables.md").read_text() == FILE_SIDE


def test_take_the_admin_writes_the_admin_text_at_the_next_export(admin_client, conflict):
    root, found = conflict
    admin_client.post(screen(found), {"choice": "admin"})
    result = export_pages(root)
    assert result.updated == ["tables.md"] and (root / "tables.md").read_text() == TEXT.replace(
        "Two.", "Two (admin)."
    )
