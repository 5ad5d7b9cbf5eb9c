"""What a page's save derives and writes besides the row, whoever saves it (import, admin, command):
the rendered body, its search sections, and the redirects of moved and freed URLs. Publishing itself is
`editing.set_published`."""

from __future__ import annotations

from collections.abc import Callable

from pages.content.rendering import RenderContext, Rendered, render
from pages.content.urls_from_paths import SourceIndex
from pages.models import Page, PageSection, Redirect
from pages.store.site_settings import site_baseurl


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
            baseurl=site_baseurl(),
            page_url=page.url_path,
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


def free_urls(pages: list[Page]) -> None:
    """The redirects at these pages' URLs stop, where the page may take its URL.

    A published page's URL is its own: any redirect there is removed. A draft (any unpublished page)
    never removes another page's redirect: the old URL keeps answering 301 to the live page until the
    draft is published (publishing is the choice to take the URL; the admin asks a publisher to make
    it explicitly). A redirect pointing at the draft itself goes.
    """
    live = [page.url_path for page in pages if page.published]
    drafts = [page for page in pages if not page.published]
    if live:
        Redirect.objects.filter(old_path__in=live).delete()
    if drafts:
        Redirect.objects.filter(old_path__in=[page.url_path for page in drafts], page__in=drafts).delete()


def redirect_owner(url_path: str, page: Page | None = None) -> Page | None:
    """The published page another page's old URL `url_path` answers 301 to (None when there is none)."""
    redirects = Redirect.objects.filter(old_path=url_path, page__published=True).select_related("page")
    if page is not None and page.pk:
        redirects = redirects.exclude(page_id=page.pk)
    redirect = redirects.first()
    return redirect.page if redirect is not None else None


def remember_old_url(page: Page, old_url: str | None) -> None:
    """After a page moved from old_url, make the old URL answer 301 to it; its new URL is live again
    (for a draft, once it is published: see `free_urls`)."""
    free_urls([page])
    if old_url and old_url != page.url_path:
        Redirect.objects.update_or_create(old_path=old_url, defaults={"page": page})
