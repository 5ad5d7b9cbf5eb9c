"""pages/store/site_state.py: the content version is bumped by the write paths, once each, after the commit.

Every way the admin, the editor, the import, the export and the commands change what public pages are
made of moves the version by exactly one; nothing else moves it (no model signal), a rolled-back
write moves nothing, and a bump that cannot reach the database keeps the write.
"""

from __future__ import annotations

import ast
import logging
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.urls import reverse
from PIL import Image
from reversion.models import Version

from pages.editing.drafts import publish_draft, reject_draft, save_draft
from pages.editing.ordering import reorder_children
from pages.editing.page_text import resolve_conflict
from pages.editing.restoring import recover_page, restore_revision
from pages.editing.saving import delete_pages, save_page, set_published
from pages.models import Page, PageDraft
from pages.store import site_state
from pages.store.revisions import page_versions
from pages.store.site_state import bump_content_version, content_version
from pages.sync.exporting import export_pages
from pages.sync.importing import import_directory
from pages.sync.page_files import page_file_text
from pages.sync.rerendering import rerender_pages
from pages.sync.sync_state import record_conflict
from tests.admin_factories import make_page
from tests.commits import committed
from tests.conftest import PROJECT_ROOT
from tests.sync_helpers import write_site

CHANGELIST = reverse("admin:pages_page_changelist")


@pytest.fixture
def site(db, admin_user, tmp_path):
    """A guide with two children, written through the save path; the version's row exists."""
    guide = make_page(title="Guide", url_path="/guide/", body="Guide text.", nav_order="1")
    first = make_page(title="First", url_path="/guide/first/", parent=guide, nav_order="1")
    second = make_page(title="Second", url_path="/guide/second/", parent=guide, nav_order="2")
    with committed():
        bump_content_version()
    return {"guide": guide, "first": first, "second": second, "user": admin_user, "folder": tmp_path}


def fresh(page: Page) -> Page:
    return Page.objects.get(pk=page.pk)


def edit_in_admin(site, client):
    page = site["guide"]
    data = {
        "title": "Handbook",
        "url_path": page.url_path,
        "parent": "",
        "nav_order": page.nav_order,
        "date_0": "",
        "date_1": "",
        "status": "published",
        "base_version": page.version,
        "body": "New text.",
        "description": "",
        "extra_front_matter": "",
        "has_toc": "on",
    }
    response = client.post(reverse("admin:pages_page_change", args=[page.pk]), data)
    assert response.status_code == 302
    assert fresh(page).title == "Handbook"


def edit_in_admin_list(site, client):
    page = site["first"]
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(page.pk),
        "form-0-nav_order": "9",
        "initial-form-0-nav_order": "1",
        "_save": "Save",
    }
    assert client.post(CHANGELIST + "?q=First", data).status_code == 302
    assert fresh(page).nav_order == "9"


def add_in_admin(site, client):
    data = {
        "title": "Added",
        "url_path": "",
        "parent": site["guide"].pk,
        "nav_order": "",
        "date_0": "",
        "date_1": "",
        "status": "published",
        "base_version": "",
        "body": "Added text.",
        "description": "",
        "extra_front_matter": "",
        "has_toc": "on",
    }
    assert client.post(reverse("admin:pages_page_add"), data).status_code == 302
    assert Page.objects.filter(title="Added").exists()


def delete_in_admin(site, client):
    page = site["second"]
    response = client.post(reverse("admin:pages_page_delete", args=[page.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Page.objects.filter(pk=page.pk).exists()


def delete_selected_in_admin(site, client):
    chosen = [site["first"].pk, site["second"].pk]
    data = {"action": "delete_selected", "_selected_action": chosen, "post": "yes"}
    assert client.post(CHANGELIST, data).status_code == 302
    assert not Page.objects.filter(pk__in=chosen).exists()


def unpublish_in_admin(site, client):
    chosen = [site["first"].pk, site["second"].pk]
    client.post(CHANGELIST, {"action": "unpublish_pages", "_selected_action": chosen})
    assert not Page.objects.filter(pk__in=chosen, published=True).exists()


def reorder_in_admin(site, client):
    order = [site["second"].pk, site["first"].pk]
    data = {"parent": site["guide"].pk, "order": order}
    response = client.post(reverse("admin:pages_page_reorder") + f"?parent={site['guide'].pk}", data)
    assert response.status_code == 302
    assert fresh(site["second"]).nav_order == "1"


def save_a_page(site, client):
    page = fresh(site["guide"])
    page.body = "Saved text."
    save_page(page, user=site["user"])


def publish_several(site, client):
    pages = [fresh(site["first"]), fresh(site["second"])]
    assert set_published(pages, False, user=site["user"]) == 2


def delete_several(site, client):
    assert delete_pages([site["first"], site["second"]], user=site["user"]) == 2


def reorder(site, client):
    reorder_children(site["guide"], [site["second"].pk, site["first"].pk], site["user"])


def edit_the_guide(site):
    page = fresh(site["guide"])
    page.body = "Later text."
    save_page(page, user=site["user"])


def restore_a_revision(site, client):
    page = fresh(site["guide"])
    oldest = list(page_versions(page.pk))[-1]
    restore_revision(page, oldest, user=site["user"], can_publish=True)
    assert fresh(page).body == "Guide text."


def recover_a_deleted_page(site, client):
    delete_pages([site["second"]], user=site["user"])
    recover_page(Version.objects.get_deleted(Page).get(), user=site["user"], can_publish=True)
    assert Page.objects.filter(url_path="/guide/second/").exists()


def publish_a_draft(site, client):
    proposed = fresh(site["guide"])
    proposed.body = "Drafted text."
    save_draft(proposed, user=site["user"])
    publish_draft(PageDraft.objects.get(page=site["guide"]), user=site["user"])
    assert fresh(site["guide"]).body == "Drafted text."


def resolve_a_sync_conflict(site, client):
    page = fresh(site["guide"])
    text = page_file_text(page).replace("Guide text.", "Merged text.")
    conflict = record_conflict(page, text, "hash-of-the-file", found_by="import")
    resolve_conflict(conflict, text, user=site["user"])
    assert fresh(page).body.strip() == "Merged text."


def import_pages(site, client):
    folder = write_site(site["folder"] / "site", {"a.md": "---\ntitle: A\n---\nA\n", "b.md": "B\n"})
    assert len(import_directory(folder).created) == 2


def import_a_page(site):
    write_site(site["folder"] / "site", {"a.md": "---\ntitle: A\n---\nA\n"})
    import_directory(site["folder"] / "site")


def import_a_file_only(site, client):
    """Only a file the site serves changes: no page is written (the import's bump for its files)."""
    image = BytesIO()
    Image.new("RGB", (4, 4), "teal").save(image, "PNG")
    folder = write_site(site["folder"] / "site", {"assets/logo.png": image.getvalue()})
    report = import_directory(folder)
    assert report.files.changes and not (report.created or report.updated or report.config_changed)


def import_a_new_config(site, client):
    """A new `_config.yml` re-renders the pages and stores the config: both of the import's bumps are
    asked for, in its one transaction, and make one."""
    folder = write_site(site["folder"] / "site", {"_config.yml": "title: Renamed site\n"})
    report = import_directory(folder)
    assert report.config_changed and report.updated == ["a.md"]


def export_the_sync_state(site, client):
    result = export_pages(site["folder"] / "export")
    assert len(result.created) == 3


def rerender_every_page(site, client):
    assert rerender_pages().pages == 3


def rerender_command(site, client):
    call_command("rerender_pages", stdout=StringIO())


def nothing_before(site):
    pass


# Each write path, run in one transaction (as a request or a command runs it): one bump at its commit.
WRITE_PATHS = [
    add_in_admin,
    edit_in_admin,
    edit_in_admin_list,
    delete_in_admin,
    delete_selected_in_admin,
    unpublish_in_admin,
    reorder_in_admin,
    save_a_page,
    publish_several,
    delete_several,
    reorder,
    (edit_the_guide, restore_a_revision),
    recover_a_deleted_page,
    publish_a_draft,
    resolve_a_sync_conflict,
    import_pages,
    (import_a_page, import_a_file_only),
    (import_a_page, import_a_new_config),
    export_the_sync_state,
    rerender_every_page,
    rerender_command,
]


def write_path_cases():
    for path in WRITE_PATHS:
        prepare, write = path if isinstance(path, tuple) else (nothing_before, path)
        yield pytest.param(prepare, write, id=write.__name__)


@pytest.mark.parametrize(("prepare", "write"), list(write_path_cases()))
def test_every_write_path_bumps_the_version_once_when_it_commits(site, admin_client, prepare, write):
    with committed():
        prepare(site)
    before = content_version()
    with committed():
        with transaction.atomic():
            write(site, admin_client)
        assert content_version() == before, "the bump waits for the commit"
    assert content_version() == before + 1
    assert site_state.known_content_version() == before + 1, "the new number is shared at once"


def test_a_draft_is_not_a_public_change(site):
    """Saving or rejecting a draft leaves the page row as it was: cached pages stay valid."""
    before = content_version()
    with committed():
        proposed = fresh(site["guide"])
        proposed.body = "Drafted text."
        save_draft(proposed, user=site["user"])
        reject_draft(PageDraft.objects.get(page=site["guide"]))
    assert content_version() == before


def test_a_rolled_back_write_bumps_nothing(site):
    before = content_version()
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        save_a_page(site, None)
        raise RuntimeError("the request failed after saving")
    assert content_version() == before
    with committed():
        save_a_page(site, None)
    assert content_version() == before + 1, "a rolled-back bump leaves the next one alone"


@pytest.mark.django_db(transaction=True)
def test_each_committed_transaction_bumps_and_outside_one_the_bump_is_at_once():
    bump_content_version()
    before = content_version()
    for n in range(2):
        with transaction.atomic():
            save_page(Page(title=f"P{n}", url_path=f"/p{n}/", body="Text."))
    assert content_version() == before + 2
    bump_content_version()
    assert content_version() == before + 3


def test_a_page_written_outside_the_write_paths_bumps_nothing(site):
    """No model signal bumps: only the write paths do (a receiver connected to Page again fails this)."""
    before = content_version()
    with committed():
        page = Page.objects.create(title="Plain", url_path="/plain/")
        page.title = "Plain again"
        page.save()
        page.delete()
        Page.objects.filter(pk=site["guide"].pk).delete()
    assert content_version() == before


def test_no_module_of_quire_connects_a_model_signal():
    """The content version has one mechanism, the write paths' bumps: no model signal receivers."""
    model_signals = {"pre_save", "post_save", "pre_delete", "post_delete", "m2m_changed"}
    found = []
    for path in sorted((PROJECT_ROOT / "pages").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = {getattr(node, "attr", None), getattr(node, "id", None)}
            if isinstance(node, ast.alias):
                names.add(node.name)
            if names & model_signals:
                found.append(f"{Path(path).relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert found == []


def test_a_bump_the_database_refuses_keeps_the_write_and_is_logged(site, monkeypatch, caplog):
    """The write is committed before the bump: a database gone at that moment loses the bump (logged;
    caches keep the content before it until the next change), never the write, and raises nothing."""
    before = content_version()

    def refuse(*args, **kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(site_state.SiteState.objects, "filter", refuse)
    page = fresh(site["guide"])
    page.body = "Kept text."
    with caplog.at_level(logging.ERROR, logger="quire.database"), committed():
        save_page(page, user=site["user"])
    monkeypatch.undo()
    assert fresh(page).body == "Kept text."
    assert content_version() == before
    assert "content version was not bumped" in caplog.text
    with committed():
        save_a_page(site, None)
    assert content_version() == before + 1
