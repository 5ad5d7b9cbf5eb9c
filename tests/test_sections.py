"""Search sections read back from rendered HTML."""

from hypothesis import given, settings
from hypothesis import strategies as st

from pages.content.sections import Section, sections_by_tokens, sections_from_html
from pages.models import PageSection


def test_text_before_the_first_heading_has_an_empty_anchor():
    """Text before any heading is a section with anchor '' and level 0."""
    assert sections_from_html("<p>Hello <b>you</b></p>") == [Section("", "", 0, "Hello you")]


def test_heading_anchor_links_and_toc_are_not_text():
    """Anchor-link text, the in-page TOC and footnote markers are left out of section text."""
    html = (
        '<div class="toc"><ul><li><a href="#a">A</a></li></ul></div>'
        '<h2 id="a">A<a class="anchor-link" href="#a">#</a></h2>'
        '<p>Body<sup><a class="footnote" href="#fn:1">1</a></sup> text</p>'
    )
    assert sections_from_html(html) == [Section("a", "A", 2, "Body text")]


def test_blocks_are_separated_by_spaces():
    """Words from adjacent blocks and cells do not run together."""
    html = "<h3 id='t'>T</h3><ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr></table>"
    assert sections_from_html(html)[0].text == "one two a b"


def test_empty_heading_sections_are_kept():
    """A heading with no text under it is still a section (search can find its heading)."""
    assert sections_from_html('<h2 id="x">X</h2><h2 id="y">Y</h2><p>z</p>') == [
        Section("x", "X", 2, ""),
        Section("y", "Y", 2, "z"),
    ]


def test_long_headings_and_anchors_fit_the_search_table():
    """Headings and anchors longer than the PageSection columns are cut to fit."""
    anchor_column, heading_column = (
        PageSection._meta.get_field(name).max_length for name in ("anchor", "heading")
    )
    anchor, heading = "a" * (anchor_column + 100), "word " * heading_column
    (section,) = sections_from_html(f'<h2 id="{anchor}">{heading}</h2>')
    assert (section.anchor, section.heading) == (anchor[:anchor_column], heading[:heading_column])


# Pieces of HTML like the sanitiser's output, and a few irregular ones (which take the token reader).
_PIECES = [
    "word ",
    "two words",
    "&amp;",
    "&lt;b&gt;",
    " ",
    "\n",
    "<p>",
    "</p>",
    "<li>",
    "</li>",
    "<div>",
    "</div>",
    "<br>",
    "<hr>",
    "<td>",
    "</td>",
    "<em>",
    "</em>",
    '<span class="n">',
    "</span>",
    '<a href="#x">',
    "</a>",
    '<h2 id="a">',
    "</h2>",
    "<h3>",
    "</h3>",
    '<a class="anchor-link" href="#a">',
    '<div class="toc">',
    '<ul id="markdown-toc">',
    "<ul>",
    "</ul>",
    '<sup class="footnote">',
    "</sup>",
    '<a class="footnote-ref">',
    '<img alt="i">',
    '<a title="x>y">',
    "<x/>",
    "a < b",
    "&amp",
    '<span class="toc"/>',
    "<P>",
    "</H2>",
]


@given(st.lists(st.sampled_from(_PIECES), max_size=40))
@settings(max_examples=400, deadline=None)
def test_the_fast_reader_finds_what_the_token_reader_finds(pieces):
    """Whichever way the HTML is read (substitutions for regular HTML, tokens for the rest), the
    sections are the same."""
    html = "".join(pieces)
    assert sections_from_html(html) == sections_by_tokens(html)
