from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from pages.base_url import site_url
from pages.models import Page
from pages.selectors import meta_description
from pages.site_settings import site_info

FEED_LENGTH = 50


class LatestPagesFeed(Feed):
    """An Atom feed of the dated public pages, newest first."""

    feed_type = Atom1Feed

    def link(self) -> str:
        return site_url("/")

    def title(self) -> str:
        return site_info().name

    def subtitle(self) -> str:
        return f"New pages on {site_info().name}"

    def items(self):
        return (
            Page.objects.published()
            .filter(date__isnull=False)
            .only("title", "url_path", "date", "updated_at", "description", "body_html")
            .order_by("-date", "url_path")[:FEED_LENGTH]
        )

    def item_title(self, page: Page) -> str:
        return page.title

    def item_description(self, page: Page) -> str:
        return meta_description(page)

    def item_pubdate(self, page: Page):
        return page.date

    def item_updateddate(self, page: Page):
        return page.updated_at
