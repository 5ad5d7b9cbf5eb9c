"""Validation in the page form: URL, nav_order, extra front matter, parents."""

import pytest
from django.core.exceptions import ValidationError

from pages.editing.admin_forms import (
    PageAdminForm,
    apply_extra_edits,
    descendant_ids,
    merge_front_matter,
    parse_extra_front_matter,
    url_for_title,
    validate_nav_order,
    validate_url_path,
)
from tests.admin_factories import make_page


@pytest.mark.parametrize("value", ["3", "4.5", "-1", "b", "Zeta page"])
def test_nav_order_accepts_integers_numbers_and_text_as_written(value):
    """nav_order keeps what was typed: 3, 4.5 or text."""
    assert validate_nav_order(f"  {value} ") == value


def test_nav_order_refuses_more_than_one_line():
    """A nav_order with a line break is refused with a message saying what is allowed."""
    with pytest.raises(ValidationError, match="one line"):
        validate_nav_order("1\n2")


def test_yaml_parses_to_an_ordered_json_safe_mapping():
    """Dates become ISO strings, booleans follow YAML 1.1 like Jekyll, key order is kept."""
    data = parse_extra_front_matter("layout: page\nupdated: 2024-10-27\nfeatured: yes\ntags: [a, b]\n")
    assert list(data.items()) == [
        ("layout", "page"),
        ("updated", "2024-10-27"),
        ("featured", True),
        ("tags", ["a", "b"]),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\nb: [2\n", "Line 3: "),
        ("a: 1\na: 2\n", "Line 2: duplicate key 'a'"),
        ("- a\n- b\n", "a mapping"),
        ("x: !!python/object:os.system 1\n", "Line 1: "),
    ],
)
def test_yaml_errors_name_the_line(text, message):
    """Syntax errors, duplicate keys, lists and unsafe tags are refused with the line when known."""
    with pytest.raises(ValidationError) as info:
        parse_extra_front_matter(text)
    assert message in " ".join(info.value.messages)


def test_yaml_model_keys_are_each_reported():
    """Every key that has its own form field is reported with its line."""
    with pytest.raises(ValidationError) as info:
        parse_extra_front_matter("permalink: /x/\nlayout: a\nnav_order: 3\n")
    assert [m[:25] for m in info.value.messages] == ["Line 1: “permalink” has i", "Line 3: “nav_order” has i"]


def test_merge_keeps_model_keys_and_order_and_drops_removed_keys():
    """Merging replaces the other keys, keeps the title etc. and the original order, appends new keys."""
    existing = {"title": "T", "layout": "a", "old": 1, "nav_order": 2}
    merged = merge_front_matter(existing, {"new": True, "layout": "b"})
    assert list(merged.items()) == [("title", "T"), ("layout", "b"), ("nav_order", 2), ("new", True)]


@pytest.mark.django_db
def test_url_taken_message_names_the_other_page():
    """A taken URL names the page that has it; the page itself may keep its URL."""
    page = make_page(title="Install", url_path="/install/")
    with pytest.raises(ValidationError, match="already used by the page “Install”"):
        validate_url_path("/install/", exclude_pk=None)
    assert validate_url_path("/install/", exclude_pk=page.pk) == "/install/"


@pytest.mark.django_db
def test_default_url_uses_the_parent_url_and_a_slug_of_the_title():
    """A new page's URL is its parent's URL plus the slug of its title."""
    parent = make_page(title="Guide", url_path="/guide/")
    assert url_for_title("Ça marche: vite!", parent) == "/guide/ca-marche-vite/"
    assert url_for_title("Top", None) == "/top/"


def test_prefilled_urls_follow_the_sites_permalink_style():
    """With a Jekyll config and no pretty style, a new page's URL is Jekyll's /folder/slug.html."""
    from pages.content.jekyll_site import SiteRules
    from pages.models import Page

    jekyll, pretty = SiteRules.from_config({}), SiteRules.from_config({"permalink": "pretty"})
    parent = Page(title="Guide", url_path="/guide.html")
    assert url_for_title("New Page", parent, jekyll) == "/guide/new-page.html"
    assert url_for_title("New Page", None, pretty) == "/new-page/"


@pytest.mark.django_db
def test_jekyll_urls_are_accepted_in_the_url_field():
    """/docs/install.html and extension-less Jekyll URLs are valid page URLs."""
    assert validate_url_path("/docs/install.html", exclude_pk=None) == "/docs/install.html"
    assert validate_url_path("/2016/05/hello", exclude_pk=None) == "/2016/05/hello"


@pytest.mark.django_db
def test_parent_choices_exclude_the_page_and_its_descendants():
    """A page cannot become its own parent or its descendant's child (no cycles)."""
    root = make_page(title="Root", url_path="/r/")
    child = make_page(title="Child", url_path="/r/c/", parent=root)
    grandchild = make_page(title="Grand", url_path="/r/c/g/", parent=child)
    other = make_page(title="Other", url_path="/o/")
    assert descendant_ids(root.pk) == {child.pk, grandchild.pk}
    form = PageAdminForm(instance=root)
    assert list(form.fields["parent"].queryset) == [other]


def test_extra_edits_touch_only_the_changed_keys_of_the_raw_text():
    """Changed, added and removed keys are applied to the YAML text; comments and quotes elsewhere stay."""
    raw = "title: 'A'  # kept\nlayout: default # the theme\ntags: [a, b]\nauthor: \"Ann\"\n"
    old = {"layout": "default", "tags": ["a", "b"], "author": "Ann"}
    new = {"layout": "wide", "author": "Ann", "toc_depth": 2}
    assert apply_extra_edits(raw, old, new) == (
        "title: 'A'  # kept\nlayout: wide # the theme\nauthor: \"Ann\"\ntoc_depth: 2\n"
    )


def test_extra_edits_without_changes_leave_the_raw_text_as_written():
    """Saving the YAML box unchanged does not rewrite a key (its quoting and comments are kept)."""
    raw = "layout:   'default'   # odd spacing\n"
    assert apply_extra_edits(raw, {"layout": "default"}, {"layout": "default"}) == raw


@pytest.mark.parametrize(
    ("url", "route"),
    [
        ("/search/", "search"),
        ("/admin/pages/", "admin"),
        ("/_preview/3/", "preview"),
        ("/static/logo/", "static"),
    ],
)
def test_a_url_quire_answers_itself_is_refused_with_what_answers_it(url, route):
    """A page at /search/, under /admin/ or /static/ would never be shown: the form says why."""
    with pytest.raises(ValidationError, match=f"is Quire's own \\({route}"):
        validate_url_path(url, exclude_pk=None)


@pytest.mark.django_db
def test_urls_that_only_look_like_quires_own_are_allowed():
    for url in ("/searching/", "/-/notes/", "/docs/search/", "/administration/"):
        assert validate_url_path(url, exclude_pk=None) == url


def test_yaml_box_refuses_an_alias_bomb_like_the_import():
    """The YAML box is read by the import's own rules: an alias bomb is refused, not expanded."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)},"
        f" *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    with pytest.raises(ValidationError) as info:
        parse_extra_front_matter(bomb)
    assert "aliases" in " ".join(info.value.messages)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/a:b/", "/docs/:title/", "/http://x/"])
def test_url_field_refuses_what_the_import_refuses(url):
    """The URL field applies the import's permalink rule (placeholders, schemes)."""
    with pytest.raises(ValidationError):
        validate_url_path(url, exclude_pk=None)
