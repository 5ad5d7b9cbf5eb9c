"""The nh3 allowlist: what it keeps, what it removes, and that it is idempotent."""

import subprocess
import sys
from pathlib import Path

import pytest

from pages.content.rendering import render
from pages.content.sanitising import ALLOWED_TAGS, forced_attributes_in_order, sanitise
from tests.hostile_payloads import PAYLOADS
from tests.html_tools import find, parse

ROOT = Path(__file__).resolve().parent.parent

LEGITIMATE = """# Title

Some *emphasis*, **strong**, `code`, ~~gone~~ and a [link](https://example.org/ "t"),
a [relative one](../other/), an [anchor](#title) and [mail](mailto:team@example.org).

![A chart](/media/chart.png)

| a | b |
|:--|--:|
| 1 | 2 |

```python
print("hi")
```

- [x] done
- [ ] todo

> [!TIP]
> A tip.

Note
{: .note }

Text[^1].

[^1]: A footnote.

<details><summary>More</summary>Hidden text</details>
"""


def test_legitimate_markdown_survives_sanitising():
    """Links, images, tables, code, task lists, callouts, footnotes and anchors are all kept."""
    elements = parse(render(LEGITIMATE).html)
    hrefs = [a.attrs["href"] for a in find(elements, "a")]
    assert {"https://example.org/", "../other/", "#title", "mailto:team@example.org", "#fn:1"} <= set(hrefs)
    assert find(elements, "img", src="/media/chart.png", alt="A chart")
    assert len(find(elements, "td")) == 2 and find(elements, "del")
    assert any("highlight" in e.classes for e in find(elements, "div"))
    assert len(find(elements, "input", type="checkbox")) == 2
    assert any("callout-tip" in e.classes for e in find(elements, "blockquote"))
    assert any("callout-note" in e.classes for e in find(elements, "p"))
    assert find(elements, "details") and find(elements, "summary")
    assert find(elements, "h1", id="title")


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        "<iframe src='https://x.org'></iframe>",
        "<object data='x'></object>",
        "<embed src='x'>",
        "<svg><circle/></svg>",
        "<math><mi>x</mi></math>",
        "<form action='/x'><input name=a></form>",
        "<base href='https://x.org/'>",
        "<meta http-equiv=refresh content='0'>",
        "<link rel=stylesheet href='x.css'>",
    ],
)
def test_dangerous_elements_are_removed(html):
    """script, style, iframe, object, embed, svg, math, form, base, meta and link never survive."""
    tags = {e.tag for e in parse(sanitise(html))}
    assert tags <= {"input"} and not tags & {"script", "style", "iframe", "object", "embed", "svg", "math"}


def test_script_and_style_content_is_dropped_too():
    """The text inside script and style is not shown as text either."""
    assert sanitise("<script>alert(1)</script><style>p{}</style>ok") == "ok"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "&#106;avascript:alert(1)",
        "javascript&colon;alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "data:image/png;base64,AAAA",
    ],
)
def test_dangerous_url_schemes_are_removed(url):
    """javascript:, vbscript: and data: URLs are removed however they are written."""
    elements = parse(sanitise(f'<a href="{url}">x</a><img src="{url}">'))
    assert all("href" not in e.attrs and "src" not in e.attrs for e in elements)


def test_event_handlers_and_styles_are_removed():
    """on* attributes and style attributes never survive."""
    (element,) = parse(sanitise('<p onclick="x()" onmouseover="y()" style="color:red" class="ok">t</p>'))
    assert element.attrs == {"class": "ok"}


def test_inputs_are_always_disabled_checkboxes():
    """A raw input becomes a disabled checkbox, whatever type it claimed."""
    (element,) = parse(sanitise('<input type="text" value="x" name="password" autofocus>'))
    assert element.attrs == {"type": "checkbox", "disabled": "disabled"}


def test_links_get_noopener():
    """Every link gets rel=noopener noreferrer, and target is dropped."""
    (link,) = parse(sanitise('<a href="https://x.org" target="_blank">x</a>'))
    assert link.attrs == {"href": "https://x.org", "rel": "noopener noreferrer"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitising_is_idempotent(payload):
    """Sanitising sanitised output changes nothing (raw payloads and their rendered forms)."""
    for html in (sanitise(payload), render(payload).html):
        assert sanitise(html) == html


def test_idempotent_on_legitimate_markdown():
    """The rendered user guide example is a fixed point too."""
    html = render(LEGITIMATE).html
    assert sanitise(html) == html


def test_allowlist_has_no_dangerous_tag():
    """The allowlist itself names none of the elements that can run code or change the page's base."""
    assert not ALLOWED_TAGS & {
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "form",
        "base",
        "meta",
    }


@pytest.mark.parametrize(
    "cleaned",
    [
        '<input class="c" checked="checked" type="checkbox" disabled="disabled">',
        '<input class="c" checked="checked" disabled="disabled" type="checkbox">',
    ],
)
def test_forced_input_attributes_come_in_one_order(cleaned):
    """Whichever order nh3 appended them in, the forced attributes are written type, then disabled."""
    expected = '<p><input class="c" checked="checked" type="checkbox" disabled="disabled"></p>'
    assert forced_attributes_in_order(f"<p>{cleaned}</p>") == expected


def test_task_lists_render_the_same_bytes_in_every_process():
    """nh3 adds forced attributes in a per-process order; the same markdown gives the same HTML anyway."""
    script = (
        "from pages.content.sanitising import sanitise;"
        "print(sanitise('<ul><li><input checked> a</li><li><input type=text> b</li></ul>'))"
    )
    outputs = {
        subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
        for _ in range(8)
    }
    assert len(outputs) == 1, outputs
    assert 'type="checkbox" disabled="disabled"' in outputs.pop()
