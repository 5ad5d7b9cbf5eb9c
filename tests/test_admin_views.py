"""The admin's extra screens: reorder, history, compare, restore and recover."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime

from pages.editing.saving import save_page
from pages.models import Page, PageDraft
from pages.store.revisions import page_versions
from pages.store.site_settings import in_site_nav_order
from tests.admin_factories import make_editor, make_family, make_page
from tests.html_tools import find, parse, text_of

pytestmark = pytest.mark.django_db

REORDER = reverse("admin:pages_page_reorder")
RECOVER_LIST = reverse("admin:pages_page_recoverlist")


def when(version) -> str:
    """A revision's save time as the admin screens show it."""
    return date_format(localtime(version.revision.date_created), "DATETIME_FORMAT")


@pytest.fixture
def family():
    return make_family(("2", "1", "3"))


@pytest.fixture
def edited(admin_user):
    page = make_page(title="Doc", url_path="/doc/", body="alpha\nbeta\n", user=admin_user)
    page.body = "alpha\ngamma\n"
    save_page(page, user=admin_user)
    return page


def test_reorder_page_lists_children_in_nav_order(admin_client, family):
    """The reorder screen lists one parent's children in their navigation order."""
    parent, _ = family
    response = admin_client.get(REORDER, {"parent": parent.pk})
    assert [p.title for p in response.context["children"]] == ["B", "A", "C"]
    assert "quire/admin/reorder.js" in response.content.decode()


def test_reorder_is_saved_in_one_request(admin_client, family):
    """One POST with the ids in their new order rewrites nav_order."""
    parent, (a, b, c) = family
    response = admin_client.post(REORDER, {"parent": parent.pk, "order": [c.pk, b.pk, a.pk]})
    assert response.status_code == 302 and response.url == f"{REORDER}?parent={parent.pk}"
    assert [p.title for p in in_site_nav_order(Page.objects.filter(parent=parent))] == ["C", "B", "A"]


def test_reorder_with_a_stale_list_shows_an_error(admin_client, family):
    """A list missing a page (someone added one meanwhile) changes nothing and says why."""
    parent, (a, b, c) = family
    response = admin_client.post(REORDER, {"parent": parent.pk, "order": [c.pk, b.pk]}, follow=True)
    assert "changed while you were reordering" in response.content.decode()
    a.refresh_from_db()
    assert a.nav_order == "2"


def test_reorder_needs_change_permission(client, family):
    """A staff user without pages.change_page cannot reorder."""
    parent, (a, b, c) = family
    client.force_login(User.objects.create_user("viewer", is_staff=True))
    assert client.post(REORDER, {"parent": parent.pk, "order": [c.pk, b.pk, a.pk]}).status_code == 403


def test_history_lists_revisions_with_compare_choices(admin_client, edited):
    """The history screen lists every revision, newest first, with who saved it; the compare choices
    start at the previous revision against the current page, and only older revisions offer Restore."""
    response = admin_client.get(reverse("admin:pages_page_history", args=[edited.pk]))
    assert [e["version"].field_dict["version"] for e in response.context["entries"]] == [2, 1]
    elements = parse(response.content.decode())
    newest, oldest = page_versions(edited.pk)
    radios = [
        (e.attrs["name"], e.attrs["value"], "checked" in e.attrs)
        for e in find(elements, "input", type="radio")
    ]
    assert radios == [
        ("to", "current", True),
        ("from", str(newest.pk), False), ("to", str(newest.pk), False),
        ("from", str(oldest.pk), True), ("to", str(oldest.pk), False),
    ]  # fmt: skip
    rows = [text_of(row) for row in find(elements, "tr")]
    assert rows[-3:] == [
        "Current page (version 2)",
        f"{when(newest)} admin 2",
        f"{when(oldest)} admin 1 Created. Restore…",
    ]
    restore = reverse("admin:pages_page_restore", args=[edited.pk, oldest.pk])
    assert [a.attrs["href"] for a in find(elements, "a") if text_of(a) == "Restore…"] == [restore]


def test_compare_any_two_revisions(admin_client, edited):
    """Comparing two stored revisions shows the changed markdown lines."""
    newest, oldest = page_versions(edited.pk)
    url = reverse("admin:pages_page_compare", args=[edited.pk])
    html = admin_client.get(url, {"from": oldest.pk, "to": newest.pk}).content.decode()
    old_cell, new_cell = '<td class="quire-code quire-old">', '<td class="quire-code quire-new">'
    assert old_cell + '<span class="visually-hidden">Removed: </span><del>beta</del></td>' in html
    assert new_cell + '<span class="visually-hidden">Added: </span><ins>gamma</ins></td>' in html


def test_compare_a_revision_with_the_current_page(admin_client, edited):
    """'to=current' compares a revision with the page as it is now."""
    oldest = list(page_versions(edited.pk))[-1]
    Page.objects.filter(pk=edited.pk).update(title="Renamed")
    url = reverse("admin:pages_page_compare", args=[edited.pk])
    response = admin_client.get(url, {"from": oldest.pk, "to": "current"})
    assert [(c.old, c.new) for c in response.context["diff"].fields] == [("Doc", "Renamed")]


def test_restore_view_previews_then_restores(admin_client, edited):
    """GET shows what would change; POST restores and returns to the editor."""
    oldest = list(page_versions(edited.pk))[-1]
    url = reverse("admin:pages_page_restore", args=[edited.pk, oldest.pk])
    html = admin_client.get(url).content.decode()
    assert "<ins>beta</ins>" in html and "<del>gamma</del>" in html
    assert f"/_preview/{edited.pk}/?revision={oldest.pk}" in html
    response = admin_client.post(url)
    assert response.status_code == 302
    edited.refresh_from_db()
    assert (edited.body, edited.version) == ("alpha\nbeta\n", 3)


def test_recover_deleted_page_through_the_admin(admin_client, edited):
    """A page deleted in the admin is listed under Recover and comes back with one click."""
    admin_client.post(reverse("admin:pages_page_delete", args=[edited.pk]), {"post": "yes"})
    listing = admin_client.get(RECOVER_LIST)
    (version,) = listing.context["deleted"]
    elements = parse(listing.content.decode())
    assert text_of(find(elements, "tr")[-1]) == f"Doc /doc/ {when(version)} admin"
    recover = reverse("admin:pages_page_recover", args=[version.pk])
    assert recover in [form.attrs.get("action") for form in find(elements, "form", method="post")]
    response = admin_client.post(reverse("admin:pages_page_recover", args=[version.pk]))
    assert response.status_code == 302
    assert Page.objects.get(pk=edited.pk).body == "alpha\ngamma\n"


def test_editor_restoring_a_published_page_proposes_it_as_changes_awaiting_publication(client, edited):
    """An editor cannot change a live page by restoring: the revision becomes its pending draft."""
    client.force_login(make_editor())
    oldest = list(page_versions(edited.pk))[-1]
    assert client.post(reverse("admin:pages_page_restore", args=[edited.pk, oldest.pk])).status_code == 302
    edited.refresh_from_db()
    assert edited.body == "alpha\ngamma\n"
    assert PageDraft.objects.get(page=edited).data["body"] == "alpha\nbeta\n"


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "99999999999999999999999", "１"])
def test_reorder_with_a_parent_that_is_not_an_id_is_a_400(admin_client, family, value):
    """`?parent=abc` (or an id too big for the database) is a 400 naming the parameter, never a 500."""
    for response in (
        admin_client.get(REORDER, {"parent": value}),
        admin_client.post(REORDER, {"parent": value, "order": ["1"]}),
    ):
        assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")
        assert response.content.decode().startswith("The parameter “parent” must be an id")


@pytest.mark.parametrize("field", ["from", "to"])
@pytest.mark.parametrize("value", ["abc", "1.5", "99999999999999999999999"])
def test_compare_with_a_revision_that_is_not_an_id_is_a_400(admin_client, family, field, value):
    """`/history/compare/?from=abc` is a 400 naming the parameter, never a 500."""
    parent, _ = family
    url = reverse("admin:pages_page_compare", args=[parent.pk])
    response = admin_client.get(url, {field: value})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/plain")
    assert response.content.decode().startswith(f"The parameter “{field}” must be an id")
    assert admin_client.get(url, {field: "current"}).status_code == 200
