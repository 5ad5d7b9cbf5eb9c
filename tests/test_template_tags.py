"""The page template's list tags write exactly what the template loops they replaced wrote."""

from dataclasses import dataclass

import pytest
from django.template import Context, Template
from django.urls import get_script_prefix, set_script_prefix
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

HOSTILE = [
    "Plain",
    "Quotes \" and ' and & ampersand",
    "<script>alert(1)</script>",
    "Inline <em>emphasis</em> and <code>x < y</code>",
    "<img src=x onerror=alert(1)>",
    "&lt;already escaped&gt; &amp; more",
    "",
]


@dataclass
class Entry:
    title: str
    url_path: str


LINK_LOOP = Template(
    '{% load quire %}{% for page in pages %}<li><a href="{{ page.url_path|site_url }}">'
    "{{ page.title|title_html }}</a></li>{% endfor %}"
)
LINK_TAG = Template("{% load quire %}{% page_link_items pages %}")
TOC_LOOP = Template(
    '{% for entry in toc %}<li class="toc-level-{{ entry.level }}"><a href="#{{ entry.id }}">'
    "{{ entry.name }}</a></li>{% endfor %}"
)
TOC_TAG = Template("{% load quire %}{% toc_items toc %}")


@pytest.fixture(params=["/", "/docs/"])
def script_prefix(request):
    original = get_script_prefix()
    set_script_prefix(request.param)
    yield request.param
    set_script_prefix(original)


def test_page_links_match_the_template_loop(script_prefix):
    pages = [
        Entry(title, url)
        for title in HOSTILE
        for url in ("/", "/a/b/", '/q"uote/', "/amp&er/", "/<tag>/", "/x.html")
    ]
    expected = LINK_LOOP.render(Context({"pages": pages}))
    assert LINK_TAG.render(Context({"pages": pages})) == expected
    assert "<script>" not in expected and "onerror" not in expected
    assert (f'href="{script_prefix}a/b/"') in expected


def test_toc_items_match_the_template_loop():
    toc = [
        {"level": level, "id": ident, "name": name}
        for level, ident, name in zip(
            [2, 3, "2\"'", 2, 3, 2, 3],
            ["intro", 'a"b', "<x>", "&amp;", "", "plain", "y'z"],
            HOSTILE,
            strict=True,
        )
    ]
    toc.append({"level": 2})  # a stored entry without an id or a name: empty, as the loop wrote it
    toc.append({"level": 2, "id": "lazy", "name": gettext_lazy("Contents & more")})  # a lazy string
    toc.append({"level": 2, "id": "safe", "name": mark_safe("<b>kept</b>")})  # noqa: S308 - marked safe: as it is
    expected = TOC_LOOP.render(Context({"toc": toc}))
    assert TOC_TAG.render(Context({"toc": toc})) == expected
    assert "<script>" not in expected
    assert expected.count("<li") == len(toc)


def test_empty_lists_write_nothing():
    assert LINK_TAG.render(Context({"pages": []})) == ""
    assert TOC_TAG.render(Context({"toc": []})) == ""
