"""Page fields from front matter and path, and every refusal collected at once (no database)."""

import datetime as dt

import pytest

from pages.content.source_fields import FieldErrors, derive_fields
from pages.models import Page

COLUMNS = ("title", "nav_order", "url_path")  # the Page columns of title, nav_order and permalink


def test_seed_page_fields():
    """The sample page: title kept, nav_order as written, date from the title prefix."""
    fields = derive_fields({"title": "2024-10-27 First page", "nav_order": 2}, "first-page.md")
    assert fields.title == "2024-10-27 First page"
    assert fields.nav_order == "2"
    assert fields.date == dt.datetime(2024, 10, 27, tzinfo=dt.UTC)
    assert fields.url_path == "/first-page/"


def test_date_sources_in_order():
    """Front-matter date wins over the file name, which wins over the title prefix."""
    fm = {"title": "2020-01-01 T", "date": "2016-05-19 14:20:00 +0200"}
    assert derive_fields(fm, "_posts/2019-02-02-x.md").date.isoformat() == "2016-05-19T14:20:00+02:00"
    assert derive_fields({"title": "2020-01-01 T"}, "_posts/2019-02-02-x.md").date.day == 2
    assert derive_fields({"title": "Plain"}, "x.md").date is None


def test_flags_and_texts():
    """Booleans, description, parents and redirect lists are read as Just the Docs reads them."""
    fields = derive_fields(
        {"title": "T", "published": False, "nav_exclude": True, "search_exclude": True, "has_toc": False,
         "description": "D", "parent": "P", "grand_parent": "G", "ancestor": "A",
         "redirect_from": ["/old/", "older/"]},
        "t.md",
    )  # fmt: skip
    assert (fields.published, fields.nav_exclude, fields.search_exclude, fields.has_toc) == (
        False, True, True, False,
    )  # fmt: skip
    assert (fields.description, fields.parent, fields.grand_parent, fields.ancestor) == ("D", "P", "G", "A")
    assert fields.redirect_from == ("/old/", "/older/")
    assert derive_fields({"title": "T", "redirect_from": "/one/"}, "t.md").redirect_from == ("/one/",)


def test_page_without_title_is_named_from_its_file_and_kept_out_of_nav():
    """No title: a title from the file name, and nav_exclude."""
    fields = derive_fields({}, "docs/AI patches (beta).md")
    assert (fields.title, fields.has_title, fields.nav_exclude) == ("AI patches (beta)", False, True)


@pytest.mark.parametrize(
    ("title", "shown"),
    [(dt.date(2024, 1, 1), "2024-01-01"), (True, "true"), (2024, "2024"), (4.5, "4.5"), (9, "9")],
)
def test_titles_yaml_reads_as_dates_booleans_or_numbers_are_titles_as_written(title, shown):
    """`title: 9`, `title: 2024-01-01`, `title: true` are titles, shown as written (as Jekyll shows them)."""
    fields = derive_fields({"title": title}, "t.md")
    assert (fields.title, fields.has_title, fields.nav_exclude) == (shown, True, False)


@pytest.mark.parametrize(("title", "kind"), [(["a"], "a list"), ({"a": 1}, "a mapping")])
def test_titles_that_are_lists_or_mappings_are_refused(title, kind):
    """A title that is a list or a mapping is no title: refused, naming the key."""
    with pytest.raises(FieldErrors) as info:
        derive_fields({"title": title}, "t.md")
    assert info.value.problems[0].key == "title" and kind in info.value.problems[0].message


def test_all_problems_are_reported_together():
    """Several bad values in one file are all listed."""
    with pytest.raises(FieldErrors) as info:
        derive_fields(
            {"title": "T", "date": "soon", "nav_order": [1], "permalink": "/../x/", "published": "no",
             "redirect_from": {"a": 1}, "parent": ["x"]},
            "t.md",
        )  # fmt: skip
    keys = [problem.key for problem in info.value.problems]
    assert sorted(keys) == ["date", "nav_order", "parent", "permalink", "published", "redirect_from"]


def test_nonstandard_date_is_read_with_a_note():
    """A date Jekyll accepts loosely is accepted with a note saying how it was read."""
    fields = derive_fields({"title": "T", "date": "2023-01-29 18:30:22 2023 -0800"}, "t.md")
    assert fields.date.isoformat() == "2023-01-29T18:30:22-08:00"
    assert "not in a standard form" in fields.notes[0]


def test_json_front_matter_gives_the_same_fields():
    """Derivation from the stored JSON form (dates as text) equals derivation from YAML values."""
    yaml_fm = {"title": "T", "date": dt.datetime(2016, 2, 6, 19, 32, 10), "nav_order": 4.5}
    json_fm = {"title": "T", "date": "2016-02-06T19:32:10", "nav_order": 4.5}
    assert derive_fields(yaml_fm, "t.md") == derive_fields(json_fm, "t.md")


def test_values_too_long_for_their_column_are_refused():
    """A title, nav_order or URL longer than the page can store is an error, not a database failure;
    the longest each column holds (read from the model) is accepted."""
    title, nav_order, url_path = (Page._meta.get_field(name).max_length for name in COLUMNS)
    longest = {"title": "t" * title, "nav_order": "n" * nav_order, "permalink": "/" + "p" * (url_path - 1)}
    fields = derive_fields(longest, "t.md")
    assert (len(fields.title), len(fields.nav_order), len(fields.url_path)) == (title, nav_order, url_path)
    too_long = {key: text + "x" for key, text in longest.items()}
    with pytest.raises(FieldErrors) as info:
        derive_fields(too_long, "t.md")
    assert [p.key for p in info.value.problems] == ["title", "nav_order", "permalink"]
    assert info.value.problems[0].message == f"is {title + 1} characters long; at most {title} fit"
