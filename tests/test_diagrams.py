"""Mermaid diagrams: the page keeps the source, Quire serves its own pinned Mermaid, the frame's policy."""

import hashlib
import re

from django.conf import settings

from pages.content.rendering import render
from pages.site.diagrams import frame_policy

VENDOR = settings.BASE_DIR / "static" / "quire" / "vendor" / "mermaid"


def test_a_mermaid_block_stays_as_escaped_source_after_sanitising():
    """Readers without JavaScript see the source; markup in it is text, never HTML."""
    html = render("```mermaid\nflowchart LR\n  A[<b>x</b>] --> B\n```\n").html
    assert '<pre class="mermaid">flowchart LR\n  A[&lt;b&gt;x&lt;/b&gt;] --&gt; B\n</pre>' in html


def test_the_checked_in_mermaid_is_the_pinned_file_with_its_licence():
    """The bundle's SHA-256 is the one SOURCE.txt records from the npm tarball; its MIT licence is there."""
    source = (VENDOR / "SOURCE.txt").read_text()
    pinned = re.search(r"^sha256 mermaid\.min\.js: ([0-9a-f]{64})$", source, re.MULTILINE).group(1)
    assert hashlib.sha256((VENDOR / "mermaid.min.js").read_bytes()).hexdigest() == pinned
    assert re.match(r"mermaid \d+\.\d+\.\d+\n", source)
    assert "MIT License" in (VENDOR / "LICENSE").read_text()


def test_frame_policy_allows_inline_styles_only_inside_a_sandbox():
    """Inline styles are allowed in the frame only, which is sandboxed and framed by Quire alone."""
    policy = dict(part.split(" ", 1) for part in frame_policy().split("; "))
    assert policy["sandbox"] == "allow-scripts"
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    site_policy = settings.CSP_DIRECTIVES
    assert site_policy["style-src"] == ["'self'"] and "blob:" in site_policy["img-src"]
