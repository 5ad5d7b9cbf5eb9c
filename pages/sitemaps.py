from django.contrib.sitemaps import Sitemap

from pages.models import Page


class PageSitemap(Sitemap):
    """Every public page, with its last change as `lastmod`."""

    def items(self):
        return Page.objects.published().only("url_path", "updated_at").order_by("url_path")

    def lastmod(self, page: Page):
        return page.updated_at
