"""kramdown's rules where readers see them: ids, attribute lists, TOC, typography, math, HTML blocks."""

import pytest

from pages.content.kramdown_blocks import kramdown_blocks
from pages.content.kramdown_syntax import HeadingIds, parse_attribute_list, typographic_symbols
from pages.content.rendering import RenderContext, render
from tests.html_tools import find, parse, text_of


def html_of(text, **context):
    return render(text, RenderContext(**context) if context else None).html


def heading_ids(text):
    return [h.attrs.get("id") for h in parse(html_of(text)) if h.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}]


# heading ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("A & B", "a--b"),
        ("Install it", "install-it"),
        ("What's new?", "whats-new"),
        ("`code` and *em*", "code-and-em"),
        ("Über große Maße", "über-große-maße"),
        ("v0.11.x -> v0.12.0", "v011x---v0120"),
        ("snake_case stays", "snake_case-stays"),
        ("Emoji 🎉 party", "emoji--party"),
        ("a -- b", "a--b"),  # the typographic en dash is dropped like any symbol
    ],
)
def test_heading_ids_are_kramdowns(heading, expected):
    """Ids as kramdown's GFM parser makes them: lower case, symbols dropped, each space a '-'."""
    assert heading_ids(f"## {heading}\n") == [expected]


def test_repeated_headings_get_dash_numbers():
    """A repeated id gets -1, -2 (kramdown), not _1."""
    assert heading_ids("## Bugs fixed\n\n## Bugs fixed\n\n### Bugs fixed\n") == [
        "bugs-fixed",
        "bugs-fixed-1",
        "bugs-fixed-2",
    ]


def test_explicit_heading_id():
    """`## Title {#custom}` sets the id; the braces are not shown."""
    (heading,) = find(parse(html_of("### architectures (optional) {#architectures}\n")), "h3")
    assert heading.attrs["id"] == "architectures" and text_of(heading) == "architectures (optional)"


def test_heading_id_counter_is_per_document():
    ids = HeadingIds()
    assert [ids.next("A"), ids.next("A"), ids.next("B")] == ["a", "a-1", "b"]
    assert HeadingIds().next("A") == "a"


def test_hash_without_space_is_not_a_heading():
    """`#98 by someone` is text in GFM (and kramdown's GFM input), not a heading."""
    assert heading_ids("- #98 by someone\n") == []


# attribute lists --------------------------------------------------------------------------------


def test_attribute_list_parts():
    """Ids, classes, quoted key/values and references (`toc`) are read from `{: ... }`."""
    ial = parse_attribute_list(' #top .a .b title="x y" toc ')
    assert (ial.id, ial.classes, ial.attributes, ial.refs) == ("top", ["a", "b"], [("title", "x y")], ["toc"])


def test_attribute_list_inside_a_quote_applies_to_the_paragraph():
    """`> {: .warning }` inside a quote styles the quoted paragraph (kramdown parses the quote's content)."""
    (paragraph,) = find(parse(html_of("> {: .warning }\n> Careful.\n")), "p")
    assert {"warning", "callout", "callout-warning"} <= paragraph.classes
    assert "{:" not in html_of("> {: .warning }\n> Careful.\n")


def test_attribute_list_in_a_quote_reaches_lazy_lines():
    """kramdown's lazy lines after `> {: .x }` are part of the quote."""
    elements = parse(html_of("> {: .highlight }\n  A paragraph\n"))
    (quote,) = find(elements, "blockquote")
    (paragraph,) = find(elements, "p")
    assert "highlight" in paragraph.classes and text_of(quote) == "A paragraph"


def test_attribute_list_after_a_list_applies_to_the_list():
    (items,) = find(parse(html_of("- a\n- b\n{: .compact }\n")), "ul")
    assert "compact" in items.classes


def test_attribute_list_after_a_blank_line_applies_to_the_next_block():
    elements = parse(html_of("a\n\n{: .note }\n\nb\n"))
    assert ["note" in p.classes for p in find(elements, "p")] == [False, True]


def test_span_attribute_lists_on_links_emphasis_and_html():
    """`[x](y){: .btn }`, `**x**{:.a}` and `<span>x</span>{: .label }` get their classes."""
    elements = parse(
        html_of("[Go](https://x.org){: .btn .btn-blue } **Bold**{:.text-delta} <span>New</span>{: .label }")
    )
    (link,) = find(elements, "a")
    (strong,) = find(elements, "strong")
    (span,) = find(elements, "span")
    assert {"btn", "btn-blue"} <= link.classes and "text-delta" in strong.classes and "label" in span.classes
    assert "{:" not in text_of(find(elements, "p")[0])


# table of contents ------------------------------------------------------------------------------


def test_toc_lists_h1_to_h6_in_the_written_list_type():
    """kramdown's `{:toc}` lists levels 1-6, as an `ol` for `1. TOC` and a `ul` for `* TOC`."""
    body = "# Top\n\n* TOC\n{:toc}\n\n## Two\n\n###### Six\n"
    elements = parse(html_of(body))
    (toc,) = [e for e in elements if e.attrs.get("id") == "markdown-toc"]
    assert toc.tag == "ul"
    links = [
        a.attrs["href"] for a in find(elements, "a") if a.attrs.get("id", "").startswith("markdown-toc-")
    ]
    assert links == ["#top", "#two", "#six"]
    assert find(parse(html_of(body.replace("* TOC", "1. TOC"))), "ol")


def test_toc_nests_deeper_headings_under_the_last_shallower_one():
    elements = parse(html_of("1. TOC\n{:toc}\n\n## A\n\n#### Deep\n\n## B\n"))
    lists = find(elements, "ol")
    assert len(lists) == 2  # the outer list and the one nested under "A"


def test_side_toc_leaves_out_h1_and_no_toc():
    rendered = render("# Title\n\n## Contents\n{: .no_toc }\n\n## Real\n")
    assert [entry["id"] for entry in rendered.toc] == ["real"]


# blocks CommonMark reads differently ------------------------------------------------------------


def test_list_right_after_a_paragraph_line():
    """GFM (and kramdown's GFM input): a list may follow a paragraph line without a blank line."""
    elements = parse(html_of("Things:\n- one\n- two\n"))
    assert [text_of(li) for li in find(elements, "li")] == ["one", "two"]


def test_markdown_inside_markdown_1_elements_at_any_depth():
    body = '<div class="outer">\n<div class="code-example" markdown="1">\n**bold** and [link](https://x.org)\n</div>\n</div>\n'
    elements = parse(html_of(body))
    assert find(elements, "strong") and find(elements, "a", href="https://x.org")
    assert "markdown" not in html_of(body)


def test_html_block_ends_at_its_closing_tag():
    """A fence right after `</div>` is code, not part of the HTML block."""
    elements = parse(html_of('<div class="x">\n<b>hi</b>\n</div>\n```html\n<b>\n```\n'))
    assert find(elements, "pre") and text_of(find(elements, "pre")[0]).strip() == "<b>"


def test_span_tag_at_line_start_starts_a_paragraph():
    """`<span>` on its own line is span-level in kramdown: the markdown after it is parsed."""
    elements = parse(html_of('<span class="fs-6">\n[Big](https://x.org){: .btn }\n</span>\n'))
    (link,) = find(elements, "a")
    assert "btn" in link.classes


def test_short_separator_row_still_makes_a_table():
    lines = ["| a | b | c |", "|:--|:--|", "| 1 | 2 | 3 |"]
    assert kramdown_blocks("\n".join(lines)).split("\n")[1].count("|") == 4
    assert len(find(parse(html_of("\n".join(lines))), "th")) == 3


def test_backslash_escapes():
    (paragraph,) = find(parse(html_of("\\<b> and \\* and a \\| pipe")), "p")
    assert text_of(paragraph) == "<b> and * and a | pipe"


def test_escaped_pipe_inside_a_table_cell():
    cells = [text_of(td) for td in find(parse(html_of("| a | b |\n|---|---|\n| x \\| y | z |\n")), "td")]
    assert cells == ["x | y", "z"]


# typography, math, footnotes, code --------------------------------------------------------------


def test_typographic_symbols_and_smart_quotes():
    (paragraph,) = find(parse(html_of('"Quoted" -- it\'s 1--2 --- wait... << a >>')), "p")
    expected = "\u201cQuoted\u201d \u2013 it\u2019s 1\u20132 \u2014 wait\u2026 \u00ab a \u00bb"
    assert text_of(paragraph).replace("\u00a0", " ") == expected


def test_typography_leaves_code_alone():
    (code,) = find(parse(html_of("`a -- b...`")), "code")
    assert text_of(code) == "a -- b..."
    assert typographic_symbols("no symbols") == "no symbols"


def test_display_and_inline_math_become_mathml():
    elements = parse(html_of("$$\nx^2\n$$\n\nInline $$y_1$$ and \\(z\\), but $5 stays.\n"))
    maths = find(elements, "math")
    assert [m.attrs.get("display") for m in maths] == ["block", "inline", "inline"]
    assert "$5 stays" in html_of("Inline $$y_1$$ and \\(z\\), but $5 stays.")


def test_math_that_cannot_be_converted_is_shown_as_tex_and_reported():
    rendered = render("$$\\frac{a}{$$\n")
    assert "frac" in text_of(find(parse(rendered.html), "code")[0])
    assert any("math could not be converted" in w for w in rendered.warnings)


def test_footnotes_use_kramdown_ids_by_name():
    elements = parse(html_of("Text[^note].\n\n[^note]: The note.\n"))
    assert find(elements, "a", href="#fn:note") and find(elements, "li", id="fn:note")
    assert find(elements, "a", href="#fnref:note")


def test_strikethrough_is_del():
    assert find(parse(html_of("~~gone~~")), "del")


def test_code_block_highlighting_is_cached_and_the_same():
    from pages.content.markdown_engine import highlight_code

    highlight_code.cache_clear()
    first = html_of("```python\nx = 1\n```\n")
    second = html_of("```python\nx = 1\n```\n")
    assert first == second and highlight_code.cache_info().hits >= 1


def test_highlight_cache_is_keyed_by_content_and_language_and_returns_the_same_html():
    from pages.content.markdown_engine import HighlightCache

    calls = []

    def highlighter(code, language):
        calls.append((code, language))
        return f"<pre>{language}:{code}</pre>"

    cache = HighlightCache(highlighter)
    assert cache("x = 1\n", "python") == "<pre>python:x = 1\n</pre>"
    assert cache("x = 1\n", "python") == "<pre>python:x = 1\n</pre>"
    assert cache("x = 1\n", "ruby") == "<pre>ruby:x = 1\n</pre>"  # same code, other language
    assert cache("x = 2\n", "python") == "<pre>python:x = 2\n</pre>"
    assert calls == [("x = 1\n", "python"), ("x = 1\n", "ruby"), ("x = 2\n", "python")]
    assert cache.cache_info().hits == 1


def test_highlight_cache_holds_at_most_its_size_dropping_the_least_recently_used():
    from pages.content.markdown_engine import HighlightCache

    calls = []
    cache = HighlightCache(lambda code, language: calls.append(code) or code * 10, max_chars=25)
    cache("a", "")  # 10 characters
    cache("b", "")  # 20
    cache("a", "")  # a used again: b is now the oldest
    cache("c", "")  # 30 > 25: b goes
    assert cache.cache_info().size <= 25 and cache.cache_info().entries == 2
    cache("a", "")
    cache("b", "")
    assert calls == ["a", "b", "c", "b"]


def test_a_cached_code_block_renders_byte_for_byte_as_a_fresh_one():
    from pages.content.markdown_engine import highlight_code

    text = "```python\ndef f(x):\n    return x < 1 and 'a&b'\n```\n"
    highlight_code.cache_clear()
    fresh = html_of(text)
    cached = html_of(text)
    assert highlight_code.cache_info().hits >= 1
    highlight_code.cache_clear()
    assert fresh == cached == html_of(text)


def test_relative_file_links_resolve_from_the_page_url():
    """`img.png` on the page at /docs/x.html is /docs/img.png on the real site, whatever Quire's URL."""
    html = html_of(
        "![d](img.png) [pdf](../files/a.pdf) [abs](/x.png)", source_path="docs/x.md", page_url="/docs/x.html"
    )
    elements = parse(html)
    assert find(elements, "img")[0].attrs["src"] == "/docs/img.png"
    assert [a.attrs["href"] for a in find(elements, "a")] == ["/files/a.pdf", "/x.png"]


def test_site_variables_come_from_the_config_as_written():
    """`{{ site.baseurl }}` prints the configured value as written (a trailing slash kept)."""
    context = RenderContext(baseurl="/base", site={"baseurl": "/base/", "title": "Docs"})
    html = render("![x]({{ site.baseurl }}assets/x.png) {{ site.title }}", context).html
    assert find(parse(html), "img")[0].attrs["src"] == "/base/assets/x.png"
    assert "Docs" in html


def test_crlf_source_renders_like_lf():
    """Text saved from a browser textarea (\\r\\n) renders exactly like the file (\\n)."""
    body = "## Contents\n{: .no_toc }\n\nText\n{: .note }\n"
    assert render(body.replace("\n", "\r\n")).html == render(body).html


# kramdown extensions, abbreviations, page variables ---------------------------------------------


def test_comment_extension_hides_its_content():
    html = html_of("A {::comment}hidden{:/comment} b\n\n{::comment}\nblock\n\nmore\n{:/comment}\n\nafter\n")
    assert "hidden" not in html and "block" not in html and "more" not in html
    assert [text_of(p) for p in find(parse(html), "p")] == ["A b", "after"]


def test_nomarkdown_extension_is_raw_html_and_options_are_removed():
    html = html_of(
        '{::options parse_block_html="true" /}\n\n{::nomarkdown}\n<p class="x">*as is*</p>\n{:/}\n'
    )
    (paragraph,) = find(parse(html), "p")
    assert "x" in paragraph.classes and text_of(paragraph) == "*as is*"
    assert "{::" not in html and "options" not in html


def test_abbreviations_are_marked_where_used():
    elements = parse(html_of("The HTML spec, not HTMLX.\n\n*[HTML]: Hyper Text Markup Language\n"))
    (abbr,) = find(elements, "abbr")
    assert abbr.attrs["title"] == "Hyper Text Markup Language" and text_of(abbr) == "HTML"
    assert "*[HTML]" not in text_of(find(elements, "p")[0])


def test_page_variables_come_from_the_front_matter():
    html = render(
        "# {{ page.title }}\n\nBy {{ page.author }}.", RenderContext(page={"title": "Hi", "author": "Ann"})
    ).html
    assert text_of(find(parse(html), "h1")[0]) == "Hi" and "By Ann." in html
