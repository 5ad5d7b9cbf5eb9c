"""URLs, titles and dates Jekyll derives from file paths, and paths for admin-made pages (no database)."""

import datetime as dt

import pytest

from pages.content.urls_from_paths import (
    SourceIndex,
    date_from_text,
    default_url,
    page_url,
    path_for_url,
    title_from_path,
)


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("index.md", "/"),
        ("about.md", "/about/"),
        ("docs/index.md", "/docs/"),
        ("docs/ui/buttons.markdown", "/docs/ui/buttons/"),
        ("_posts/2016-05-19-new-release.md", "/2016/05/19/new-release/"),
        ("docs/_posts/2016-05-19-new-release.markdown", "/docs/2016/05/19/new-release/"),
        ("docs/AI patches (beta).md", "/docs/AI patches (beta)/"),
    ],
)
def test_default_urls_follow_jekyll_pretty_permalinks(path, url):
    """Files get Jekyll's pretty URLs; posts get their date folders."""
    assert default_url(path) == url


def test_permalink_wins_and_gets_a_leading_slash():
    """A permalink is the URL, made site-absolute."""
    assert page_url("/ai-patches-beta/", "docs/x.md") == "/ai-patches-beta/"
    assert page_url("docs/x/", "docs/x.md") == "/docs/x/"
    assert page_url(None, "docs/x.md") == "/docs/x/"


@pytest.mark.parametrize(
    ("permalink", "message"),
    [
        ("/../../etc/passwd", "contains '..'"),
        ("/docs/..\\..\\x", "contains '..'"),
        ("https://evil.example/", "is not a site path"),
        ("//evil.example/x", "is not a site path"),
        ("/:categories/:title/", "uses :categories, which this page does not have"),
        (3, "must be text"),
    ],
)
def test_bad_permalinks_are_refused(permalink, message):
    """Permalinks that leave the site or cannot be served are refused with a reason."""
    with pytest.raises(ValueError, match=message):
        page_url(permalink, "a.md")


def test_titles_from_file_names():
    """Pages without a title get one from their file name."""
    assert title_from_path("docs/getting-started.md") == "Getting started"
    assert title_from_path("_posts/2016-05-19-new_release.md") == "New release"
    assert title_from_path("docs/AI patches (beta).md") == "AI patches (beta)"
    assert title_from_path("guide/index.md") == "Guide"


def test_dates_from_file_names_and_titles():
    """`YYYY-MM-DD-` file names and `YYYY-MM-DD ` titles carry a date; impossible dates do not."""
    assert date_from_text("2016-05-19-new.md") == dt.datetime(2016, 5, 19, tzinfo=dt.UTC)
    assert date_from_text("2024-10-27 First page") == dt.datetime(2024, 10, 27, tzinfo=dt.UTC)
    assert date_from_text("2024-02-31-x.md") is None
    assert date_from_text("notes.md") is None


@pytest.mark.parametrize(
    ("url", "path"),
    [("/", "index.md"), ("/docs/", "docs.md"), ("/docs/install/", "docs/install.md"), ("/a/../b/", "a/b.md")],
)
def test_paths_for_admin_pages_map_back_to_their_url(url, path):
    """A page made in the admin is exported where Jekyll would serve it at the same URL."""
    assert path_for_url(url) == path
    if ".." not in url:
        assert default_url(path) == url


def test_source_index_resolves_paths_stems_and_unique_tails():
    """Links name files by root path, without extension (post_url), or relative to a Jekyll source folder."""
    index = SourceIndex({"docs/_docs/a.md": "/docs/a/", "docs/b/index.md": "/b/", "x/index.md": "/x/"})
    assert index("docs/_docs/a.md") == "/docs/a/"
    assert index("/docs/_docs/a.md") == "/docs/a/"
    assert index("_docs/a.md") == "/docs/a/"
    assert index("_docs/a") == "/docs/a/"
    assert index("index.md") is None
    assert index("missing.md") is None
