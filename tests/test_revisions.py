"""Page history: revisions, diffs between any two, restore and recovery of deleted pages."""

import re

import pytest
from django.contrib.auth.models import User
from reversion.models import Revision, Version

from pages.editing.restoring import recover_page, restore_revision
from pages.editing.saving import delete_pages, save_page
from pages.models import Page
from pages.store import revisions
from pages.store.revisions import (
    RestoreError,
    body_diff,
    deleted_page_versions,
    diff_states,
    page_versions,
    record_import_revisions,
    version_author,
    version_state,
)
from tests.admin_factories import make_page
from tests.sync_helpers import run_import, write_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return User.objects.create_user("ed", is_staff=True)


@pytest.fixture
def edited(user):
    """A page saved three times: v1 'one', v2 'two' (retitled), v3 'three'."""
    page = make_page(title="First", url_path="/p/", body="one\ncommon\n", user=user)
    for title, body in [("Second", "two\ncommon\n"), ("Second", "three\ncommon\n")]:
        page.title, page.body = title, body
        save_page(page, user=user)
    return page


def test_every_save_records_who_and_the_full_state(edited, user):
    """Each save is one revision with the user and every recorded field."""
    versions = list(page_versions(edited.pk))
    assert [v.field_dict["body"] for v in versions] == ["three\ncommon\n", "two\ncommon\n", "one\ncommon\n"]
    assert {v.revision.user for v in versions} == {user}
    assert {"title", "url_path", "nav_order", "published", "front_matter", "version"} <= set(
        versions[0].field_dict
    )


def test_diff_between_any_two_revisions(edited):
    """Comparing the first and last revisions shows the title change and the changed markdown lines."""
    newest, _, oldest = page_versions(edited.pk)
    diff = diff_states(version_state(oldest), version_state(newest))
    assert [(c.name, c.old, c.new) for c in diff.fields] == [("title", "First", "Second")]
    assert [(line.kind, line.text) for line in diff.body if line.kind != "hunk"] == [
        ("del", "-one"),
        ("add", "+three"),
        ("same", " common"),
    ]


def test_body_diff_of_equal_texts_is_empty():
    """Equal texts have no diff lines."""
    assert body_diff("a\nb", "a\nb") == []


def test_restore_puts_an_old_revision_back_as_a_new_one(edited, user):
    """Restoring the first revision brings back its title and body, with version + 1 and a new revision."""
    oldest = list(page_versions(edited.pk))[-1]
    restore_revision(edited, oldest, user=user, can_publish=True)
    edited.refresh_from_db()
    assert (edited.title, edited.body, edited.version) == ("First", "one\ncommon\n", 4)
    assert page_versions(edited.pk).first().revision.get_comment().startswith("Restored the revision of")


def test_restore_without_publish_permission_keeps_the_published_state(edited, user):
    """An editor restoring a published revision onto a draft leaves it a draft."""
    oldest = list(page_versions(edited.pk))[-1]
    Page.objects.filter(pk=edited.pk).update(published=False)
    edited.refresh_from_db()
    restore_revision(edited, oldest, user=user, can_publish=False)
    edited.refresh_from_db()
    assert edited.published is False and edited.title == "First"


def test_restore_refuses_a_url_now_used_by_another_page(edited, user):
    """A revision whose URL another page took is refused with the other page's title."""
    oldest = list(page_versions(edited.pk))[-1]
    edited.url_path = "/moved/"
    save_page(edited, user=user)
    make_page(title="Squatter", url_path="/p/")
    with pytest.raises(RestoreError, match="Squatter"):
        restore_revision(edited, oldest, user=user, can_publish=True)


@pytest.mark.parametrize(("old_url", "says"), [("/a:b/", "contains ':'"), ("/search/", "is Quire's own")])
def test_restore_refuses_a_url_the_url_rule_now_refuses(edited, user, old_url, says):
    """A revision whose URL the page URL rule (or Quire's own routes) no longer accepts is refused with
    the rule's words, and the page stays as it is."""
    Page.objects.filter(pk=edited.pk).update(url_path=old_url)  # as saved before the rule refused it
    edited.refresh_from_db()
    save_page(edited, user=user)  # a revision holding that URL
    stored = list(page_versions(edited.pk))[0]
    Page.objects.filter(pk=edited.pk).update(url_path="/p/")
    edited.refresh_from_db()
    with pytest.raises(RestoreError, match=re.escape(says)):
        restore_revision(edited, stored, user=user, can_publish=True)
    edited.refresh_from_db()
    assert edited.url_path == "/p/"


def test_recover_a_deleted_page(edited, user):
    """A deleted page comes back with its last content, a higher version and a recovery revision."""
    pk = edited.pk
    delete_pages([edited], user=user)
    version = deleted_page_versions().get()
    page = recover_page(version, user=user, can_publish=True)
    assert page.pk == pk
    page.refresh_from_db()
    assert (page.title, page.body, page.version, page.published) == ("Second", "three\ncommon\n", 4, True)
    assert "<p>three" in page.body_html
    assert not deleted_page_versions().exists()
    assert Version.objects.get_for_object(page).first().revision.get_comment() == "Recovered after deletion."


def test_recovered_page_is_a_draft_without_publish_permission(edited, user):
    """An editor recovering a published page gets it back as a draft."""
    delete_pages([edited], user=user)
    page = recover_page(deleted_page_versions().get(), user=user, can_publish=False)
    assert page.published is False


@pytest.fixture
def imported(tmp_path):
    """Three pages written by an import, with the history the import recorded cleared."""
    files = {f"p{i}.md": f"---\ntitle: P{i}\n---\nText {i}.\n" for i in range(3)}
    assert len(run_import(write_site(tmp_path, files)).created) == 3
    Revision.objects.all().delete()
    return Page.objects.order_by("source_path")


def test_an_import_records_one_revision_per_page_it_writes(tmp_path):
    """import_pages keeps history: each page it creates or updates gets a revision by no user."""
    site = write_site(tmp_path, {"a.md": "---\ntitle: A\n---\nOne.\n", "b.md": "---\ntitle: B\n---\nTwo.\n"})
    run_import(site)
    assert Version.objects.count() == 2
    write_site(site, {"a.md": "---\ntitle: A\n---\nOne, changed.\n"})
    run_import(site)
    page = Page.objects.get(source_path="a.md")
    bodies = [v.field_dict["body"] for v in page_versions(page.pk).order_by("revision__date_created", "pk")]
    assert bodies == ["One.\n", "One, changed.\n"]
    assert Version.objects.count() == 3


def test_import_revisions_store_the_imported_state_without_a_user(imported):
    """Each imported page gets a revision of its imported state, by no user, marked as an import."""
    assert record_import_revisions(imported) == 3
    for page in imported:
        version = page_versions(page.pk).get()
        assert version.field_dict["body"] == page.body
        assert version.field_dict["version"] == page.version
        assert version.revision.user is None
        assert version.revision.get_comment() == "Imported from markdown files."
        assert version_author(version) == "an import"


def test_import_revisions_are_batched(imported, monkeypatch):
    """Big imports are stored as several revisions of at most IMPORT_BATCH pages each."""
    monkeypatch.setattr(revisions, "IMPORT_BATCH", 2)
    assert record_import_revisions(imported, comment="Nightly sync.") == 3
    sizes = sorted(r.version_set.count() for r in Revision.objects.filter(comment="Nightly sync."))
    assert sizes == [1, 2]


def test_import_revisions_of_no_pages_store_nothing():
    """An import that changed no page adds no revision."""
    assert record_import_revisions(Page.objects.none()) == 0
    assert not Revision.objects.exists()


def test_version_author_names_the_user(edited, user):
    """A revision saved by an editor is attributed to that editor."""
    assert version_author(page_versions(edited.pk).first()) == "ed"
