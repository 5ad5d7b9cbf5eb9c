"""The Liquid/kramdown pre-pass: what it converts, what it leaves alone, and what it warns about."""

import re

import frontmatter
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pages.content.jekyll_compat import (
    BLOCK_TAGS,
    _code_ranges,
    _code_span_ranges,
    _in_ranges,
    block_partners,
    candidate_sources,
    liquid_tags,
    prepare,
)
from pages.content.rendering import RenderContext
from tests.conftest import CORPUS

PAGES = {
    "docs/install.md": "/docs/install/",
    "_posts/2010-07-21-name-of-post.md": "/2010/07/21/name-of-post/",
    "site/_docs/history.md": "/docs/history/",
}


def context(source_path="docs/guide.md", baseurl=""):
    return RenderContext(source_path=source_path, resolve_source=PAGES.get, baseurl=baseurl)


def test_raw_content_is_kept_literally():
    """Liquid between raw and endraw stays exactly as written, without the raw markers."""
    prepared = prepare("{% raw %}{{ site.title }} {% include x.html %}{% endraw %}", context())
    assert prepared.text == "{{ site.title }} {% include x.html %}"
    assert prepared.warnings == []


def test_raw_around_a_code_fence_keeps_the_fence_working():
    """A raw block wrapping a fenced code block leaves the fence and its Liquid intact."""
    text = "{% raw %}\n```liquid\n{% if x %}{{ y }}{% endif %}\n```\n{% endraw %}\n"
    prepared = prepare(text, context())
    assert "```liquid\n{% if x %}{{ y }}{% endif %}\n```" in prepared.text
    assert "raw" not in prepared.text
    assert prepared.warnings == []


def test_liquid_in_code_blocks_and_spans_is_left_alone():
    """Liquid inside fenced code and code spans is code, so it is neither converted nor warned about."""
    text = "Use `{{ site.baseurl }}` here.\n\n~~~\n{% include a.html %}\n~~~\n"
    prepared = prepare(text, context(baseurl="/b"))
    assert "`{{ site.baseurl }}`" in prepared.text
    assert "{% include a.html %}" in prepared.text
    assert prepared.warnings == []


def test_baseurl_and_url_filters():
    """site.baseurl, relative_url and absolute_url become site paths under the base URL."""
    text = "{{ site.baseurl }}/x {{site.baseurl}}/y {{ '/a/' | relative_url }} {{ \"b/\" | absolute_url }}"
    prepared = prepare(text, context(baseurl="/base/"))
    assert prepared.text == "/base/x /base/y /base/a/ /base/b/"


def test_link_tag_resolves_from_the_site_root_above_the_page():
    """{% link %} names a path from the site root, which may be a folder above the page."""
    prepared = prepare("[h]({% link _docs/history.md %})", context(source_path="site/_docs/config.md"))
    assert prepared.text == "[h](/docs/history/)"
    assert prepared.warnings == []


def test_post_url_resolves_a_post_by_name():
    """{% post_url name %} finds the post in _posts/ without its extension."""
    prepared = prepare("[p]({% post_url 2010-07-21-name-of-post %})", context())
    assert prepared.text == "[p](/2010/07/21/name-of-post/)"


def test_unresolved_link_is_a_warning_naming_it():
    """A link to a file that was not imported is kept as a site path and reported with its line."""
    prepared = prepare("first\n\n[x]({% link docs/missing.md %})", context())
    assert prepared.text.endswith("[x](/docs/missing.md)")
    assert prepared.warnings == [
        "line 3: {% link docs/missing.md %}: no page was imported from 'docs/missing.md'"
    ]


def test_unconverted_liquid_is_removed_and_listed_with_line_numbers():
    """include, loops, conditions, captures, other tags and unknown variables vanish with a warning each."""
    text = (
        "intro\n"
        "{% include nav.html %}\n"
        "{% for p in site.pages %}\n- {{ p.title }}\n{% endfor %}\n"
        "{% if a %}yes{% else %}no{% endif %}\n"
        "{% capture x %}hidden{% endcapture %}\n"
        "{% assign y = 1 %}\n"
        "{{ page.title }} and {{ page.title }}\n"
        "outro\n"
    )
    prepared = prepare(text, context())
    for garbage in ("{%", "{{", "hidden", "yes", "no\n", "p.title"):
        assert garbage not in prepared.text
    assert prepared.text.startswith("intro\n") and prepared.text.rstrip().endswith("outro")
    assert prepared.warnings == [
        "line 2: Liquid tag {% include nav.html %} is not supported by Quire; removed",
        "line 3: Liquid block {% for %}…{% endfor %} is not supported by Quire; removed",
        "line 6: Liquid block {% if %}…{% endif %} is not supported by Quire; removed",
        "line 7: Liquid block {% capture %}…{% endcapture %} is not supported by Quire; removed",
        "line 8: Liquid tag {% assign %} is not supported by Quire; removed",
        "line 9: Liquid variable {{ page.title }} is not known to Quire; removed",
    ]


def test_nested_blocks_are_removed_whole():
    """A loop inside a condition is removed up to the matching end tag."""
    prepared = prepare("{% if a %}{% if b %}x{% endif %}y{% endif %}z", context())
    assert prepared.text == "z"


def test_highlight_tag_becomes_a_fenced_code_block():
    """{% highlight ruby %} becomes a fence with the language; its Liquid is left alone."""
    prepared = prepare("{% highlight ruby linenos %}\nputs '{{ x }}'\n{% endhighlight %}\n", context())
    assert prepared.text == "~~~ruby\nputs '{{ x }}'\n~~~\n"
    assert prepared.warnings == []


def test_highlight_around_a_raw_highlight_ends_at_its_own_end_tag():
    """A highlight block showing Liquid in a raw block ends at the end tag outside the raw block."""
    text = (
        "{% highlight liquid %}\n{% raw %}{% highlight x %}\ncode\n{% endhighlight %}{% endraw %}\n"
        "{% endhighlight %}\n"
    )
    prepared = prepare(text, context())
    assert prepared.text == "~~~liquid\n{% highlight x %}\ncode\n{% endhighlight %}\n~~~\n"
    assert prepared.warnings == []


def test_candidate_sources_walk_up_from_the_page():
    """A site-root path is tried as written, then under each folder above the page."""
    assert candidate_sources("/x.md", "a/b/c.md") == ["x.md", "a/b/x.md", "a/x.md"]


def corpus_files():
    return sorted(CORPUS.rglob("*.md")) + sorted(CORPUS.rglob("*.markdown"))


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is not present beside this checkout")
def test_corpus_leaves_no_liquid_outside_code_without_a_warning():
    """Every corpus page: each Liquid construct left in prose is inside code, or the page has warnings."""
    files = corpus_files()
    assert len(files) > 250
    for path in files:
        body = frontmatter.loads(path.read_text(encoding="utf-8-sig")).content
        prepared = prepare(body, RenderContext(source_path=str(path.relative_to(CORPUS))))
        code = _code_ranges(prepared.text)
        for match in re.finditer(r"\{%.*?%\}|\{\{.*?\}\}", prepared.text):
            if not _in_ranges(code, match.start(), match.end()):
                # Only what a raw block kept literally may remain in prose.
                assert "{% raw" in body, f"{path}: {match.group(0)!r} left in prose"


def test_line_offset_makes_warnings_name_file_lines():
    """With the front matter's line count as offset, a warning names the line in the file."""
    prepared = prepare("a\n{% include x.html %}\n", RenderContext(line_offset=5))
    assert prepared.warnings == ["line 7: Liquid tag {% include x.html %} is not supported by Quire; removed"]


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is not present beside this checkout")
def test_just_the_docs_home_page_reports_its_contributor_loop():
    """The just-the-docs home page's contributor loop is removed and reported at its file line."""
    raw = (CORPUS / "just-the-docs" / "index.md").read_text(encoding="utf-8")
    body = raw.split("---\n", 2)[2]
    offset = raw.count("\n") - body.count("\n")
    prepared = prepare(body, RenderContext(source_path="index.md", line_offset=offset))
    assert (
        "line 68: Liquid block {% for %}…{% endfor %} is not supported by Quire; removed" in prepared.warnings
    )
    assert "contributor.avatar_url" not in prepared.text
    assert '<ul class="list-style-none">\n\n</ul>' in prepared.text


# --- Linear time: the delimiter lists replace the rescans; same results as the regexes they replace ---

REFERENCE_LIQUID_RE = re.compile(r"\{%-?(?P<tag>.*?)-?%\}|\{\{-?(?P<var>.*?)-?\}\}", re.DOTALL)
REFERENCE_CODE_SPAN_RE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
LIQUID_ALPHABET = st.lists(
    st.sampled_from(["{", "}", "%", "-", " ", "`", "\n", "if", "endif", "x", "raw"])
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=LIQUID_ALPHABET)
def test_liquid_tags_are_what_the_reference_regex_finds(text):
    """The linear tokenizer finds exactly the tags the (quadratic) regex did, with the same inner text."""
    expected = [
        (
            m.start(),
            m.end(),
            "tag" if m.group("tag") is not None else "var",
            m.group("tag") or m.group("var") or "",
        )
        for m in REFERENCE_LIQUID_RE.finditer(text)
    ]
    assert [(t.start, t.end, t.kind, t.inner) for t in liquid_tags(text)] == expected


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(["`", "``", "a", " ", "\n"])).map("".join))
def test_code_spans_are_what_the_reference_regex_finds(text):
    """Backtick runs paired with the next run of the same length, as the regex paired them."""
    expected = [
        (m.start(), m.end()) for m in REFERENCE_CODE_SPAN_RE.finditer(text) if "\n\n" not in m.group(0)
    ]
    assert _code_span_ranges(text, 0, len(text)) == expected


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(["if", "endif", "for", "endfor", "include"]), max_size=30))
def test_block_partners_match_the_depth_count(words):
    """Each block's end is the first end tag that brings the nesting depth back to zero."""
    tags = liquid_tags("".join(f"{{% {word} %}}" for word in words))
    partners = block_partners(tags)
    for index, word in enumerate(words):
        if word not in BLOCK_TAGS:
            continue
        depth, expected = 1, None
        for later in range(index + 1, len(words)):
            depth += {word: 1, BLOCK_TAGS[word]: -1}.get(words[later], 0)
            if depth == 0:
                expected = later
                break
        assert partners.get(index) == expected


PATHOLOGICAL_SIZE = (
    120_000  # the size that held an import's write lock for 39 s before the pre-pass was linear
)
PATHOLOGICAL = {
    "unclosed tags": ("{% ", None),
    "unclosed variables": ("{{ ", None),
    "unclosed raw": ("{% raw %}", "{% raw %} without {% endraw %}"),
    "unclosed blocks": ("{% if x %}", "Liquid block {% if %} without {% endif %}"),
    "unclosed blocks, one per line": ("{% if x %}\n", "lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 (and "),
    "unclosed highlights": ("{% highlight py %}", "{% highlight %} without {% endhighlight %}"),
    "unclosed code spans": ("`a ``b ", None),
}


@pytest.mark.parametrize("case", sorted(PATHOLOGICAL))
def test_pathological_inputs_at_size_are_handled(case):
    """120 KB of unclosed openers: the pre-pass completes (it used to rescan the rest of the text from
    every opener) and says what it did. Speed at the 2 MB file limit is measured in `make bench`."""
    unit, warning = PATHOLOGICAL[case]
    text = unit * (PATHOLOGICAL_SIZE // len(unit))
    prepared = prepare(text)
    if warning:
        assert any(warning in message for message in prepared.warnings)
    if case in {"unclosed tags", "unclosed variables"}:
        assert prepared.text == text  # never closed: not Liquid, kept as written
