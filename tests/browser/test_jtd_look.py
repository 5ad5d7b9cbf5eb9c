"""Just the Docs' own classes look as Just the Docs' Sass draws them, in light and in dark mode.

The expected values are Just the Docs 0.12's (`_sass/support/_variables.scss`, `buttons.scss`,
`labels.scss`, `utilities/`, `color_schemes/`), with Sass's lighten()/darken() worked out.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from pages.models import Page
from pages.store.page_derivation import apply_rendering

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = """\
[Get started](https://example.org/start){: .btn .btn-blue }
[Plain](https://example.org/plain){: .btn }
[Primary](https://example.org/primary){: .btn .btn-primary .mr-2 }
[Outline](https://example.org/outline){: .btn .btn-outline }
[Green](https://example.org/green){: .btn .btn-green }

Stable
{: .label .label-green }

Big red words
{: .fs-6 .text-red-200 }

Light words
{: .fs-4 .fw-300 .text-center .mb-4 }

Table of contents
{: .text-delta .bg-grey-lt-000 .text-grey-dk-300 }

[Wide](https://example.org/wide){: .btn .d-inline-block .mb-4 .mb-md-0 .text-mono .lh-tight }
"""

WHITE = "rgb(255, 255, 255)"
# Values that follow the colour scheme: Just the Docs' light.scss and dark.scss.
SCHEMES = {
    "light": {
        "link": "rgb(114, 83, 237)",  # $purple-000
        "button": "rgb(247, 247, 247)",  # #f7f7f7
        "primary": ("rgb(87, 57, 206)", "rgb(111, 85, 213)"),  # $purple-100: darken 2%, lighten 5%
    },
    "dark": {
        "link": "rgb(94, 161, 251)",  # lighten($blue-000, 10%)
        "button": "rgb(48, 45, 54)",  # $grey-dk-250
        "primary": ("rgb(36, 72, 167)", "rgb(43, 85, 196)"),  # $blue-200: darken 2%, lighten 5%
    },
}
BLOCKING = {"serious", "critical"}


def make_page(body: str) -> None:
    page = Page(title="Look", url_path="/look/", body=body)
    apply_rendering(page)
    page.save()


def styles(page, selector: str, *names: str) -> dict[str, str]:
    return page.eval_on_selector(
        selector,
        "(el, names) => { const s = getComputedStyle(el);"
        " return Object.fromEntries(names.map(n => [n, s[n]])); }",
        list(names),
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_buttons_labels_and_utilities_get_just_the_docs_values(browser_page, scheme):
    """`.btn-blue`, `.btn`, `.btn-primary`, `.btn-outline`, `.label-green`, `.fs-6`, `.text-red-200`, ..."""
    make_page(BODY)
    browser_page.emulate_media(color_scheme=scheme)
    browser_page.goto("/look/")
    expected = SCHEMES[scheme]
    assert browser_page.evaluate("getComputedStyle(document.documentElement).colorScheme") == scheme

    blue = styles(browser_page, "a.btn-blue", "color", "backgroundColor", "backgroundImage")
    blue |= styles(browser_page, "a.btn-blue", "borderRadius", "fontWeight")
    assert blue == {
        "color": WHITE,
        "backgroundColor": "rgb(36, 72, 167)",  # darken($blue-200, 2%)
        "backgroundImage": "linear-gradient(rgb(43, 85, 196), rgb(36, 72, 167))",
        "borderRadius": "4px",
        "fontWeight": "500",
    }
    plain = styles(browser_page, 'a[href$="/plain"]', "color", "backgroundColor", "paddingLeft", "fontSize")
    assert plain["color"] == expected["link"]
    assert plain["backgroundColor"] == expected["button"]
    assert float(plain["paddingLeft"][:-2]) == pytest.approx(float(plain["fontSize"][:-2]))  # 1em
    primary = styles(browser_page, "a.btn-primary", "color", "backgroundColor", "backgroundImage")
    primary |= styles(browser_page, "a.btn-primary", "marginRight")
    bottom, top = expected["primary"]
    assert primary == {
        "color": WHITE,
        "backgroundColor": bottom,
        "backgroundImage": f"linear-gradient({top}, {bottom})",
        "marginRight": "8px",  # .mr-2
    }
    outline = styles(browser_page, "a.btn-outline", "color", "backgroundColor", "boxShadow")
    assert outline == {
        "color": expected["link"],
        "backgroundColor": "rgba(0, 0, 0, 0)",
        "boxShadow": "rgb(230, 225, 232) 0px 0px 0px 2px inset",  # $grey-lt-300
    }
    assert styles(browser_page, "a.btn-green", "backgroundColor")["backgroundColor"] == "rgb(2, 100, 79)"

    label = styles(
        browser_page, "p.label-green", "color", "backgroundColor", "fontSize", "textTransform", "borderRadius"
    )
    assert label == {
        "color": WHITE,
        "backgroundColor": "rgb(2, 110, 87)",  # $green-300
        "fontSize": "12px",  # fs-2 at the sm breakpoint and up
        "textTransform": "uppercase",
        "borderRadius": "12px",
    }
    big = styles(browser_page, "p.fs-6", "color", "fontSize", "lineHeight")
    assert big == {"color": "rgb(233, 76, 76)", "fontSize": "24px", "lineHeight": "30px"}  # $red-200, 1.5rem
    light = styles(browser_page, "p.fw-300", "fontSize", "fontWeight", "textAlign", "marginBottom")
    assert light == {"fontSize": "16px", "fontWeight": "300", "textAlign": "center", "marginBottom": "16px"}
    delta = styles(browser_page, "p.text-delta", "color", "backgroundColor", "fontSize", "textTransform")
    delta |= styles(browser_page, "p.text-delta", "letterSpacing", "fontWeight")
    assert delta == {
        "color": "rgb(39, 38, 43)",  # $grey-dk-300, in both schemes
        "backgroundColor": "rgb(245, 246, 250)",  # $grey-lt-000
        "fontSize": "12px",
        "textTransform": "uppercase",
        "letterSpacing": "1.2px",  # 0.1em
        "fontWeight": "400",
    }
    wide = styles(browser_page, 'a[href$="/wide"]', "display", "marginBottom", "lineHeight", "fontFamily")
    assert wide["display"] == "inline-block"
    assert wide["marginBottom"] == "0px"  # .mb-md-0 wins over .mb-4 from 50rem up
    assert wide["lineHeight"] == f"{1.25 * float(plain['fontSize'][:-2]):g}px"
    assert "monospace" in wide["fontFamily"]


def test_small_screens_get_just_the_docs_smaller_sizes(browser_page):
    """Below Just the Docs' `sm` breakpoint (31.25rem) `.fs-6` is 1.125rem and a label 0.6875rem."""
    make_page(BODY)
    browser_page.set_viewport_size({"width": 390, "height": 844})
    browser_page.goto("/look/")
    assert styles(browser_page, "p.fs-6", "fontSize")["fontSize"] == "18px"
    assert styles(browser_page, "p.label-green", "fontSize")["fontSize"] == "11px"
    assert styles(browser_page, 'a[href$="/wide"]', "marginBottom")["marginBottom"] == "16px"  # .mb-4


def test_reader_chosen_dark_mode_switches_the_primary_button(browser_page):
    """With a light system, choosing dark mode gives `.btn-primary` the dark scheme's blue."""
    make_page(BODY)
    browser_page.emulate_media(color_scheme="light")
    browser_page.goto("/look/")
    browser_page.get_by_role("button", name="Dark mode").click()
    primary = styles(browser_page, "a.btn-primary", "backgroundColor")
    plain = styles(browser_page, 'a[href$="/plain"]', "color", "backgroundColor")
    assert primary["backgroundColor"] == SCHEMES["dark"]["primary"][0]
    assert plain == {"color": SCHEMES["dark"]["link"], "backgroundColor": SCHEMES["dark"]["button"]}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_buttons_and_labels_pass_axe_in_both_schemes(browser_page, scheme):
    """No serious or critical axe-core problems (contrast included) on the page in this scheme."""
    make_page(BODY)
    browser_page.emulate_media(color_scheme=scheme)
    browser_page.goto("/look/")
    results = Axe().run(browser_page)
    found = [
        f"{violation['id']} ({violation['impact']}): {node['target']}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
        for node in violation["nodes"]
    ]
    assert found == []
