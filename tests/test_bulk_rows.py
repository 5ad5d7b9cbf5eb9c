"""Rows written with one prepared statement read back exactly as rows the ORM wrote."""

import datetime as dt

import pytest

from pages.models import Page, PageSection
from pages.store.bulk_rows import insert_rows, update_rows
from pages.store.search import search

pytestmark = pytest.mark.django_db


def test_update_rows_stores_json_and_foreign_keys_like_the_orm():
    parent = Page.objects.create(title="Parent", url_path="/parent/")
    child = Page.objects.create(title="Child", url_path="/child/", source_format={"bom": False})
    when = dt.datetime(2024, 10, 27, 9, 30, tzinfo=dt.UTC)
    fmt = {"bom": True, "newline": "\r\n", "nested": {"list": [1, "two", None]}, "accent": "é"}
    update_rows(Page, ["parent", "version", "source_format", "date"], [(parent.pk, 7, fmt, when, child.pk)])
    child.refresh_from_db()
    assert (child.parent_id, child.version, child.source_format, child.date) == (parent.pk, 7, fmt, when)
    parent.refresh_from_db()
    assert parent.version == 1 and parent.parent_id is None  # only the row named by its key changed


def test_inserted_sections_are_found_by_search():
    """The full-text index is kept by the database, so rows inserted without the ORM are searchable."""
    page = Page.objects.create(title="Guide", url_path="/guide/", body="x")
    insert_rows(
        PageSection,
        ["page", "position", "anchor", "heading", "level", "text"],
        [(page.pk, 0, "", "Guide", 1, "intro"), (page.pk, 1, "zebra", "Zebra", 2, "quagga stripes")],
    )
    assert list(page.sections.values_list("position", "anchor", "level")) == [(0, "", 1), (1, "zebra", 2)]
    assert [hit.url for hit in search("quagga")] == ["/guide/#zebra"]


def test_nothing_to_write_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert_rows(PageSection, ["page", "position"], [])
        update_rows(Page, ["version"], [])
