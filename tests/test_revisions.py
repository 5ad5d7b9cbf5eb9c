"""Page history: revisions, diffs between any two, restore and recovery of deleted pages."""

import pytest
from django.contrib.auth.models import User
from reversion.models import Version

from pages.editing import delete_pages, save_page
from pages.models import Page
from pages.revisions import (
    RestoreError,
    body_diff,
    deleted_page_versions,
    diff_states,
    page_versions,
    recover_page,
    restore_revision,
    version_state,
)
from tests.admin_factories import make_page

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
