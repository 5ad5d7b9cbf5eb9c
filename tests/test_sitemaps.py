"""The sitemap at /sitemap.xml: every public page with its last change."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from pages.models import Page

pytestmark = pytest.mark.django_db
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_sitemap_lists_public_pages_with_lastmod(client):
    """Public pages appear with their URL and last-modified date; drafts and future pages do not."""
    public = Page.objects.create(title="A", url_path="/a/")
    Page.objects.create(title="Home", url_path="/")
    Page.objects.create(title="Draft", url_path="/draft/", published=False)
    Page.objects.create(title="Later", url_path="/later/", date=timezone.now() + dt.timedelta(days=1))
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    entries = {url.find(f"{NS}loc").text: url.find(f"{NS}lastmod").text for url in root.findall(f"{NS}url")}
    assert set(entries) == {"http://testserver/", "http://testserver/a/"}
    assert entries["http://testserver/a/"] == public.updated_at.date().isoformat()
