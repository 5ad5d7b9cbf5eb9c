"""Just the Docs' navigation order and parent resolution, as pure functions (no database)."""

from dataclasses import dataclass, field

import pytest

from pages.content.markdown_io import read_file
from pages.content.navigation import NavNode, nav_order_value, resolve_parents, sort_pages
from pages.content.source_fields import derive_fields
from tests.conftest import CORPUS


@dataclass
class Rec:
    title: str
    nav_order: str = ""
    source_path: str = ""
    front_matter: dict = field(default_factory=dict)


def titles(records, **kwargs):
    return [r.title for r in sort_pages(records, **kwargs)]


def site_titles(records):
    """In the site's own order (its `nav_sort`, else QUIRE_NAV_CASE_SENSITIVE)."""
    from pages.store.site_settings import in_site_nav_order

    return [r.title for r in in_site_nav_order(records)]


def test_nav_order_values():
    """nav_order text becomes a number when it is one, else stays text; blank is None."""
    assert nav_order_value("3") == 3.0
    assert nav_order_value("4.5") == 4.5
    assert nav_order_value(" b ") == "b"
    assert nav_order_value("") is None
    assert nav_order_value(2) == 2.0


def test_numbers_before_text_before_untitled_order():
    """Numeric nav_order (ints and floats as numbers), then text nav_order, then by title."""
    records = [Rec("No order"), Rec("Text", "b"), Rec("Ten", "10"), Rec("Two", "2"), Rec("Half", "4.5"),
               Rec("Also text", "a"), Rec("Another")]  # fmt: skip
    assert titles(records, case_sensitive=False) == [
        "Two",
        "Half",
        "Ten",
        "Also text",
        "Text",
        "Another",
        "No order",
    ]


def test_numeric_titles_sort_numerically_before_other_titles():
    """Pages without nav_order: titles written as YAML numbers by number first (true/false after
    them, as Just the Docs' jsonify grouping puts them there), then the rest by title; a quoted
    number is text."""
    records = [Rec("b"), Rec("10", front_matter={"title": 10}), Rec("9", front_matter={"title": 9}), Rec("A"),
               Rec("2.5", front_matter={"title": 2.5}), Rec("true", front_matter={"title": True}),
               Rec("1", front_matter={"title": "1"})]  # fmt: skip
    assert titles(records, case_sensitive=False) == ["2.5", "9", "10", "true", "1", "A", "b"]


def test_quoted_numeric_nav_order_sorts_as_text():
    """A nav_order YAML read as text ("3") sorts with the text orders, as in Just the Docs."""
    records = [
        Rec("Quoted", "3", front_matter={"nav_order": "3"}),
        Rec("Number", "3", front_matter={"nav_order": 3}),
    ]
    assert titles(records, case_sensitive=False) == ["Number", "Quoted"]


@pytest.mark.django_db
def test_case_sensitive_by_default_as_just_the_docs(settings):
    """Without a nav_sort, text compares case-sensitively (capitals first), as Just the Docs' own
    code does; the QUIRE_NAV_CASE_SENSITIVE setting can turn that off."""
    records = [Rec("banana"), Rec("Cherry"), Rec("apple")]
    assert site_titles(records) == ["Cherry", "apple", "banana"]
    settings.QUIRE_NAV_CASE_SENSITIVE = False
    assert site_titles(records) == ["apple", "banana", "Cherry"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("nav_sort", "expected"),
    [("case_sensitive", ["Cherry", "apple", "banana"]), ("case_insensitive", ["apple", "banana", "Cherry"])],
)
def test_nav_sort_from_the_config_wins_over_the_setting(settings, nav_sort, expected):
    """`nav_sort` in _config.yml decides, whatever QUIRE_NAV_CASE_SENSITIVE says."""
    from pages.store.site_settings import save_config

    settings.QUIRE_NAV_CASE_SENSITIVE = nav_sort != "case_sensitive"
    save_config(text="", data={"nav_sort": nav_sort}, has_config=True, source="", baseurl="", file_hash="")
    assert site_titles([Rec("banana"), Rec("Cherry"), Rec("apple")]) == expected


def test_case_insensitive_order_folds_ascii_letters_only():
    """Liquid's sort_natural folds ASCII case only: 'É' still sorts after every ASCII letter."""
    records = [Rec("Éclair"), Rec("zebra"), Rec("Apple")]
    assert titles(records, case_sensitive=False) == ["Apple", "zebra", "Éclair"]


def test_ties_are_broken_by_title_then_path():
    """Equal nav_order: by title, then by path — the same order every time."""
    records = [Rec("B", "1", "z.md"), Rec("A", "1", "y.md"), Rec("A", "1", "x.md")]
    assert [(r.title, r.source_path) for r in sort_pages(records, case_sensitive=False)] == [
        ("A", "x.md"), ("A", "y.md"), ("B", "z.md"),
    ]  # fmt: skip
    assert sort_pages(list(reversed(records)), case_sensitive=False) == sort_pages(
        records, case_sensitive=False
    )


def test_grand_parent_and_ancestor_pick_between_duplicate_titles():
    """Duplicate titles S/T/U under X and Y are told apart by grand_parent and ancestor."""
    nodes = [
        NavNode("x", "X", "Ancestry"),
        NavNode("y", "Y", "Ancestry"),
        NavNode("anc", "Ancestry"),
        NavNode("xs", "S", "X"),
        NavNode("xt", "T", "S", grand_parent="X"),
        NavNode("xu", "U", "T", ancestor="X"),
        NavNode("ys", "S", "Y"),
        NavNode("yt", "T", "S", ancestor="Y"),
        NavNode("yu", "U", "T", ancestor="Y"),
    ]
    parents, problems = resolve_parents(nodes)
    assert problems == []
    assert parents == {"x": "anc", "y": "anc", "anc": None, "xs": "x", "xt": "xs", "xu": "xt",
                       "ys": "y", "yt": "ys", "yu": "yt"}  # fmt: skip


def test_top_level_title_wins_for_plain_parent():
    """A plain parent naming a top-level title belongs there, not under a deeper page with that title."""
    nodes = [
        NavNode("layout", "Layout"),
        NavNode("utils", "Utilities"),
        NavNode("ulayout", "Layout", "Utilities"),
        NavNode("child", "Minimal", "Layout"),
    ]
    parents, problems = resolve_parents(nodes)
    assert parents["child"] == "layout" and problems == []


def test_missing_ambiguous_and_looping_parents_are_reported():
    """An unknown parent, an ambiguous one and a loop are each reported; the result stays a tree."""
    nodes = [
        NavNode("a", "A", "Nobody"),
        NavNode("p1", "P", "R1"),
        NavNode("p2", "P", "R2"),
        NavNode("r1", "R1"),
        NavNode("r2", "R2"),
        NavNode("c", "C", "P"),
        NavNode("l1", "L1", "L2"),
        NavNode("l2", "L2", "L1"),
        NavNode("untitled", None, "R1"),
    ]
    parents, problems = resolve_parents(nodes)
    messages = {p.key: p.message for p in problems}
    assert parents["a"] is None and messages["a"] == "parent 'Nobody' matches no page title"
    assert parents["c"] == "p1" and "ambiguous (p1, p2)" in messages["c"]
    assert "loops back" in (messages.get("l1", "") + messages.get("l2", ""))
    assert parents["l1"] is None or parents["l2"] is None
    assert parents["untitled"] == "r1"


def corpus_site_tree(site: str) -> list[str]:
    """The navigation outline of a corpus site, built only from its files."""
    root = CORPUS / site
    records = {}
    for path in sorted(root.rglob("*.md")):
        rel = path.relative_to(root).as_posix()
        source = read_file(rel, path.read_bytes())
        fields = derive_fields(source.front_matter, rel)
        records[rel] = (Rec(fields.title, fields.nav_order, rel, source.front_matter), fields)
    nodes = [NavNode(rel, f.title if f.has_title else None, f.parent, f.grand_parent, f.ancestor)
             for rel, (_, f) in records.items()]  # fmt: skip
    parents, problems = resolve_parents(nodes)
    assert problems == []
    children: dict = {}
    for rel, (rec, fields) in records.items():
        if not fields.nav_exclude:
            children.setdefault(parents[rel], []).append(rec)
    lines: list[str] = []

    def walk(key, depth):
        for rec in sort_pages(children.get(key, []), case_sensitive=False):
            lines.append("  " * depth + rec.title)
            walk(rec.source_path, depth + 1)

    walk(None, 0)
    return lines


JUST_THE_DOCS_NAV = """\
Home
Configuration
UI Components
  Typography
  Buttons
  Labels
  Tables
  Lists
  Code
    Line Numbers
  Callouts
Utilities
  Color
  Layout
  Responsive Modifiers
  Typography
Layout
  A minimal layout page
    Default layout child page
    Minimal layout child page
Navigation
  Main Navigation
    Ordering Pages
    Excluding Pages
    Page Levels
    Ancestry
      X
        S
          T
            U
      Y
        S
          T
            U
    Collections
    External Links
  Auxiliary Links
  Breadcrumbs
  Child Pages
  In-Page Navigation
Customization
Search
Markdown kitchen sink
CHANGELOG
Migration and Upgrading"""


def test_just_the_docs_corpus_nav_matches_its_own_docs():
    """The just-the-docs folder's sidebar order is the one its docs describe (S/T/U, 4.5, no nav_order)."""
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is not present beside this checkout")
    assert "\n".join(corpus_site_tree("just-the-docs")) == JUST_THE_DOCS_NAV


def test_unpublished_pages_are_never_parents_of_published_ones():
    """A draft with a section's title (sorting first, or at the top level) does not get the section's
    published children; a draft child may still go under it; with only a draft to match, a published
    page keeps its current published parent."""
    nodes = [
        NavNode("docs", "Docs"),
        NavNode("docs/guide.md", "Guide", "Docs"),
        NavNode("a-draft", "Guide", published=False),
        NavNode("docs/install.md", "Install", "Guide", current_parent="a-draft"),
        NavNode("draft-child", "Notes", "Guide", published=False),
        NavNode("only-draft", "Solo", published=False),
        NavNode("docs/orphan.md", "Orphan", "Solo", current_parent="docs"),
    ]
    parents, problems = resolve_parents(nodes)
    assert parents["docs/install.md"] == "docs/guide.md"
    assert parents["draft-child"] == "a-draft"  # top-level title rule, drafts among themselves
    assert parents["docs/orphan.md"] == "docs"
    messages = {problem.key: problem.message for problem in problems}
    assert "also matches unpublished pages (a-draft)" in messages["docs/install.md"]
    assert "matches only unpublished pages (only-draft)" in messages["docs/orphan.md"]
    assert "stays under docs" in messages["docs/orphan.md"]
