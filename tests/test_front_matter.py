"""Strict front matter loading, key positions, single-key edits and dates (no database)."""

import datetime as dt

import pytest

from pages.content.front_matter import (
    MAX_EXPANDED_NODES,
    FrontMatterError,
    load,
    parse_date,
    parse_date_loosely,
    remove_key,
    scalar_text,
    set_key,
)

SAMPLE = 'title: Old # kept comment\nlayout: |\n  a\n  b\nempty:\ntags:\n  - a\n  - b\nquoted: "q"\n'


def test_load_keeps_key_order_and_lines():
    """Keys come back in file order with their 1-based lines."""
    loaded = load(SAMPLE)
    assert list(loaded.data) == ["title", "layout", "empty", "tags", "quoted"]
    assert loaded.key_lines == {"title": 1, "layout": 2, "empty": 5, "tags": 6, "quoted": 9}


def test_empty_text_is_empty_mapping():
    """Empty front matter (`---` then `---`) is an empty mapping."""
    assert load("").data == {}
    assert load("\n  \n").data == {}


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a' (first defined on line 1)"),
        ("- a\n- b\n", 1, "must be a mapping of keys to values, not a list"),
        ("just text\n", 1, "not the single value 'just text'"),
        ("x: !!python/object/apply:os.system [ls]\n", 1, "YAML tag !!python/object/apply:os.system"),
        ("x: !custom 3\n", 1, "YAML tag !custom is not allowed"),
        ("a:\n\tb: 1\n", 2, "a tab character is not allowed"),
        ("a: [1, 2\n", 2, "invalid YAML"),
        ("nested:\n  k: 1\n  k: 2\n", 3, "duplicate key 'k'"),
    ],
)
def test_refusals_name_the_line(text, line, fragment):
    """Each refused front matter names the problem and its line."""
    with pytest.raises(FrontMatterError) as info:
        load(text)
    assert fragment in str(info.value)
    assert info.value.line == line


def test_alias_bomb_is_refused_but_small_aliases_load():
    """Aliases that expand hugely are refused; a small alias is fine."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for name, prev in zip("bcdef", "abcde", strict=True):
        bomb += f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]\n"
    with pytest.raises(FrontMatterError, match=f"more than {MAX_EXPANDED_NODES}"):
        load(bomb)
    assert load("base: &b {x: 1}\nother: *b\n").data == {"base": {"x": 1}, "other": {"x": 1}}


def test_set_key_rewrites_only_that_scalar():
    """Changing one key keeps every other line, comment and quote verbatim."""
    assert set_key(SAMPLE, "title", "New: name") == SAMPLE.replace("title: Old", "title: 'New: name'")
    assert set_key(SAMPLE, "quoted", "z") == SAMPLE.replace('quoted: "q"', "quoted: z")


def test_set_key_on_block_values_empty_values_and_new_keys():
    """Block values, empty values and missing keys are handled without touching their neighbours."""
    assert set_key(SAMPLE, "layout", "x") == SAMPLE.replace("layout: |\n  a\n  b\n", "layout: x\n")
    assert set_key(SAMPLE, "empty", 3) == SAMPLE.replace("empty:\n", "empty: 3\n")
    assert set_key(SAMPLE, "tags", "one") == SAMPLE.replace("tags:\n  - a\n  - b\n", "tags: one\n")
    assert set_key(SAMPLE, "nav_order", 4.5) == SAMPLE + "nav_order: 4.5\n"
    assert set_key("", "title", "T") == "title: T\n"


def test_remove_key_drops_its_lines_only():
    """Removing a key removes its whole value, nothing else."""
    assert remove_key(SAMPLE, "tags") == SAMPLE.replace("tags:\n  - a\n  - b\n", "")
    assert remove_key(SAMPLE, "title") == SAMPLE.replace("title: Old # kept comment\n", "")
    assert remove_key(SAMPLE, "missing") == SAMPLE


def test_scalar_text_quotes_only_when_needed():
    """Scalars are written the way YAML reads them back."""
    assert scalar_text("Plain") == "Plain"
    assert scalar_text("2024") == "'2024'"
    assert scalar_text(True) == "true"
    assert scalar_text(3.0) == "3.0"
    assert load(f"t: {scalar_text('a: b # c')}").data == {"t": "a: b # c"}


def test_parse_date_forms_keep_offsets():
    """YAML dates, datetimes and Jekyll's text dates become aware datetimes with their offset."""
    plus_two = dt.timezone(dt.timedelta(hours=2))
    assert parse_date("2016-05-19 14:20:00 +0200") == dt.datetime(2016, 5, 19, 14, 20, tzinfo=plus_two)
    assert parse_date("2016-05-19 14:20:00 +0200").utcoffset() == dt.timedelta(hours=2)
    assert parse_date(dt.date(2024, 10, 27)) == dt.datetime(2024, 10, 27, tzinfo=dt.UTC)
    assert parse_date(dt.datetime(2024, 1, 2, 3, 4)) == dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.UTC)
    assert parse_date("2016-02-06T19:32:10-08:00").utcoffset() == dt.timedelta(hours=-8)


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01", "2024-02-30", 42, "2024-01-01 10:00 +9900"])
def test_parse_date_refuses_non_dates(value):
    """Values that are not dates raise ValueError with the value in the message."""
    with pytest.raises(ValueError, match="date|offset"):
        parse_date(value)


def test_loose_date_reads_what_jekyll_reads():
    """A date with extra words (a real Jekyll post) is read like Ruby's Time.parse does."""
    value = parse_date_loosely("2023-01-29 18:30:22 2023 -0800")
    assert value == dt.datetime(2023, 1, 29, 18, 30, 22, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    with pytest.raises(ValueError):
        parse_date_loosely("no date here")


def test_control_characters_are_refused_with_position():
    """Characters YAML does not allow (e.g. ESC) are an error with line and column, not a crash."""
    with pytest.raises(FrontMatterError) as info:
        load("title: ok\nbad: \x1b\n")
    assert (info.value.line, info.value.column) == (2, 6)
    assert "U+001B is not allowed" in str(info.value)


@pytest.mark.parametrize("text", ["title: .inf", "n: -.Inf", "list: [1, .NaN]", "deep: {x: +.INF}"])
def test_numbers_json_cannot_hold_are_refused_where_they_are_written(text):
    with pytest.raises(FrontMatterError) as caught:
        load("first: 1\n" + text)
    error = caught.value
    assert error.line == 2 and "is not a finite number" in str(error) and "quote it" in str(error)


def test_quoted_infinity_is_text():
    assert load("title: '.inf'").data == {"title": ".inf"}


def test_numbers_are_loaded_as_every_database_gives_them_back():
    """PostgreSQL's jsonb keeps numbers as decimals: -0.0 is 0.0, 1.0e+16 the whole number 10**16."""
    data = load("a: -0.0\nb: 1.0e+16\nc: [-1.5e+17, {d: 1.0e+300}]\ne: 1.5e-7\nf: 2.5\ng: 123.0\nh: 7\n").data
    assert data == {"a": 0.0, "b": 10**16, "c": [-15 * 10**16, {"d": 10**300}], "e": 1.5e-07, "f": 2.5,
                    "g": 123.0, "h": 7}  # fmt: skip
    assert str(data["a"]) == "0.0" and isinstance(data["b"], int) and isinstance(data["g"], float)
