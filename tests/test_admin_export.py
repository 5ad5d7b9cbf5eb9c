"""The export action's zip: the same names and bytes as the shared exporter writes."""

import io
import zipfile

import pytest
from django.urls import reverse

from pages.editing.admin_export import export_zip
from pages.models import Page
from pages.sync.exporting import export_file_paths, export_pages
from tests.admin_factories import make_page
from tests.sync_helpers import run_import, write_site

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:pages_page_changelist")
SITE = {
    "docs/install.md": (
        "\ufeff---\r\nlayout: default   # theme\r\ntitle: 'Install'\r\npermalink: /setup/\r\n---\r\nRun it."
    ),
    "index.md": "---\ntitle: Home\nnav_order: 1 # first\n---\n# Home\n",
}


@pytest.fixture
def site(tmp_path):
    """Imported pages (BOM, CRLF, comments), an edited one, and admin-made pages, one clashing by path."""
    run_import(write_site(tmp_path / "site", SITE))
    home = Page.objects.get(source_path="index.md")
    home.title = "Welcome"
    home.version += 1
    home.save()
    clash = make_page(title="Install notes", url_path="/docs/install/", body="Notes.")
    fresh = make_page(title="Fresh", url_path="/guide/fresh/", parent=home, nav_order="2", body="New.")
    return {"home": home, "clash": clash, "fresh": fresh}


def zip_entries(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def exported_files(root) -> dict[str, bytes]:
    export_pages(root, record_sync=False)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.md")}


def test_zip_entries_are_byte_identical_to_export_pages(site, tmp_path):
    """Every entry has the name and the exact bytes `export_pages` writes for that page."""
    files = exported_files(tmp_path / "out")
    entries = zip_entries(export_zip(Page.objects.select_related("parent")))
    assert entries == files
    assert set(entries) == {"docs/install.md", "index.md", "docs/install-2.md", "guide/fresh.md"}
    assert entries["docs/install.md"] == SITE["docs/install.md"].encode()
    assert entries["index.md"] == b"---\ntitle: Welcome\nnav_order: 1 # first\n---\n# Home\n"


def test_admin_made_pages_get_the_exporters_free_path(site):
    """A page made in the admin whose URL maps onto an imported file's path gets the exporter's -2 name;
    imported pages keep their source paths."""
    names = export_file_paths()
    assert names == {
        Page.objects.get(source_path="docs/install.md").pk: "docs/install.md",
        site["home"].pk: "index.md",
        site["clash"].pk: "docs/install-2.md",
        site["fresh"].pk: "guide/fresh.md",
    }


def test_download_names_colliding_pages_exactly_as_export_pages(admin_client, site, tmp_path):
    """Pages whose URLs give the same file, or the name a collision gave another page, are named alike
    by the admin's download (of any selection) and by `export_pages` (-2, then -2-2, -3 ...)."""
    late = [
        make_page(title="Install html", url_path="/docs/install.html"),  # docs/install.md as well
        make_page(title="Install two", url_path="/docs/install-2/"),  # the name the first clash got
        make_page(title="Install again", url_path="/docs/install/index.html"),  # docs/install/index.md
        make_page(title="Fresh again", url_path="/guide/fresh.htm"),  # guide/fresh.md
    ]
    export_pages(tmp_path / "out", record_sync=False)
    written = {p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.md")}
    names = export_file_paths()
    assert set(names.values()) == written
    assert [names[page.pk] for page in late] == [
        "docs/install-3.md",
        "docs/install-2-2.md",
        "docs/install/index.md",
        "guide/fresh-2.md",
    ]
    selected = [site["clash"].pk, *(page.pk for page in late)]
    response = admin_client.post(CHANGELIST, {"action": "export_markdown", "_selected_action": selected})
    assert set(zip_entries(response.content)) == {names[pk] for pk in selected}
    files = {name: (tmp_path / "out" / name).read_bytes() for name in written}
    assert zip_entries(response.content) == {names[pk]: files[names[pk]] for pk in selected}


def test_export_action_zips_only_the_selected_pages(admin_client, site, tmp_path):
    """The admin action downloads a zip of the selected pages, each as export_pages writes it."""
    files = exported_files(tmp_path / "out")
    selected = [site["home"].pk, site["clash"].pk]
    response = admin_client.post(CHANGELIST, {"action": "export_markdown", "_selected_action": selected})
    assert response["Content-Type"] == "application/zip"
    assert 'filename="quire-pages.zip"' in response["Content-Disposition"]
    entries = zip_entries(response.content)
    assert entries == {name: files[name] for name in ("index.md", "docs/install-2.md")}
