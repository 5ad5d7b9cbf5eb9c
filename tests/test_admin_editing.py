"""The one save path for edits: optimistic locking, rendering, redirects, publishing, deletion."""

import pytest
from django.contrib.auth.models import User
from reversion.models import Version

from pages.editing.saving import EditConflict, delete_pages, save_page, set_published
from pages.models import Page
from pages.store.site_state import content_version
from tests.admin_factories import make_page
from tests.commits import committed

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return User.objects.create_user("ed", is_staff=True)


def test_save_renders_sets_editor_and_increments_version(user):
    """A save stores fresh HTML, who saved, version + 1, a new content version and a revision."""
    page = make_page(title="A", url_path="/a/", body="old")
    before = content_version()
    page.body = "**new**"
    with committed():
        save_page(page, user=user, comment="Edited.")
    page.refresh_from_db()
    assert "<strong>new</strong>" in page.body_html
    assert (page.version, page.updated_by) == (2, user)
    assert content_version() > before
    assert Version.objects.get_for_object(page).first().revision.get_comment() == "Edited."


def test_stale_version_is_a_conflict_and_changes_nothing(user):
    """Saving from version 1 after the row reached version 2 raises EditConflict; the row is untouched."""
    page = make_page(title="A", url_path="/a/", body="start")
    Page.objects.filter(pk=page.pk).update(body="imported", version=2)
    page.body = "mine"
    with pytest.raises(EditConflict):
        save_page(page, user=user, expected_version=1)
    page.refresh_from_db()
    assert (page.body, page.version) == ("imported", 2)
    assert Version.objects.get_for_object(page).count() == 1


def test_url_change_makes_a_redirect(user):
    """Saving with a new URL leaves a redirect from the old one."""
    page = make_page(title="A", url_path="/a/")
    page.url_path = "/b/"
    save_page(page, user=user, old_url="/a/")
    assert page.redirects.get().old_path == "/a/"


def test_set_published_only_touches_pages_that_change(user):
    """Publishing saves the drafts among the pages and leaves already published ones alone."""
    draft = make_page(title="D", url_path="/d/", published=False)
    live = make_page(title="L", url_path="/l/")
    assert set_published(Page.objects.all(), True, user=user) == 1
    draft.refresh_from_db()
    live.refresh_from_db()
    assert (draft.published, draft.version, live.version) == (True, 2, 1)


def test_delete_records_the_last_state_for_recovery(user):
    """Deleting pages keeps their last state as a revision and bumps the content version."""
    page = make_page(title="Gone", url_path="/gone/", body="remember me", record=False)
    before = content_version()
    with committed():
        assert delete_pages([page], user=user) == 1
    deleted = Version.objects.get_deleted(Page).get()
    assert deleted.field_dict["body"] == "remember me"
    assert content_version() > before
