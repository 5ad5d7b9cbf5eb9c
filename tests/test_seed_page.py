"""The sample page the product was started from imports and renders as written."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.core.management import call_command

from pages.models import Page
from pages.store.base_url import site_url

pytestmark = pytest.mark.django_db


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.texts: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)
        self.texts.setdefault(tag, [])

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        for tag in set(self.stack):
            self.texts.setdefault(tag, []).append(data)


def test_seed_page_imports_with_title_order_and_date(seed_dir, capsys):
    call_command("import_pages", str(seed_dir))
    page = Page.objects.get()
    assert page.title == "2024-10-27 First page"
    assert page.nav_order == "2"
    assert page.date.date() == dt.date(2024, 10, 27)
    assert page.source_path == "2024-10-27-first-page.md"


def test_seed_page_body_renders_heading_lists_and_bold(seed_dir):
    call_command("import_pages", str(seed_dir))
    page = Page.objects.get()
    parsed = TagCollector()
    parsed.feed(page.body_html)
    assert "".join(parsed.texts["h1"]).strip() == "What is generative AI"
    assert "ol" in parsed.texts and "ul" in parsed.texts
    assert "Art and Design" in "".join(parsed.texts["strong"])


def test_seed_page_is_served(seed_dir, client):
    call_command("import_pages", str(seed_dir))
    page = Page.objects.get()
    response = client.get(site_url(page.url_path))
    assert response.status_code == 200
    assert "What is generative AI" in response.content.decode()
