"""The Atom feed at /feed.xml: dated public pages, newest first, valid for feed readers."""

import datetime as dt
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.utils import timezone

from pages.models import Page

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def pages():
    def make(title, url_path, date, **fields):
        return Page.objects.create(title=title, url_path=url_path, date=date,
                                   body_html=f"<p>Body of {title} &amp; more.</p>", **fields)  # fmt: skip

    older = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    make("Older post", "/2024/01/older/", older, description="The older one.")
    make("Newer post", "/2024/06/newer/", dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    make("Undated", "/undated/", None)
    make("Draft", "/draft/", dt.datetime(2024, 7, 1, tzinfo=dt.UTC), published=False)
    make("Future", "/future/", timezone.now() + dt.timedelta(days=5))


def test_feed_is_atom_xml_with_dated_public_pages_newest_first(client, pages):
    """The feed parses as Atom XML and lists only dated, public pages, newest first."""
    response = client.get("/feed.xml")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    assert root.tag == f"{ATOM}feed"
    titles = [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]
    assert titles == ["Newer post", "Older post"]


def test_feed_parses_with_feedparser_without_errors(client, pages):
    """feedparser reads the feed with no errors, with links, dates and summaries."""
    feed = feedparser.parse(client.get("/feed.xml").content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Quire"
    newer, older = feed.entries
    assert newer.link == "http://testserver/2024/06/newer/"
    assert newer.published_parsed[:3] == (2024, 6, 1)
    assert older.summary == "The older one."
    assert newer.summary == "Body of Newer post & more."
