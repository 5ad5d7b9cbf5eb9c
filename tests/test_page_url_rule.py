"""One rule for a page's URL (`urls_from_paths.site_path`): the import's permalink and redirect_from
and the admin's URL field give the same verdict on every input, and name the field in their message."""

import json

import pytest
from django.urls import reverse

from pages.content.urls_from_paths import site_path
from pages.models import Page, Redirect
from tests.sync_helpers import run_import, write_site

pytestmark = pytest.mark.django_db

ACCEPTED = "accepted"

# input → (verdict, the URL it becomes or the words of its refusal)
TABLE = {
    "/a:b/": ("refused", "contains ':'"),
    "/a\\b/": ("refused", "contains '\\', which browsers read as '/'"),
    "/\\evil.example/": ("refused", "contains '\\', which browsers read as '/'"),
    "//x/": ("refused", "names another site"),
    "/../": ("refused", "contains '..'"),
    "/x/../y/": ("refused", "contains '..'"),
    "/x/.": ("refused", "contains '..'"),
    "/x?y": ("refused", "contains '?' or '#'"),
    "/x#y": ("refused", "contains '?' or '#'"),
    "/x//y/": ("refused", "contains '//'"),
    "/a\tb/": ("refused", "contains a tab, line break, invisible or control character"),
    "/a\u200bb/": ("refused", "contains a tab, line break, invisible or control character"),
    "/%2e%2e/x/": ("refused", "contains an encoded"),
    "/http://x/": ("refused", "names another site"),
    "/café/": (ACCEPTED, "/café/"),
    "/my page/": (ACCEPTED, "/my page/"),
    "/docs/x": (ACCEPTED, "/docs/x"),
    "/docs/x/": (ACCEPTED, "/docs/x/"),
    "/docs/x.html": (ACCEPTED, "/docs/x.html"),
    "/.well-known-ish/": (ACCEPTED, "/.well-known-ish/"),
    "docs/x/": (ACCEPTED, "/docs/x/"),
    " /docs/x/ ": (ACCEPTED, "/docs/x/"),
}
CASES = sorted(TABLE)


@pytest.mark.parametrize("url", CASES)
def test_the_rule_itself(url):
    """site_path gives the table's verdict and names the field and the value when it refuses."""
    verdict, expected = TABLE[url]
    if verdict == ACCEPTED:
        assert site_path(url, "redirect_from") == expected
    else:
        with pytest.raises(ValueError) as info:
            site_path(url, "redirect_from")
        assert str(info.value).startswith(f"redirect_from '{url}' ") and expected in str(info.value)


def _import_with(tmp_path, key: str, url: str):
    root = write_site(tmp_path / key, {"page.md": f"---\ntitle: T\n{key}: {json.dumps(url)}\n---\nText.\n"})
    return run_import(root)


@pytest.mark.parametrize("url", CASES)
def test_import_gives_the_same_verdict_as_a_permalink_and_a_redirect(url, tmp_path):
    """As a permalink the URL becomes the page's URL; as redirect_from, an old URL; or both are refused
    with the rule's words, naming the key."""
    verdict, expected = TABLE[url]
    stored_as = {
        "permalink": lambda: Page.objects.get().url_path,
        "redirect_from": lambda: Redirect.objects.get().old_path,
    }
    for key, stored in stored_as.items():
        Page.objects.all().delete()
        report = _import_with(tmp_path, key, url)
        if verdict == ACCEPTED:
            assert report.errors == []
            assert stored() == expected
        else:
            assert len(report.errors) == 1 and Page.objects.count() == 0
            assert str(report.errors[0]).startswith(f"page.md:3:1: {key} '{url}' ")
            assert expected in str(report.errors[0])
    Page.objects.all().delete()
    report = _import_with(tmp_path, "redirect_from", url)
    if verdict == ACCEPTED:
        assert report.errors == []
        assert Redirect.objects.get().old_path == expected
    else:
        assert len(report.errors) == 1 and Page.objects.count() == 0
        assert str(report.errors[0]).startswith(f"page.md:3:1: redirect_from '{url}' ")
        assert expected in str(report.errors[0])


@pytest.mark.parametrize("url", CASES)
def test_admin_gives_the_same_verdict(admin_client, url):
    """The admin's URL field saves the same URL, or refuses it on the field with the same words."""
    verdict, expected = TABLE[url]
    data = {
        "title": "T", "url_path": url, "parent": "", "nav_order": "", "date_0": "", "date_1": "",
        "status": "draft", "base_version": "", "body": "Body", "description": "", "extra_front_matter": "",
    }  # fmt: skip
    response = admin_client.post(reverse("admin:pages_page_add"), data)
    if verdict == ACCEPTED:
        assert response.status_code == 302
        assert Page.objects.get(title="T").url_path == expected
    else:
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors["url_path"]
        assert len(errors) == 1 and errors[0].startswith("The URL ") and expected in errors[0]
        assert not Page.objects.filter(title="T").exists()
