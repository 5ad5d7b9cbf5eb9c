"""What happens to a page on every save, whoever saves it (import, admin, command)."""

from __future__ import annotations

from pages.models import Page
from pages.rendering import render


def apply_rendering(page: Page) -> None:
    """Render the body once and store the HTML, table of contents and warnings on the page."""
    rendered = render(page.body)
    page.body_html = rendered.html
    page.toc = rendered.toc
    page.render_warnings = rendered.warnings
