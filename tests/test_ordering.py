"""Reordering the children of one parent rewrites their nav_order in one call."""

import pytest
from django.contrib.auth.models import User
from reversion.models import Version

from pages.editing.ordering import ReorderError, reorder_children
from pages.models import Page
from pages.store.site_state import content_version
from tests.admin_factories import make_family, make_page
from tests.commits import committed

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return make_family()


def test_reorder_rewrites_nav_order_and_bumps_changed_pages(family):
    """The new order becomes nav_order 1..n; moved pages get version + 1, updated_by and a revision."""
    parent, (a, b, c) = family
    user = User.objects.create_user("ed")
    before = content_version()
    with committed():
        reorder_children(parent, [c.pk, a.pk, b.pk], user)
    orders = dict(Page.objects.filter(parent=parent).values_list("title", "nav_order"))
    assert orders == {"C": "1", "A": "2", "B": "3"}
    for page in (a, b, c):
        page.refresh_from_db()
        assert page.version == 2 and page.updated_by == user
        assert Version.objects.get_for_object(page).first().revision.get_comment() == "Reordered."
    assert content_version() > before


def test_unchanged_positions_are_not_bumped(family):
    """A page that keeps its nav_order keeps its version (no spurious conflicts for open forms)."""
    parent, (a, b, c) = family
    reorder_children(parent, [a.pk, c.pk, b.pk])
    a.refresh_from_db()
    c.refresh_from_db()
    assert (a.version, c.version, c.nav_order) == (1, 2, "2")


def test_reorder_refuses_a_list_that_is_not_exactly_the_children(family):
    """Missing, foreign or repeated ids are refused and nothing changes."""
    parent, (a, b, c) = family
    for ids in ([a.pk, b.pk], [a.pk, b.pk, c.pk, parent.pk], [a.pk, a.pk, b.pk]):
        with pytest.raises(ReorderError):
            reorder_children(parent, ids)
    assert list(Page.objects.filter(parent=parent).order_by("title").values_list("nav_order", flat=True)) == [
        "1",
        "2",
        "3",
    ]


def test_reorder_top_level_pages(family):
    """With no parent, the top-level pages are reordered."""
    parent, _ = family
    other = make_page(title="Other", url_path="/other/")
    reorder_children(None, [other.pk, parent.pk])
    parent.refresh_from_db()
    other.refresh_from_db()
    assert (other.nav_order, parent.nav_order) == ("1", "2")
