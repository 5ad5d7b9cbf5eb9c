"""The page list's sync filter and the "what changed since the last sync" screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pages.editing.saving import save_page
from pages.sync.exporting import export_pages
from tests.admin_factories import make_page
from tests.sync_helpers import page, run_import, write_site

pytestmark = pytest.mark.django_db

SITE = {
    "index.md": "---\ntitle: Home\n---\nWelcome.\n",
    "a.md": "---\ntitle: Alpha\n---\nA.\n",
    "b.md": "---\ntitle: Beta\n---\nB.\n",
}
CHANGELIST = reverse("admin:pages_page_changelist")


@pytest.fixture
def root(tmp_path):
    root = write_site(tmp_path / "site", SITE)
    run_import(root)
    return root


def listed_titles(response) -> set[str]:
    return {str(p.title) for p in response.context["cl"].result_list}


def test_filter_lists_pages_changed_since_the_last_export(admin_client, admin_user, root):
    alpha = page("a.md")
    alpha.body = "A, edited.\n"
    save_page(alpha, user=admin_user)
    make_page(title="Fresh", url_path="/fresh/")
    response = admin_client.get(CHANGELIST, {"sync": "unexported"})
    assert listed_titles(response) == {"Alpha", "Fresh"}
    export_pages(root)
    assert listed_titles(admin_client.get(CHANGELIST, {"sync": "unexported"})) == set()


def test_filter_lists_pages_whose_file_changed_since_the_last_import(admin_client, root):
    write_site(root, {"b.md": "---\ntitle: Beta\n---\nB, edited on disk.\n"})
    (root / "index.md").unlink()
    response = admin_client.get(CHANGELIST, {"sync": "file_changed"})
    assert listed_titles(response) == {"Beta", "Home"}
    run_import(root, prune=True)
    assert listed_titles(admin_client.get(CHANGELIST, {"sync": "file_changed"})) == set()


def test_sync_screen_shows_admin_edits_and_changed_files(admin_client, admin_user, root):
    alpha = page("a.md")
    alpha.body = "A, edited in Quire.\n"
    save_page(alpha, user=admin_user)
    write_site(root, {"b.md": "---\ntitle: Beta\n---\nB, edited on disk.\n", "c.md": "---\ntitle: C\n---\n"})
    (root / "index.md").unlink()
    html = admin_client.get(reverse("admin:pages_page_sync")).content.decode()
    assert "a.md · edited in Quire" in html and "+A, edited in Quire." in html and "-A." in html
    rows = html.split('id="sync-files"')[1]
    assert "b.md</a></td><td>changed on disk" in rows
    assert "c.md</td><td>new file" in rows
    assert "index.md</a></td><td>deleted on disk" in rows
    assert "a.md" not in rows
