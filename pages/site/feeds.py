from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from pages.models import Page
from pages.site.selectors import meta_description
from pages.store.base_url import site_url
from pages.store.site_settings import site_info

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

    def items(self) -> list[Page]:
        """The newest FEED_LENGTH dated pages. Sorted by their ids and dates alone, then read in full:
        a database sorting the whole rows would carry every page's body through the sort."""
        ids = latest_ids()
        by_id = Page.objects.only(
            "title", "url_path", "date", "updated_at", "description", "body_html"
        ).in_bulk(ids)
        return [by_id[page_id] for page_id in ids if page_id in by_id]

    def item_link(self, page: Page) -> str:
        """The page's URL as written in HTML: under the site's base URL."""
        return site_url(page.url_path)

    def item_title(self, page: Page) -> str:
        return page.title

    def item_description(self, page: Page) -> str:
        return meta_description(page)

    def item_pubdate(self, page: Page):
        return page.date

    def item_updateddate(self, page: Page):
        return page.updated_at


def latest_ids() -> list[int]:
    """The ids of the feed's entries, newest first."""
    newest = Page.objects.published().filter(date__isnull=False).order_by("-date", "url_path")
    return list(newest.values_list("id", flat=True)[:FEED_LENGTH])
