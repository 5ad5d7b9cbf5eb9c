"""Quire's markdown extension: kramdown attribute lists, callouts, the TOC marker, links between pages."""

import pytest

from pages.content.rendering import RenderContext, render
from tests.html_tools import find, parse, text_of

PAGES = {"docs/install.md": "/docs/install/", "guide/index.md": "/guide/"}


def html_of(text, **context):
    return render(text, RenderContext(**context) if context else None).html


@pytest.mark.parametrize("kind", ["note", "warning", "important", "highlight", "new"])
def test_kramdown_callout_on_a_paragraph(kind):
    """`{: .kind }` after a paragraph makes it a callout with both the kramdown and the callout classes."""
    (paragraph,) = find(parse(html_of(f"Mind this.\n{{: .{kind} }}\n")), "p")
    assert {kind, "callout", f"callout-{kind}"} <= paragraph.classes
    assert text_of(paragraph) == "Mind this."


def test_kramdown_callout_before_a_blockquote():
    """`{: .warning }` on the line above a block quote applies to the whole quote."""
    elements = parse(html_of("Intro.\n\n{: .warning }\n> One.\n>\n> Two.\n"))
    (quote,) = find(elements, "blockquote")
    assert {"callout", "callout-warning"} <= quote.classes
    assert not any("callout" in p.classes for p in find(elements, "p"))


def test_titled_kramdown_callout():
    """`{: .note-title }` on a quote: a note callout whose first paragraph is its title."""
    elements = parse(html_of("{: .note-title }\n> My title\n>\n> Body text.\n"))
    (quote,) = find(elements, "blockquote")
    assert {"callout", "callout-note"} <= quote.classes
    title = [p for p in find(elements, "p") if "callout-title" in p.classes]
    assert [text_of(p) for p in title] == ["My title"]


@pytest.mark.parametrize("kind", ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"])
def test_github_alerts_become_callouts(kind):
    """`> [!KIND]` becomes a callout quote with a title paragraph and the rest of the text."""
    elements = parse(html_of(f"> [!{kind}]\n> Read **this**.\n"))
    (quote,) = find(elements, "blockquote")
    assert {"callout", f"callout-{kind.lower()}"} <= quote.classes
    paragraphs = find(elements, "p")
    assert "callout-title" in paragraphs[0].classes and text_of(paragraphs[0]) == kind.capitalize()
    assert text_of(paragraphs[1]) == "Read this."
    assert "[!" not in text_of(quote)


def test_unknown_github_alert_stays_a_plain_quote():
    """`> [!FOO]` is not an alert GitHub knows, so the quote is left as written."""
    (quote,) = find(parse(html_of("> [!FOO]\n> text\n")), "blockquote")
    assert "callout" not in quote.classes and "[!FOO]" in text_of(quote)


def test_id_and_classes_from_an_attribute_list():
    """`{: #id .a .b }` sets the id and classes of the block it follows."""
    (paragraph,) = find(parse(html_of("Text\n{: #here .a .b }\n")), "p")
    assert paragraph.attrs["id"] == "here" and {"a", "b"} <= paragraph.classes


def test_event_handlers_from_an_attribute_list_are_dropped():
    """`{: onclick=... }` is applied and then removed by the sanitiser."""
    (paragraph,) = find(parse(html_of('Text\n{: onclick="alert(1)" style="x" .ok }\n')), "p")
    assert "onclick" not in paragraph.attrs and "style" not in paragraph.attrs
    assert "ok" in paragraph.classes


def test_relative_md_links_become_page_urls():
    """A relative link to another .md file becomes that page's URL; its fragment is kept."""
    html = html_of(
        "[i](../docs/install.md#linux) [g](index.md)", source_path="guide/start.md", resolve_source=PAGES.get
    )
    assert [a.attrs["href"] for a in find(parse(html), "a")] == ["/docs/install/#linux", "/guide/"]


def test_relative_links_get_the_base_url():
    """With a base URL the rewritten link is under it."""
    html = html_of("[i](install.md)", source_path="docs/x.md", resolve_source=PAGES.get, baseurl="/site")
    assert find(parse(html), "a")[0].attrs["href"] == "/site/docs/install/"


def test_links_outside_the_root_are_not_resolved():
    """A link climbing above the import root is never resolved and is reported."""
    rendered = render(
        "[x](../../docs/install.md)", RenderContext(source_path="a.md", resolve_source=PAGES.get)
    )
    assert find(parse(rendered.html), "a")[0].attrs["href"] == "../../docs/install.md"
    assert rendered.warnings == [
        "line 1: link to '../../docs/install.md': no page was imported from that file"
    ]


def test_external_and_non_markdown_links_are_untouched():
    """Only links to .md/.markdown files are rewritten."""
    html = html_of("[a](https://x.org/a.md) [b](file.pdf) [c](#top)", resolve_source=PAGES.get)
    assert [a.attrs["href"] for a in find(parse(html), "a")] == ["https://x.org/a.md", "file.pdf", "#top"]
