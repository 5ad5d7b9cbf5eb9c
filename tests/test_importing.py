"""Importing folders: create, update, skip unchanged, parents, conflicts, prune, dry runs, atomicity."""

import pytest
from django.db import DatabaseError

from pages.content import markdown_io
from pages.content.rendering import Rendered
from pages.content.sections import Section
from pages.models import Page, PageSection, Redirect
from pages.store.site_state import content_version
from pages.sync import importing, render_pool
from pages.sync.exporting import export_pages
from pages.sync.importing import import_folders
from tests.conftest import CORPUS, SEED_PAGE, corpus_site_folder
from tests.sync_helpers import admin_edit, page, run_import, write_site

pytestmark = pytest.mark.django_db

BASIC = {
    "index.md": "---\ntitle: Home\nnav_order: 1\n---\n# Home\n",
    "docs/guide.md": "---\ntitle: Guide\nparent: Home\nredirect_from: /old-guide/\n---\n## Part\ntext\n",
}


def test_import_creates_pages_and_reimport_is_unchanged(tmp_path):
    """First run creates every page; a second run reports all unchanged and bumps nothing."""
    root = write_site(tmp_path, BASIC)
    report = run_import(root)
    assert (sorted(report.created), report.errors) == (["docs/guide.md", "index.md"], [])
    assert page("docs/guide.md").url_path == "/docs/guide/"
    version = content_version()
    again = run_import(root)
    assert sorted(again.unchanged) == ["docs/guide.md", "index.md"]
    assert again.summary() == "Created 0, updated 0, unchanged 2, conflicts 0, skipped 0, errors 0"
    assert content_version() == version


def test_changed_file_updates_page_increments_version_and_content_version(tmp_path):
    """An edited file updates its page; the page version and the site content version go up."""
    root = write_site(tmp_path, BASIC)
    run_import(root)
    before, site_before = page("index.md").version, content_version()
    write_site(root, {"index.md": "---\ntitle: Home\nnav_order: 2\n---\n# Hi\n"})
    report = run_import(root)
    assert report.updated == ["index.md"] and report.unchanged == ["docs/guide.md"]
    home = page("index.md")
    assert (home.nav_order, home.body, home.version) == ("2", "# Hi\n", before + 1)
    assert content_version() > site_before


def test_renamed_parent_unlinks_its_children_with_a_warning(tmp_path):
    """When a parent's title changes, children naming the old title move to the top level, reported."""
    root = write_site(tmp_path, BASIC)
    run_import(root)
    write_site(root, {"index.md": "---\ntitle: Welcome\n---\n"})
    report = run_import(root)
    assert sorted(report.updated) == ["docs/guide.md", "index.md"]
    assert report.notes["docs/guide.md"] == ["its parent changed"]
    assert report.warnings["docs/guide.md"] == ["parent 'Home' matches no page title"]
    assert page("docs/guide.md").parent is None


def test_unchanged_files_are_skipped_before_parsing(tmp_path, monkeypatch):
    """A file whose hash matches the last import is never parsed again."""
    root = write_site(tmp_path, BASIC)
    run_import(root)

    def fail(*args):
        raise AssertionError("parsed an unchanged file")

    monkeypatch.setattr(markdown_io, "read_file", fail)
    assert len(run_import(root).unchanged) == 2


def test_unchanged_files_are_neither_rendered_nor_written_again(tmp_path, monkeypatch):
    """A re-import of unchanged files renders nothing, writes no page and records no history."""
    from reversion.models import Version

    root = write_site(tmp_path, BASIC)
    run_import(root)
    versions, pages = Version.objects.count(), {p.pk: p.version for p in Page.objects.all()}

    def fail(*args):
        raise AssertionError("rendered an unchanged file")

    monkeypatch.setattr(render_pool, "render", fail)
    assert len(run_import(root).unchanged) == 2
    assert Version.objects.count() == versions
    assert {p.pk: p.version for p in Page.objects.all()} == pages


def test_parent_redirects_and_sections_are_stored(tmp_path, monkeypatch):
    """parent becomes Page.parent; redirect_from makes front-matter redirects; sections are saved."""
    sections = [Section("part", "Part", 2, "text")]
    monkeypatch.setattr(
        render_pool, "render", lambda body, context: Rendered(html="<p>x</p>", sections=sections)
    )
    run_import(write_site(tmp_path, BASIC))
    guide = page("docs/guide.md")
    assert guide.parent == page("index.md")
    assert Redirect.objects.get(old_path="/old-guide/").page == guide
    assert Redirect.objects.get(old_path="/old-guide/").from_front_matter is True
    assert PageSection.objects.filter(page=guide, heading="Part").exists()


def test_redirect_from_is_replaced_and_moved_pages_keep_a_301(tmp_path):
    """Re-import replaces redirect_from rows; a changed permalink leaves the old URL redirecting."""
    root = write_site(tmp_path, BASIC)
    run_import(root)
    write_site(root, {"docs/guide.md": "---\ntitle: Guide\npermalink: /guide/\nredirect_from: [/g/]\n---\n"})
    run_import(root)
    guide = page("docs/guide.md")
    assert guide.url_path == "/guide/"
    assert set(Redirect.objects.filter(page=guide).values_list("old_path", "from_front_matter")) == {
        ("/g/", True),
        ("/docs/guide/", False),
    }


def test_all_errors_are_reported_at_once_and_nothing_changes(tmp_path):
    """Several bad files: every error listed with file and line, and the database is untouched."""
    root = write_site(tmp_path, BASIC)
    run_import(root)
    write_site(root, {
        "index.md": "---\ntitle: Changed\n---\n",
        "bad1.md": "---\ntitle: A\ntitle: B\n---\n",
        "bad2.md": "---\ntitle: C\ndate: someday\n---\n",
    })  # fmt: skip
    report = run_import(root)
    assert sorted(str(e) for e in report.errors) == [
        "bad1.md:3:1: duplicate key 'title' (first defined on line 2)",
        "bad2.md:3:1: date: 'someday' is not a date (expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS +HHMM)",
    ]
    assert report.failed
    assert page("index.md").title == "Home"
    assert Page.objects.count() == 2


def test_skip_invalid_imports_the_valid_files(tmp_path):
    """--skip-invalid writes the valid files and lists the invalid ones as skipped."""
    root = write_site(tmp_path, {**BASIC, "bad.md": "---\n- a list\n---\n"})
    report = run_import(root, skip_invalid=True)
    assert report.skipped == ["bad.md"] and len(report.errors) == 1
    assert sorted(report.created) == ["docs/guide.md", "index.md"]
    assert not report.failed


def test_two_files_claiming_one_url_is_an_error_naming_both(tmp_path):
    """Two pages with one URL: the error names both files."""
    root = write_site(
        tmp_path, {"a.md": "---\ntitle: A\npermalink: /same/\n---\n", "same.md": "---\ntitle: S\n---\n"}
    )
    report = run_import(root)
    assert [str(e) for e in report.errors] == ["same.md: URL /same/ is also the URL of a.md"]
    assert Page.objects.count() == 0


def test_admin_edit_plus_file_change_is_a_conflict_with_a_diff(tmp_path):
    """Overlapping edits in the admin and in the file: the page is left alone and the report shows
    the three sides diff3-style (file, base, admin)."""
    root = write_site(tmp_path, BASIC)
    run_import(root)
    admin_edit(page("index.md"), body="# Edited in the admin\n")
    write_site(root, {"index.md": "---\ntitle: Home\nnav_order: 1\n---\n# Edited in the file\n"})
    report = run_import(root)
    assert report.conflicts == ["index.md"]
    assert (
        "<<<<<<< file\n# Edited in the file\n||||||| base (last sync)\n# Home\n=======\n"
        "# Edited in the admin\n>>>>>>> admin\n"
    ) in report.diffs["index.md"]
    assert page("index.md").body == "# Edited in the admin\n"


def test_prefer_file_and_prefer_db_decide_conflicts(tmp_path):
    """--prefer file takes the file; --prefer db keeps the admin edit and stops reporting it."""
    root = write_site(tmp_path, BASIC)
    run_import(root)
    admin_edit(page("index.md"), body="admin\n")
    write_site(root, {"index.md": "---\ntitle: Home\n---\nfile one\n"})
    assert run_import(root, prefer="db").skipped == ["index.md"]
    assert page("index.md").body == "admin\n"
    assert run_import(root).conflicts == []
    write_site(root, {"index.md": "---\ntitle: Home\n---\nfile two\n"})
    report = run_import(root, prefer="file")
    assert report.updated == ["index.md"] and "took the file" in report.notes["index.md"][0]
    assert page("index.md").body == "file two\n"


def test_admin_edit_with_unchanged_file_is_kept(tmp_path):
    """A re-import with the file unchanged never overwrites an admin edit, whatever --prefer says."""
    root = write_site(tmp_path, BASIC)
    run_import(root)
    admin_edit(page("index.md"), title="Renamed")
    assert run_import(root, prefer="file").unchanged
    assert page("index.md").title == "Renamed"


def test_admin_parent_choice_survives_reimport(tmp_path):
    """A parent chosen in the admin is not reset by re-importing the unchanged file."""
    root = write_site(tmp_path, {**BASIC, "other.md": "---\ntitle: Other\n---\n"})
    run_import(root)
    admin_edit(page("docs/guide.md"), parent=page("other.md"))
    report = run_import(root)
    assert sorted(report.unchanged) == ["docs/guide.md", "index.md", "other.md"] and report.updated == []
    assert page("docs/guide.md").parent == page("other.md")


def test_prune_unpublishes_pages_whose_files_are_gone(tmp_path):
    """--prune unpublishes (never deletes) pages whose file disappeared; without it they stay."""
    root = write_site(tmp_path, BASIC)
    run_import(root)
    (root / "docs" / "guide.md").unlink()
    assert run_import(root).pruned == []
    assert page("docs/guide.md").published
    report = run_import(root, prune=True)
    assert report.pruned == ["docs/guide.md"]
    assert page("docs/guide.md").published is False
    write_site(root, BASIC)
    report = run_import(root, prune=True)
    assert (report.updated, report.conflicts, report.pruned) == (["docs/guide.md"], [], [])
    assert page("docs/guide.md").published is True


def test_dry_run_reports_and_changes_nothing(tmp_path):
    """--dry-run lists what would happen, with diffs when asked, and writes nothing."""
    root = write_site(tmp_path, BASIC)
    report = run_import(root, dry_run=True)
    assert sorted(report.created) == ["docs/guide.md", "index.md"]
    assert Page.objects.count() == 0 and report.summary().endswith("(dry run: nothing was changed)")
    run_import(root)
    write_site(root, {"index.md": "---\ntitle: Home\nnav_order: 1\n---\n# New\n"})
    report = run_import(root, dry_run=True, diffs=True)
    assert report.updated == ["index.md"] and "+# New\n" in report.diffs["index.md"]
    assert page("index.md").body == "# Home\n"


def test_render_warnings_and_link_resolver_reach_the_report(tmp_path, monkeypatch):
    """Render warnings are reported per file; the resolver knows every file of the run (and posts)."""
    seen = {}

    def fake_render(body, context):
        seen[context.source_path] = context.resolve_source
        return Rendered(
            html="<p>x</p>", warnings=["{% include x %} is not converted"] if "include" in body else []
        )

    monkeypatch.setattr(render_pool, "render", fake_render)
    root = write_site(
        tmp_path, {**BASIC, "_posts/2020-01-02-hello.md": "---\ntitle: P\n---\n{% include x %}\n"}
    )
    report = run_import(root)
    assert report.warnings == {"_posts/2020-01-02-hello.md": ["{% include x %} is not converted"]}
    resolve = seen["index.md"]
    assert resolve("docs/guide.md") == "/docs/guide/"
    assert resolve("/docs/guide.md") == "/docs/guide/"
    assert resolve("2020-01-02-hello") == "/2020/01/02/hello/"
    assert resolve("missing.md") is None
    assert page("_posts/2020-01-02-hello.md").render_warnings == ["{% include x %} is not converted"]


def test_baseurl_reaches_the_renderer(tmp_path, monkeypatch, settings):
    """--baseurl (default: QUIRE_BASEURL) is handed to every render of the run."""
    seen = set()

    def fake_render(body, context):
        seen.add(context.baseurl)
        return Rendered(html="")

    monkeypatch.setattr(render_pool, "render", fake_render)
    root = write_site(tmp_path, BASIC)
    run_import(root, baseurl="/docs")
    assert seen == {"/docs"}
    settings.QUIRE_BASEURL = "/site"
    Page.objects.all().delete()
    run_import(root)
    assert seen == {"/docs", "/site"}


def test_small_batches_and_a_process_pool_give_the_same_pages(tmp_path):
    """Batching and parallel rendering change nothing in the result."""
    files = {f"p{i}.md": f"---\ntitle: P{i}\nparent: Home\n---\n## H{i}\n*t*\n" for i in range(6)}
    root = write_site(tmp_path / "a", {**BASIC, **files})
    run_import(root, batch_size=1)
    serial = {p.source_path: (p.body_html, p.parent_id is not None) for p in Page.objects.all()}
    Page.objects.all().delete()
    report = run_import(root, batch_size=3, jobs=2, parallel_threshold=1)
    assert len(report.created) == 8
    assert {p.source_path: (p.body_html, p.parent_id is not None) for p in Page.objects.all()} == serial


def test_missing_parent_is_a_warning_not_an_error(tmp_path):
    """A parent title that matches nothing imports the page at the top level with a warning."""
    report = run_import(write_site(tmp_path, {"a.md": "---\ntitle: A\nparent: Nobody\n---\n"}))
    assert report.warnings == {"a.md": ["parent 'Nobody' matches no page title"]}
    assert page("a.md").parent is None


def test_seed_page_imports(tmp_path):
    """The sample page imports with its title, nav_order and the date from its title."""
    if not SEED_PAGE.exists():
        pytest.skip("../shared/seed is not present beside this checkout")
    report = import_folders([SEED_PAGE.parent])
    assert report.created == [SEED_PAGE.name] and not report.warnings


CORPUS_WARNINGS = {
    "just-the-docs": {},
    "google-oss-fuzz": {},
    "jekyll-jekyll": {
        "_docs/conduct.md": [
            "redirect_from /conduct/index.html already redirects to /docs/code_of_conduct/; ignored"
        ],
        "_posts/2023-01-29-jekyll-3-9-3-released.markdown": [
            "date '2023-01-29 18:30:22 2023 -0800' is not in a standard form; "
            "read as 2023-01-29 18:30:22-08:00"
        ],
    },
}


@pytest.mark.parametrize("site", sorted(CORPUS_WARNINGS))
def test_corpus_site_imports_with_precise_warnings_and_reimports_unchanged(site, monkeypatch, tmp_path):
    """Each corpus site imports with no errors and exactly the expected warnings; re-import: unchanged."""
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is not present beside this checkout")
    monkeypatch.setattr(render_pool, "render", lambda body, context: Rendered(html=""))
    root = corpus_site_folder(site, tmp_path)
    report = import_folders([root])
    files = sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.suffix in {".md", ".markdown"}
    )
    assert report.errors == []
    assert sorted(report.created) == files
    assert report.warnings == CORPUS_WARNINGS[site]
    again = import_folders([root])
    assert sorted(again.unchanged) == files and again.changes == 0


def test_corpus_just_the_docs_parents_are_stored(monkeypatch):
    """The S/T/U pages get the parents their grand_parent / ancestor name."""
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is not present beside this checkout")
    monkeypatch.setattr(render_pool, "render", lambda body, context: Rendered(html=""))
    import_folders([CORPUS / "just-the-docs"])
    main = "docs/navigation/main/"
    parents = {p.source_path: p.parent.source_path for p in Page.objects.select_related("parent") if p.parent}
    assert parents[main + "xu.md"] == main + "xt.md" and parents[main + "yu.md"] == main + "yt.md"
    assert parents[main + "xt.md"] == main + "xs.md" and parents[main + "yt.md"] == main + "ys.md"
    assert parents["docs/layout/minimal/minimal.md"] == "docs/layout/layout.md"
    assert parents["docs/utilities/layout.md"] == "docs/utilities/index.md"


LONGEST = {  # front-matter key: (the Page column it fills, a value of n characters)
    "title": ("title", lambda n: "t" * n),
    "nav_order": ("nav_order", lambda n: "n" * n),
    "permalink": ("url_path", lambda n: "/" + "p" * (n - 2) + "/"),
}


@pytest.mark.parametrize("key", LONGEST)
def test_the_longest_value_a_column_holds_is_stored_and_one_more_is_refused(tmp_path, key):
    """A value as long as its column (read from the model) is imported, stored whole and exported
    byte for byte; one character more is an error naming the key, its line and the limit."""
    column, value = LONGEST[key]
    limit = Page._meta.get_field(column).max_length

    def source(n: int) -> str:
        title = value(n) if key == "title" else "T"
        return f"---\ntitle: {title}\n" + ("" if key == "title" else f"{key}: {value(n)}\n") + "---\nBody\n"

    root = write_site(tmp_path / "site", {"a.md": source(limit)})
    assert run_import(root).errors == []
    assert getattr(page("a.md"), column) == value(limit)
    assert export_pages(tmp_path / "out").created == ["a.md"]
    assert (tmp_path / "out" / "a.md").read_text(encoding="utf-8") == source(limit)
    write_site(root, {"a.md": source(limit + 1)})
    line = 2 if key == "title" else 3
    assert [str(e) for e in run_import(root).errors] == [
        f"a.md:{line}:1: {key}: is {limit + 1} characters long; at most {limit} fit"
    ]
    assert getattr(page("a.md"), column) == value(limit)


def test_an_import_without_options_writes_but_decides_nothing_for_the_user(tmp_path):
    """No options: pages are written, yet a conflict is left alone (no --prefer), a page whose file is
    gone stays published (no --prune), and one invalid file stops the run (no --skip-invalid)."""
    root = write_site(tmp_path, BASIC)
    assert sorted(import_folders([root]).created) == ["docs/guide.md", "index.md"]
    admin_edit(page("index.md"), body="admin\n")
    write_site(root, {"index.md": "---\ntitle: Home\n---\nfile\n"})
    (root / "docs" / "guide.md").unlink()
    report = import_folders([root])
    assert (report.conflicts, report.pruned) == (["index.md"], [])
    assert page("index.md").body == "admin\n" and page("docs/guide.md").published
    write_site(root, {"new.md": "---\ntitle: New\n---\n", "bad.md": "---\ntitle: [\n---\n"})
    report = import_folders([root])
    assert [e.path for e in report.errors] == ["bad.md"] and not Page.objects.filter(source_path="new.md")


def test_corpus_render_warnings_are_reported_per_file_and_stored():
    """With the real renderer, unconverted Liquid is reported for the file it is in and kept on the page."""
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is not present beside this checkout")
    report = import_folders([CORPUS / "just-the-docs"])
    assert report.errors == []
    home = page("index.md")
    assert home.render_warnings and report.warnings["index.md"] == home.render_warnings
    assert any("{% for %}" in warning for warning in home.render_warnings)
    stored = {p.source_path: p.render_warnings for p in Page.objects.all() if p.render_warnings}
    assert stored == report.warnings


def test_render_warnings_name_the_line_in_the_file(tmp_path):
    """A Liquid tag Quire cannot convert is reported with its line in the file, front matter counted."""
    site = write_site(
        tmp_path, {"a.md": "---\ntitle: A\nnav_order: 1\n---\n\nIntro.\n\n{% include nav.html %}\n"}
    )
    report = run_import(site)
    assert len(report.warnings["a.md"]) == 1
    assert "line 8" in report.warnings["a.md"][0]


@pytest.mark.django_db
def test_an_import_on_sqlite_holds_a_larger_page_cache_only_while_it_runs():
    """SQLite's page cache is raised for the import's transaction and put back after it (PostgreSQL
    has no such setting: nothing is changed there)."""
    from django.db import connection

    from pages.sync.import_lock import SQLITE_IMPORT_CACHE_KIB, import_transaction

    def cache_size():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size" if connection.vendor == "sqlite" else "SHOW work_mem")
            return cursor.fetchone()[0]

    before = cache_size()
    with import_transaction(1):
        during = cache_size()
    assert cache_size() == before
    if connection.vendor == "sqlite":
        assert during == -SQLITE_IMPORT_CACHE_KIB != before
    else:
        assert during == before


def _insert_trigger_installed() -> bool:
    from django.db import connection

    from pages.store import search

    check, expected = search._TRIGGER_CHECKS[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(check)
        return cursor.fetchone()[0] == expected


@pytest.mark.django_db
def test_every_imported_section_is_searchable_and_the_index_triggers_stay(tmp_path, monkeypatch):
    """The import indexes its sections a batch at a time (SQLite) and leaves the per-row triggers in
    place for every other writer, after a good run and after a failed one."""
    from pages.store.search import search

    files = {
        f"p{i}.md": f"---\ntitle: Page {i}\n---\n# Page {i}\n\n## Part\n\nokapi{i} grazing\n"
        for i in range(7)
    }
    root = write_site(tmp_path / "site", files)
    report = run_import(root, batch_size=2, jobs=2, parallel_threshold=1)
    assert len(report.created) == 7
    for i in range(7):
        assert [hit.url for hit in search(f"okapi{i}")] == [f"/p{i}/#part"]
    assert _insert_trigger_installed()
    page = Page.objects.create(title="Saved", url_path="/saved/")
    PageSection.objects.create(page=page, position=0, heading="Zebu", text="written after the import")
    assert [hit.url for hit in search("zebu")] == ["/saved/"]

    # Runs that fail after writing began: a body that cannot be rendered, then a database error.
    (root / "p3.md").write_text("---\ntitle: Page 3\n---\n## Part\n\nchanged text: quokka\n")
    (root / "p5.md").write_text("---\ntitle: Page 5\n---\nunrenderable\n")
    real_render = render_pool.render

    def render_or_fail(body, context):
        if "unrenderable" in body:
            raise ValueError("boom")
        return real_render(body, context)

    monkeypatch.setattr(render_pool, "render", render_or_fail)
    failed = run_import(root, batch_size=1)
    assert failed.errors and not failed.written
    assert _insert_trigger_installed()
    assert search("quokka") == [] and [hit.url for hit in search("okapi3")] == ["/p3/#part"]

    monkeypatch.setattr(render_pool, "render", real_render)

    def broken_insert(*args, **kwargs):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(importing, "insert_rows", broken_insert)
    failed = run_import(root, batch_size=1)
    assert "disk I/O error" in str(failed.errors[-1]) and not failed.written
    assert _insert_trigger_installed()
    assert search("quokka") == [] and [hit.url for hit in search("okapi3")] == ["/p3/#part"]


@pytest.mark.django_db
def test_a_file_whose_url_quire_answers_itself_is_an_error_naming_file_and_line(tmp_path):
    """`search.md` would be /search/ and `rss.md` says `permalink: /feed.xml`: both would be hidden by
    Quire's own pages, so the run stops naming each (and its permalink line); --skip-invalid imports
    the rest."""
    root = write_site(
        tmp_path,
        {
            "search.md": "---\ntitle: Search tips\n---\nHow to search.\n",
            "rss.md": "---\ntitle: RSS\nlayout: default\npermalink: /feed.xml\n---\nFeeds.\n",
            "ok.md": "---\ntitle: Fine\n---\nFine.\n",
        },
    )
    report = run_import(root)
    assert not report.written and Page.objects.count() == 0
    found = {(e.path, e.line) for e in report.errors}
    assert found == {("search.md", None), ("rss.md", 4)}
    messages = " | ".join(str(e) for e in report.errors)
    assert "the URL /search/ is Quire's own (search)" in messages and "(set a permalink)" in messages
    assert "the URL /feed.xml is Quire's own (feed)" in messages
    assert run_import(root, skip_invalid=True).created == ["ok.md"]
