"""Re-render every stored page: after the renderer or the sanitiser's rules change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from pages.content.rendering import RenderContext
from pages.models import Page
from pages.store.page_derivation import apply_rendering, save_sections, site_link_resolver
from pages.store.site_settings import site_baseurl
from pages.store.site_state import bump_content_version

DEFAULT_BATCH_SIZE = 200


@dataclass
class RerenderResult:
    pages: int = 0
    changed: int = 0
    with_warnings: int = 0

    def summary(self) -> str:
        return (
            f"Re-rendered {self.pages} page(s): {self.changed} changed, "
            f"{self.with_warnings} with render warnings."
        )


def rerender_pages(
    *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Callable[[int, int], None] | None = None
) -> RerenderResult:
    """Re-render body_html, toc, warnings and search sections of every page, one transaction per batch.

    Each batch bumps the content version when its transaction commits, so caches drop what it changed. The
    editing version and `updated_at` are left alone: rendering changes no one's content.
    """
    result = RerenderResult()
    resolver = site_link_resolver()
    baseurl = site_baseurl()
    ids = list(Page.objects.order_by("pk").values_list("pk", flat=True))
    total = len(ids)
    for start in range(0, total, batch_size):
        with transaction.atomic():
            for page in Page.objects.filter(pk__in=ids[start : start + batch_size]).order_by("pk"):
                before = (page.body_html, page.toc, page.render_warnings)
                context = RenderContext(
                    source_path=page.source_path,
                    resolve_source=resolver,
                    baseurl=baseurl,
                    page_url=page.url_path,
                )
                rendered = apply_rendering(page, context)
                Page.objects.filter(pk=page.pk).update(
                    body_html=page.body_html, toc=page.toc, render_warnings=page.render_warnings
                )
                save_sections(page, rendered)
                result.pages += 1
                result.changed += before != (page.body_html, page.toc, page.render_warnings)
                result.with_warnings += bool(rendered.warnings)
            bump_content_version()
        if progress:
            progress(min(start + batch_size, total), total)
    return result
