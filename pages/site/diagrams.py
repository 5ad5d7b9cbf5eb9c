"""Mermaid diagrams: the sandboxed frame that draws them, with its own Content-Security-Policy.

Pages keep a ```mermaid block as `<pre class="mermaid">` with the escaped source (readable without
JavaScript). On a page that has one, site.js opens this frame once, sends it each diagram's source and
shows the SVG it answers as an image (a `blob:` URL, the one thing the page policy allows for it).

Mermaid draws into a live document to measure text, writing `<style>` elements and style attributes as it
goes. The site's policy forbids inline styles, so Mermaid never runs in the page: it runs here, in a
document that is sandboxed by its own policy (an opaque origin: no cookies, no storage, no access to the
page) and whose policy allows inline styles and nothing else beyond Quire's own scripts.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from pages.site.content_security import HEADER as CSP_HEADER
from pages.site.content_security import policy_text

FRAME_TEMPLATE = "pages/diagram_frame.html"
FRAME_POLICY = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'self'"],
    "sandbox": ["allow-scripts"],
}


def frame_policy() -> str:
    """The diagram frame's Content-Security-Policy header value."""
    return policy_text(FRAME_POLICY)


@require_safe
@xframe_options_sameorigin
@cache_control(public=True, max_age=300)
def diagram_frame(request):
    """The document Mermaid runs in; only Quire's own pages may frame it."""
    response = render(request, FRAME_TEMPLATE)
    response[CSP_HEADER] = frame_policy()  # set here, so the site-wide middleware leaves it alone
    return response
