"""Read paths for the public site: which page a URL shows, and the navigation list."""

from __future__ import annotations

from django.db.models import Q

from pages.models import Page


def home_page() -> Page | None:
    """`/` is the page whose URL is `/`, else the root index page, else the first page in nav order."""
    published = Page.objects.published()
    page = published.filter(Q(url_path="/") | Q(source_path="index.md")).first()
    if page:
        return page
    candidates = published.filter(parent__isnull=True, nav_exclude=False).only(
        "title", "nav_order", "url_path", "source_path"
    )
    ordered = candidates.in_nav_order()
    return Page.objects.get(pk=ordered[0].pk) if ordered else None


def nav_pages() -> list[Page]:
    return (
        Page.objects.published()
        .filter(nav_exclude=False)
        .only("title", "nav_order", "url_path", "source_path", "parent_id")
        .in_nav_order()
    )
