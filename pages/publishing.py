"""What happens to a page on every save, whoever saves it (import, admin, command)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from pages.models import Page, PageSection, Redirect
from pages.rendering import RenderContext, Rendered, render
from pages.urls_from_paths import SourceIndex


def site_source_index() -> SourceIndex:
    """The link index over every page imported from a file (one query)."""
    return SourceIndex(dict(Page.objects.exclude(source_path=None).values_list("source_path", "url_path")))


def site_link_resolver() -> Callable[[str], str | None]:
    """A resolver for links between pages, from the pages in the database (one query, on first use).

    The import builds the same resolver (a SourceIndex) over the files of its run, so links resolve
    alike whoever renders.
    """
    index: SourceIndex | None = None

    def resolve(path: str) -> str | None:
        nonlocal index
        if index is None:
            index = site_source_index()
        return index(path)

    return resolve


def apply_rendering(page: Page, context: RenderContext | None = None) -> Rendered:
    """Render the body once and store the HTML, table of contents and warnings on the page."""
    if context is None:
        context = RenderContext(
            source_path=page.source_path,
            resolve_source=site_link_resolver(),
            baseurl=getattr(settings, "QUIRE_BASEURL", ""),
        )
    rendered = render(page.body, context)
    page.body_html = rendered.html
    page.toc = rendered.toc
    page.render_warnings = rendered.warnings
    return rendered


def save_sections(page: Page, rendered: Rendered) -> None:
    """Replace the page's search sections with the freshly rendered ones."""
    PageSection.objects.filter(page=page).delete()
    PageSection.objects.bulk_create(
        PageSection(
            page=page,
            position=i,
            anchor=s.anchor,
            heading=s.heading,
            level=s.level,
            text=s.text,
        )
        for i, s in enumerate(rendered.sections)
    )


def remember_old_url(page: Page, old_url: str | None) -> None:
    """After a page moved from old_url, make the old URL answer 301 to it; its new URL is live again."""
    Redirect.objects.filter(old_path=page.url_path).delete()
    if old_url and old_url != page.url_path:
        Redirect.objects.update_or_create(old_path=old_url, defaults={"page": page})
