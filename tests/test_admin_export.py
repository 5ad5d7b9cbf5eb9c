"""The export action's adapter: each page as a markdown file with front matter."""

import datetime as dt

import pytest
import yaml

from pages.admin_export import page_file, page_file_name
from tests.admin_factories import make_page

pytestmark = pytest.mark.django_db


def test_page_file_has_front_matter_then_the_body_verbatim():
    """Model fields and the other front-matter keys come first, the body follows unchanged."""
    parent = make_page(title="Guide", url_path="/guide/")
    page = make_page(
        title="Install",
        url_path="/guide/install/",
        parent=parent,
        nav_order="4.5",
        date=dt.datetime(2024, 10, 27, tzinfo=dt.UTC),
        published=False,
        front_matter={"title": "Install", "layout": "page"},
        body="# Install\n\nText.\n",
    )
    text = page_file(page)
    front, body = text.removeprefix("---\n").split("---\n", 1)
    assert yaml.safe_load(front) == {
        "title": "Install",
        "nav_order": 4.5,
        "parent": "Guide",
        "permalink": "/guide/install/",
        "date": "2024-10-27T00:00:00+00:00",
        "published": False,
        "layout": "page",
    }
    assert body == "# Install\n\nText.\n"


def test_file_name_prefers_the_source_path():
    """Imported pages keep their file path; admin-made pages get one from their URL."""
    assert page_file_name(make_page(title="A", url_path="/a/", source_path="docs/a.md")) == "docs/a.md"
    assert page_file_name(make_page(title="Home", url_path="/")) == "index.md"
