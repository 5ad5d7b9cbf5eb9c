from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from pages.models import Page
from pages.selectors import meta_description

FEED_LENGTH = 50


class LatestPagesFeed(Feed):
    """An Atom feed of the dated public pages, newest first."""

    feed_type = Atom1Feed
    link = "/"

    def title(self) -> str:
        return settings.QUIRE_SITE_NAME

    def subtitle(self) -> str:
        return f"New pages on {settings.QUIRE_SITE_NAME}"

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
