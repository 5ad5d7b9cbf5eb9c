"""Page.status: one rule and one set of labels for the admin list, its filter and the preview banner."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from pages.models import Page
from tests.admin_factories import make_page

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
CHANGELIST = reverse("admin:pages_page_changelist")


@pytest.fixture
def frozen_now(monkeypatch):
    """timezone.now() is NOW for the test."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.mark.parametrize(
    ("published", "date", "status"),
    [
        (False, None, "draft"),
        (False, NOW - dt.timedelta(days=1), "draft"),
        (False, NOW + dt.timedelta(days=1), "draft"),
        (True, None, "published"),
        (True, NOW - dt.timedelta(seconds=1), "published"),
        (True, NOW, "published"),
        (True, NOW + dt.timedelta(seconds=1), "scheduled"),
    ],
)
def test_status_of_a_page(frozen_now, published, date, status):
    """Unpublished is a draft whatever its date; published and dated after now is scheduled."""
    assert Page(title="P", url_path="/p/", published=published, date=date).status == status


def test_status_labels_are_the_page_constants():
    assert (Page.DRAFT, Page.SCHEDULED, Page.PUBLISHED) == ("draft", "scheduled", "published")


@pytest.fixture
def three_pages(db):
    """A draft, a scheduled page (three days ahead) and a published page."""
    return {
        "draft": make_page(title="Draft", url_path="/draft/", published=False),
        "scheduled": make_page(title="Soon", url_path="/soon/", date=timezone.now() + dt.timedelta(days=3)),
        "published": make_page(title="Live", url_path="/live/"),
    }


@pytest.mark.django_db
def test_status_agrees_with_the_querysets(three_pages):
    """Page.status names the QuerySet each page is in (drafts(), scheduled(), published())."""
    by_queryset = {
        "draft": set(Page.objects.drafts()),
        "scheduled": set(Page.objects.scheduled()),
        "published": set(Page.objects.published()),
    }
    for status, page in three_pages.items():
        assert page.status == status
        assert [name for name, pages in by_queryset.items() if page in pages] == [status]


@pytest.mark.django_db
def test_admin_list_and_filter_show_page_status(admin_client, three_pages):
    """The list labels each row with Page.status; filtering by a status keeps exactly its pages."""
    html = admin_client.get(CHANGELIST).content.decode()
    for status in three_pages:
        assert f'quire-status-{status}">{status}<' in html
    for status, page in three_pages.items():
        response = admin_client.get(CHANGELIST, {"status": status})
        assert [p.pk for p in response.context["cl"].result_list] == [page.pk]


BANNERS = {
    "draft": "This page is a draft: readers cannot see it.",
    "scheduled": "This page is scheduled: readers see it from",
    "published": "This page is published: readers see it.",
}


@pytest.mark.django_db
def test_preview_banner_says_the_page_status(admin_client, three_pages):
    """The preview banner says the same status as the admin list, for each of the three."""
    for status, page in three_pages.items():
        response = admin_client.get(reverse("pages:preview", args=[page.pk]))
        assert response.context["preview"] == status
        html = response.content.decode()
        assert [name for name, banner in BANNERS.items() if banner in html] == [status]
