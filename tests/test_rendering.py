"""The one rendering path: markdown features, table of contents, sections, warnings, preview."""

from urllib.parse import urlsplit

import frontmatter
import pytest

from pages.content.rendering import RenderContext, Rendered, render, render_preview
from pages.content.sanitising import sanitise
from pages.content.sections import Section
from tests.conftest import CORPUS
from tests.html_tools import find, parse, prose_text, text_of


def test_headings_get_ids_and_anchor_links():
    """Each heading has an id and an anchor link to it, named for screen readers."""
    elements = parse(render("## Install it\n").html)
    (heading,) = find(elements, "h2")
    assert heading.attrs["id"] == "install-it"
    (link,) = find(elements, "a", href="#install-it")
    assert "anchor-link" in link.classes
    assert link.attrs["aria-label"] == "Link to this section: Install it"
    assert text_of(heading) == "Install it"


def test_toc_lists_levels_and_plain_names():
    """The toc has one entry per h2-h6 with level, kramdown's id and the name as plain text."""
    rendered = render("# Top\n\n## A *b* & `c`\n\n### Deeper\n\n## Next\n")
    assert rendered.toc == [
        {"level": 2, "id": "a-b--c", "name": "A b & c"},
        {"level": 3, "id": "deeper", "name": "Deeper"},
        {"level": 2, "id": "next", "name": "Next"},
    ]


def test_no_toc_headings_are_left_out_of_the_toc():
    """A heading marked {: .no_toc } keeps its id but is not in the toc."""
    rendered = render("## Contents\n{: .no_toc }\n\n## Real\n")
    assert [entry["id"] for entry in rendered.toc] == ["real"]
    assert find(parse(rendered.html), "h2", id="contents")


def test_toc_marker_is_placed_where_written():
    """`1. TOC` + `{:toc}` becomes kramdown's nested list of links there, without .no_toc headings."""
    text = "## Contents\n{: .no_toc }\n\n1. TOC\n{:toc}\n\n## One\n\n### One a\n\n## Two\n"
    elements = parse(render(text).html)
    tags = [e.tag for e in elements]
    toc_index = next(i for i, e in enumerate(elements) if e.attrs.get("id") == "markdown-toc")
    assert elements[toc_index].tag == "ol"  # the list type the author wrote
    assert tags.index("h2") < toc_index < [i for i, t in enumerate(tags) if t == "h2"][1]
    links = [e.attrs["href"] for e in elements[toc_index:] if e.tag == "a" and "anchor-link" not in e.classes]
    assert links[:3] == ["#one", "#one-a", "#two"]
    assert "1. TOC" not in render(text).html and "{:toc}" not in render(text).html


def test_fenced_code_is_highlighted_with_classes_only():
    """Fenced code gets Pygments token classes and no inline style."""
    elements = parse(render("```python\ndef f():\n    return 1\n```\n").html)
    assert any("highlight" in e.classes for e in find(elements, "div"))
    assert any("k" in e.classes for e in find(elements, "span"))
    assert not any("style" in e.attrs for e in elements)


def test_tables_align_with_attributes_not_styles():
    """Table cells are aligned with the align attribute (no style attribute for the CSP to block)."""
    elements = parse(render("| a | b |\n|:--|--:|\n| 1 | 2 |\n").html)
    assert [c.attrs.get("align") for c in find(elements, "td")] == ["left", "right"]
    assert not any("style" in e.attrs for e in elements)


def test_footnotes_link_both_ways():
    """A footnote reference links to its note and the note links back."""
    elements = parse(render("Text[^1].\n\n[^1]: The note.\n").html)
    assert find(elements, "a", href="#fn:1") and find(elements, "a", href="#fnref:1")
    assert find(elements, "li", id="fn:1")


def test_task_lists_are_disabled_checkboxes():
    """- [x] and - [ ] become disabled checkboxes, checked or not."""
    inputs = find(parse(render("- [x] done\n- [ ] todo\n").html), "input")
    assert [(i.attrs["type"], "checked" in i.attrs, "disabled" in i.attrs) for i in inputs] == [
        ("checkbox", True, True),
        ("checkbox", False, True),
    ]


def test_images_keep_alt_text():
    """An image keeps its source and alt text."""
    (image,) = find(parse(render('![A diagram](/media/d.png "Title")').html), "img")
    assert image.attrs["alt"] == "A diagram" and image.attrs["src"] == "/media/d.png"


def test_sections_split_the_text_at_headings():
    """Sections: the text before the first heading (anchor ''), then one per heading, as plain text."""
    rendered = render("Intro **bold**.\n\n## First\n\nOne `code`.\n\n### Sub\n\n- a\n- b\n")
    assert rendered.sections == [
        Section(anchor="", heading="", level=0, text="Intro bold."),
        Section(anchor="first", heading="First", level=2, text="One code."),
        Section(anchor="sub", heading="Sub", level=3, text="a b"),
    ]


def test_warnings_from_liquid_and_links_name_lines():
    """Liquid the renderer removed and unresolved .md links are listed with their lines."""
    context = RenderContext(source_path="docs/a.md", resolve_source=lambda path: None)
    rendered = render("{% include x.html %}\n\n[See](other.md)\n", context)
    assert rendered.warnings == [
        "line 1: Liquid tag {% include x.html %} is not supported by Quire; removed",
        "line 3: link to 'other.md': no page was imported from that file",
    ]


def test_output_is_already_sanitised():
    """What render returns is a fixed point of the sanitiser."""
    html = render("<b onclick='x()'>hi</b>\n\n<script>alert(1)</script>\n").html
    assert sanitise(html) == html
    assert not find(parse(html), "script")


def test_nul_characters_become_replacement_characters():
    """NUL in the source never reaches the HTML (databases cannot store it; browsers replace it)."""
    html = render("a\x00b [x](java\x00script:alert(1))").html
    assert "\x00" not in html and "a\ufffdb" in html
    (link,) = find(parse(html), "a")
    assert urlsplit(link.attrs.get("href", "")).scheme == ""  # a harmless relative path, never a scheme


def test_preview_is_the_same_html():
    """render_preview gives exactly the HTML that render stores."""
    text = "## A\n\n> [!NOTE]\n> Hello\n"
    assert render_preview(text) == render(text).html


def test_rendered_defaults_stay_compatible():
    """Rendered can still be built from the HTML alone (the shared contract)."""
    assert Rendered(html="<p>x</p>").toc == [] and Rendered(html="").warnings == []


def corpus_bodies():
    if not CORPUS.exists():
        return []
    paths = sorted(CORPUS.rglob("*.md")) + sorted(CORPUS.rglob("*.markdown"))
    return [(p, frontmatter.loads(p.read_text(encoding="utf-8-sig")).content) for p in paths]


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is not present beside this checkout")
def test_every_corpus_page_renders_without_liquid_garbage():
    """All corpus pages render; no Liquid tag is left in prose text (only inside code elements)."""
    bodies = corpus_bodies()
    assert len(bodies) > 250
    for path, body in bodies:
        rendered = render(body, RenderContext(source_path=str(path.relative_to(CORPUS))))
        prose = prose_text(rendered.html)
        for garbage in ("{%", "%}", "{{", "}}"):
            assert garbage not in prose, (
                f"{path}: {garbage} left in prose near {prose[prose.find(garbage) - 60 :][:120]!r}"
            )
