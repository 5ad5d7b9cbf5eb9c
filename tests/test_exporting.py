"""Exporting pages to files: byte-identical round trips, minimal edits, admin-made pages, content hash."""

import datetime as dt

import pytest

from pages.content.rendering import Rendered
from pages.models import Page
from pages.sync import render_pool
from pages.sync.exporting import export_pages
from pages.sync.importing import import_folders
from pages.sync.page_files import content_hash, edited_since_sync, page_file_text
from tests.conftest import CORPUS, SEED_PAGE, corpus_site_folder
from tests.sync_helpers import admin_edit, page, run_import, write_site

pytestmark = pytest.mark.django_db

ORIGINAL = (
    "---\n"
    "layout: default   # the theme's layout\n"
    'title: "Install"\n'
    "nav_order: 2\n"
    "parent: Home\n"
    "---\n"
    "Body text\n"
)
HOME = "---\ntitle: Home\n---\n"


def files_under(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def no_render(monkeypatch):
    """Rendering is not what these tests are about; skip its cost on the big corpus."""
    monkeypatch.setattr(render_pool, "render", lambda body, context: Rendered(html=""))


@pytest.mark.parametrize("site", ["just-the-docs", "jekyll-jekyll", "google-oss-fuzz"])
def test_corpus_round_trip_is_byte_identical(site, tmp_path, no_render):
    """Import then export gives back every corpus file byte for byte (pages and other files; the
    _config.yml is read, never written)."""
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is not present beside this checkout")
    root = corpus_site_folder(site, tmp_path)
    import_folders([root])
    export_pages(tmp_path / "out")
    originals = {k: v for k, v in files_under(root).items() if k != "_config.yml"}
    assert files_under(tmp_path / "out") == originals


def test_seed_page_round_trip_is_byte_identical(tmp_path):
    """The sample page comes back byte for byte."""
    if not SEED_PAGE.exists():
        pytest.skip("../shared/seed is not present beside this checkout")
    import_folders([SEED_PAGE.parent])
    export_pages(tmp_path)
    assert (tmp_path / SEED_PAGE.name).read_bytes() == SEED_PAGE.read_bytes()


def test_bom_crlf_and_missing_final_newline_survive(tmp_path):
    """BOM, CRLF and a missing final newline are written back as they were."""
    data = {"a.md": b"\xef\xbb\xbf---\r\ntitle: A\r\n---\r\nline\r\nlast", "b.md": b"no front matter"}
    root = write_site(tmp_path / "in", data)
    run_import(root)
    export_pages(tmp_path / "out")
    assert files_under(tmp_path / "out") == data


def test_title_edit_rewrites_only_the_title(tmp_path):
    """An admin title change rewrites that scalar; comments, quotes and other keys stay verbatim."""
    root = write_site(tmp_path / "in", {"index.md": HOME, "install.md": ORIGINAL})
    run_import(root)
    admin_edit(page("install.md"), title="Install: quickly")
    export_pages(tmp_path / "out")
    expected = ORIGINAL.replace('title: "Install"', "title: 'Install: quickly'")
    assert (tmp_path / "out" / "install.md").read_text() == expected


def test_field_edits_touch_only_their_keys(tmp_path):
    """nav_order cleared, URL and flags changed, description added: just those keys change."""
    root = write_site(tmp_path / "in", {"index.md": HOME, "install.md": ORIGINAL})
    run_import(root)
    admin_edit(page("install.md"), nav_order="", url_path="/setup/", published=False, description="How")
    text = page_file_text(page("install.md"))
    assert text == (
        '---\nlayout: default   # the theme\'s layout\ntitle: "Install"\nparent: Home\n'
        "permalink: /setup/\npublished: false\ndescription: How\n---\nBody text\n"
    )


def test_parent_and_date_edits(tmp_path):
    """A new parent is written by title; a changed date as text with its offset."""
    root = write_site(
        tmp_path / "in", {"index.md": HOME, "other.md": "---\ntitle: Other\n---\n", "install.md": ORIGINAL}
    )
    run_import(root)
    when = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)
    admin_edit(page("install.md"), parent=page("other.md"), date=when)
    text = page_file_text(page("install.md"))
    assert "parent: Other\n" in text and "date: 2024-05-01 09:30:00 +0000\n" in text
    assert "parent: Home" not in text


def test_edited_pages_reimport_to_what_the_editor_saw(tmp_path):
    """Export after admin edits, then re-import: the page keeps the edited values and reports unchanged."""
    root = write_site(tmp_path / "in", {"index.md": HOME, "install.md": ORIGINAL})
    run_import(root)
    admin_edit(page("install.md"), title="Setup", nav_order="4.5", body="New body\n")
    export_pages(root)
    report = run_import(root)
    assert sorted(report.unchanged) == ["index.md", "install.md"]
    again = page("install.md")
    assert (again.title, again.nav_order, again.body) == ("Setup", "4.5", "New body\n")


def test_admin_made_page_gets_a_path_from_its_url(tmp_path):
    """A page created in the admin is written at a path made from its URL, with its fields."""
    Page.objects.create(title="Release notes", url_path="/docs/release-notes/", nav_order="3", body="Hi\n")
    result = export_pages(tmp_path)
    assert result.created == ["docs/release-notes.md"]
    text = (tmp_path / "docs" / "release-notes.md").read_text()
    assert text == "---\ntitle: Release notes\nnav_order: 3\n---\nHi\n"
    made = Page.objects.get()
    assert made.source_path == "docs/release-notes.md"
    assert run_import(tmp_path).unchanged == ["docs/release-notes.md"]


def test_content_hash_is_the_file_hash_until_an_edit(tmp_path):
    """After import the content hash equals the file's hash; an admin edit changes it."""
    root = write_site(tmp_path, {"index.md": HOME})
    run_import(root)
    home = page("index.md")
    assert content_hash(home) == home.file_hash == home.synced_content_hash
    admin_edit(home, body="changed\n")
    assert content_hash(home) != home.synced_content_hash


def test_edited_since_sync_is_an_edit_after_the_last_import_or_export(tmp_path):
    """Imported and untouched: not edited; an admin edit: edited; exported again: not edited; a page
    made in the admin and never synced has no sync to differ from."""
    root = write_site(tmp_path, {"index.md": HOME})
    run_import(root)
    assert not edited_since_sync(page("index.md"))
    admin_edit(page("index.md"), body="changed\n")
    assert edited_since_sync(page("index.md"))
    export_pages(root)
    assert not edited_since_sync(page("index.md"))
    made = Page.objects.create(title="Made here", url_path="/made/", body="Hi\n")
    assert not edited_since_sync(made)


def test_unchanged_files_are_not_rewritten_and_dry_run_writes_nothing(tmp_path):
    """Export leaves identical files alone; --dry-run lists changes without writing."""
    root = write_site(tmp_path, {"index.md": HOME})
    run_import(root)
    target = root / "index.md"
    before = target.stat().st_mtime_ns
    assert export_pages(root).unchanged == ["index.md"]
    assert target.stat().st_mtime_ns == before
    admin_edit(page("index.md"), body="new\n")
    assert export_pages(root, dry_run=True).updated == ["index.md"]
    assert target.read_text() == HOME


def test_edit_in_a_crlf_file_keeps_crlf_and_bom(tmp_path):
    """An edited CRLF file with a BOM is written back CRLF with its BOM; only the title line differs."""
    data = b"\xef\xbb\xbf---\r\ntitle: Old\r\nlayout: x\r\n---\r\nBody\r\n"
    root = write_site(tmp_path, {"a.md": data})
    run_import(root)
    admin_edit(page("a.md"), title="New", body="Body\r\nmore")
    export_pages(root)
    assert (
        root / "a.md"
    ).read_bytes() == b"\xef\xbb\xbf---\r\ntitle: New\r\nlayout: x\r\n---\r\nBody\r\nmore\r\n"


def test_renaming_a_parent_in_the_admin_keeps_children_attached(tmp_path):
    """Export writes the parent's new title into its children, so re-importing keeps the tree."""
    root = write_site(tmp_path, {"index.md": HOME, "install.md": ORIGINAL})
    run_import(root)
    admin_edit(page("index.md"), title="Start")
    assert content_hash(page("install.md")) == page("install.md").synced_content_hash
    export_pages(root)
    assert "parent: Start\n" in (root / "install.md").read_text()
    report = run_import(root)
    assert sorted(report.unchanged) == ["index.md", "install.md"]
    assert page("install.md").parent == page("index.md")


@pytest.mark.parametrize(("typed", "written"), [("3", "3"), ("4.5", "4.5"), ("b", "b"), ("4.50", "'4.50'")])
def test_nav_order_typed_in_the_admin_reads_back_as_typed(tmp_path, typed, written):
    """nav_order is written as a number only when that reads back exactly as the editor typed it."""
    root = write_site(tmp_path, {"index.md": HOME})
    run_import(root)
    admin_edit(page("index.md"), nav_order=typed)
    export_pages(root)
    assert f"nav_order: {written}\n" in (root / "index.md").read_text()
    assert run_import(root).unchanged == ["index.md"] and page("index.md").nav_order == typed
