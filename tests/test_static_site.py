"""`manage.py build_site`: the public site as files, served by nginx and crawled."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from pages.models import Page, PageSection, Redirect
from pages.site.static_site import BuildError, build_site, normalise_base_url, output_path
from tests.conftest import SAMPLE_CONTENT
from tests.static_server import crawl, fetch, serve

pytestmark = pytest.mark.django_db(transaction=True)

SITE_URL = "https://docs.example.org"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def site(settings, tmp_path):
    """The user guide, plus an uploaded image shown on a page, a moved page, a draft and a page kept
    out of search."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "uploads" / "2026").mkdir(parents=True)
    (settings.MEDIA_ROOT / "uploads" / "2026" / "dot.png").write_bytes(PNG)
    call_command("import_pages", str(SAMPLE_CONTENT), verbosity=0)
    deployment = Page.objects.get(url_path="/deployment/")
    PageSection.objects.create(
        page=deployment, position=99, anchor="static-files", heading="Static files", level=2,
        text="Static files are served by WhiteNoise with compressed, content-hashed names.",
    )  # fmt: skip
    Redirect.objects.create(old_path="/old/deploying/", page=deployment)
    Page.objects.create(
        title="Picture",
        url_path="/picture.html",
        body_html='<p><img src="/media/uploads/2026/dot.png" alt="dot"></p>',
    )
    Page.objects.create(title="Secret draft", url_path="/draft/", published=False, body_html="<p>draft</p>")
    hidden = Page.objects.create(
        title="Hidden", url_path="/hidden/", search_exclude=True, body_html="<p>x</p>"
    )
    PageSection.objects.create(page=hidden, position=0, heading="Hidden words", text="zebracorn")
    return tmp_path


def build(out: Path, **options):
    return build_site(out, site_url=SITE_URL, **options)


def static_index(out: Path, base_url: str = "/") -> list:
    """The static search index's pages from its manifest and parts, in URL order."""
    manifest = json.loads((out / "-/search-index.json").read_text())
    pages = []
    for url in manifest["parts"]:
        assert url.startswith(base_url + "-/search-index/"), url
        pages += json.loads((out / url.removeprefix(base_url)).read_text())["pages"]
    return sorted(pages, key=lambda page: page[1])


# -------------------------------------------------------------------------------------------- paths
@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/", "index.html"),
        ("/a/b/", "a/b/index.html"),
        ("/a/b.html", "a/b.html"),
        ("/a/b", "a/b/index.html"),
        ("/feed.xml", "feed.xml"),
        ("/caf%C3%A9/", "café/index.html"),
    ],
)
def test_output_path_follows_the_url(url, path):
    assert output_path(url) == path


def test_output_path_refuses_to_climb_out():
    with pytest.raises(BuildError, match="cannot be written"):
        output_path("/a/../../etc/passwd")


@pytest.mark.parametrize(
    ("value", "expected"), [("", "/"), ("/", "/"), ("docs", "/docs/"), ("/a/b", "/a/b/")]
)
def test_base_url_is_normalised(value, expected):
    assert normalise_base_url(value) == expected


@pytest.mark.parametrize("value", ["https://x.org/docs/", "/a/../b/", "/a b/", "//cdn/"])
def test_bad_base_url_is_refused_with_its_value(value):
    with pytest.raises(BuildError, match="--base-url"):
        normalise_base_url(value)


def test_command_reports_a_bad_option_clearly(site):
    with pytest.raises(CommandError, match="--site-url 'ftp://x' is not an address"):
        call_command("build_site", str(site / "out"), "--site-url", "ftp://x", verbosity=0)


# -------------------------------------------------------------------------------------------- files
def test_pages_are_what_the_server_sends_an_anonymous_reader(site, settings):
    settings.ALLOWED_HOSTS = ["docs.example.org"]
    out = site / "out"
    report = build(out)
    # The server as in production: hashed static names, from what collectstatic wrote.
    settings.STATIC_ROOT = out / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    client = Client(HTTP_HOST="docs.example.org")
    public = {*Page.objects.published().values_list("url_path", flat=True), "/"}
    assert report.pages == len(public)
    for url in public:
        served = client.get(url, secure=True).content.decode()
        written = (out / output_path(url)).read_text(encoding="utf-8")
        # The one difference: in a static build the header's search names its index.
        assert ' data-search-index="/-/search-index.json"' in written
        assert written.replace(' data-search-index="/-/search-index.json"', "") == served, url
    assert not (out / "draft").exists()
    assert (out / "picture.html").is_file()


def test_site_files_are_written(site):
    out = site / "out"
    build(out)
    assert "<feed" in (out / "feed.xml").read_text()
    assert "https://docs.example.org/deployment/" in (out / "sitemap.xml").read_text()
    assert "Sitemap: https://docs.example.org/sitemap.xml" in (out / "robots.txt").read_text()
    assert "Page not found" in (out / "404.html").read_text()
    assert (out / ".nojekyll").exists()
    assert (out / "media/uploads/2026/dot.png").read_bytes() == PNG
    hashed = [
        p.name for p in (out / "static/quire").iterdir() if re.fullmatch(r"site\.[0-9a-f]{12}\.css", p.name)
    ]
    assert hashed and f"/static/quire/{hashed[0]}" in (out / "index.html").read_text()
    assert not (out / "static/admin").exists()
    branches = list((out / "-/nav").glob("*/index.html"))
    assert branches and all('class="nav-list"' in b.read_text() for b in branches)


def test_moved_pages_become_redirect_pages_and_a_redirects_file(site):
    out = site / "out"
    build(out)
    html = (out / "old/deploying/index.html").read_text()
    assert '<link rel="canonical" href="https://docs.example.org/deployment/">' in html
    assert '<meta http-equiv="refresh" content="0; url=/deployment/">' in html
    assert "/old/deploying/ /deployment/ 301" in (out / "_redirects").read_text().splitlines()


def test_search_index_holds_the_searchable_sections_only(site):
    out = site / "out"
    build(out)
    pages = static_index(out)
    titles = {title for title, _url, _sections in pages}
    assert "Deployment" in titles and "Hidden" not in titles and "Secret draft" not in titles
    rows = [(url, *section) for _title, url, sections in pages for section in sections]
    assert ("/deployment/", "static-files", "Static files", "Static files are served by WhiteNoise with "
            "compressed, content-hashed names.") in rows  # fmt: skip
    assert not any("zebracorn" in row[3] for row in rows)


# ------------------------------------------------------------------------------------------ serving
def test_crawl_from_the_root_reaches_every_page_with_nothing_broken(site):
    out = site / "out"
    build(out)
    with serve(out) as origin:
        seen, broken = crawl(origin + "/")
        assert broken == []
        for url in Page.objects.published().values_list("url_path", flat=True):
            assert origin + url in seen, url
        assert any(url.endswith("/media/uploads/2026/dot.png") for url in seen)
        assert any("/-/nav/" in url for url in seen)
        assert any(re.search(r"/static/quire/site\.[0-9a-f]{12}\.css$", url) for url in seen)
        assert any(re.search(r"/static/quire/site\.[0-9a-f]{12}\.js$", url) for url in seen)
        status, final, _, body = fetch(origin + "/old/deploying/")
        assert status == 200 and b'http-equiv="refresh"' in body
        status, _, content_type, body = fetch(origin + "/no/such/page/")
        assert (status, content_type) == (404, "text/html") and b"Page not found" in body


def test_crawl_under_a_base_url_prefix(site):
    out = site / "handbook"
    build(out, base_url="/handbook/")
    page = (out / "deployment/index.html").read_text()
    for attribute in re.findall(r'\s(?:href|src|action|data-[\w-]+)="(/[^"]*)"', page):
        assert attribute.startswith("/handbook/"), attribute
    assert '<link rel="canonical" href="https://docs.example.org/handbook/deployment/">' in page
    assert "https://docs.example.org/handbook/deployment/" in (out / "sitemap.xml").read_text()
    assert "/handbook/old/deploying/ /handbook/deployment/ 301" in (out / "_redirects").read_text()
    pages = static_index(out, "/handbook/")
    assert pages and all(url.startswith("/handbook/") for _title, url, _sections in pages)
    with serve(out, "/handbook/") as origin:
        seen, broken = crawl(origin + "/handbook/")
        assert broken == []
        assert all(url.startswith(origin + "/handbook/") for url in seen)
        for url in Page.objects.published().values_list("url_path", flat=True):
            assert f"{origin}/handbook{url}" in seen, url
        assert any(url.endswith("/handbook/media/uploads/2026/dot.png") for url in seen)
        status, _, _, body = fetch(origin + "/handbook/no/such/page/")
        assert status == 404 and b"Page not found" in body and b'href="/handbook/' in body


def test_building_for_a_prefix_leaves_the_server_unprefixed(site):
    """The build's navigation and caches are its own: the running site's links keep their form."""
    build(site / "out", base_url="/handbook/")
    html = Client().get("/deployment/").content.decode()
    assert re.findall(r'(?:href|src|action|data-[\w-]+)="/handbook/', html) == []
    assert 'data-branch="/-/nav/' in html


# -------------------------------------------------------------------------------------- incremental
def _mtimes(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_incremental_build_rewrites_only_what_changed_and_deletes_what_is_gone(site):
    out = site / "out"
    Page.objects.create(title="Notes", url_path="/notes.html", nav_exclude=True, body_html="<p>n</p>")
    build(out)
    before = _mtimes(out)
    again = build(out, incremental=True)
    assert again.rendered == 0 and again.written == [] and again.deleted == []
    assert _mtimes(out) == before

    page = Page.objects.get(url_path="/callouts/")
    page.body_html = page.body_html.replace("</p>", " Changed today.</p>", 1)
    page.save()
    Page.objects.get(url_path="/notes.html").delete()  # not in the sidebar: no other page changes
    report = build(out, incremental=True)
    assert report.rendered == 1
    assert "callouts/index.html" in report.written
    assert "Changed today." in (out / "callouts/index.html").read_text()
    assert not (out / "notes.html").exists()
    parts = re.compile(r"-/search-index/[0-9a-f]{32}\.json")
    assert [path for path in report.deleted if not parts.fullmatch(path)] == ["notes.html"]
    # Only the changed page, and the lists it is in (its "last updated" date is in the sitemap and feed).
    lists = {"callouts/index.html", "sitemap.xml", "feed.xml", "-/search-index.json"}
    assert {path for path in report.written if not parts.fullmatch(path)} <= lists
    after = _mtimes(out)
    untouched = set(before) - {".quire-build.json", *report.written, *report.deleted}
    assert all(after[path] == before[path] for path in untouched)


def _files(out: Path) -> dict[str, bytes]:
    """Every file of a build but its manifest, by path."""
    found = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    found.pop(".quire-build.json")
    return found


def test_an_incremental_build_after_changes_gives_exactly_the_files_a_full_build_gives(site, settings):
    """Changed bodies, titles and sidebar order, a new child page, a deleted page, a new redirect, a page
    leaving search, an uploaded file and a lower navigation window: the folder an incremental build
    leaves holds the same files, byte for byte, as a full build of the same content."""
    out = site / "out"
    settings.QUIRE_NAV_WINDOW = 0
    # Dated pages, so the feed has entries (an empty feed's <updated> is the time it is written).
    Page.objects.filter(url_path__in=["/callouts/", "/editing/"]).update(date=timezone.now())
    Page.objects.create(title="Notes", url_path="/notes.html", nav_exclude=True, body_html="<p>n</p>")
    build(out)

    callouts = Page.objects.get(url_path="/callouts/")
    callouts.body_html = callouts.body_html.replace("</p>", " Changed today.</p>", 1)
    callouts.save()
    Page.objects.get(url_path="/notes.html").delete()
    Redirect.objects.create(old_path="/old/callouts/", page=callouts)
    (settings.MEDIA_ROOT / "uploads" / "2026" / "dot2.png").write_bytes(PNG)
    report = build(out, incremental=True)
    assert report.rendered == 1
    build(site / "full")
    assert _files(out) == _files(site / "full")

    editing = Page.objects.get(url_path="/editing/")
    editing.title = "Editing pages"
    editing.nav_order = "1"
    editing.search_exclude = True
    editing.save()
    for number in range(3):  # a branch longer than the window below
        Page.objects.create(
            title=f"Child {number} of deployment",
            url_path=f"/deployment/child-{number}/",
            parent=Page.objects.get(url_path="/deployment/"),
            body_html="<p>child</p>",
        )
    build(out, incremental=True)
    build(site / "full")
    assert _files(out) == _files(site / "full")

    settings.QUIRE_NAV_WINDOW = 2  # "more pages" entries and their ranges appear
    build(out, incremental=True)
    build(site / "full")
    assert any(re.fullmatch(r"-/nav/\d+/\d+-\d+/index.html", path) for path in _files(out))
    assert _files(out) == _files(site / "full")


def test_incremental_build_follows_a_title_change_into_the_sidebars(site):
    out = site / "out"
    build(out)
    page = Page.objects.get(url_path="/deployment/")
    page.title = "Deploying Quire"
    page.save()
    report = build(out, incremental=True)
    # Every page shows the top level of the sidebar, where the page is listed.
    assert report.rendered == report.pages
    assert "Deploying Quire" in (out / "index.html").read_text()


def test_a_full_build_deletes_only_files_it_wrote(site):
    out = site / "out"
    out.mkdir()
    (out / "CNAME").write_text("docs.example.org\n")
    build(out)
    Page.objects.get(url_path="/picture.html").delete()
    report = build(out)
    assert [path for path in report.deleted if not path.startswith("-/search-index/")] == ["picture.html"]
    assert (out / "CNAME").read_text() == "docs.example.org\n"


# ------------------------------------------------------------------------------------------- workers
def test_forked_workers_write_what_one_process_writes(tmp_path):
    """On a database file, pages are rendered by forked processes; the folder is the same as one
    process writes, and so is the manifest an incremental build then relies on."""
    import os
    import subprocess
    import sys

    from bench import corpus

    corpus.generate(tmp_path / "content", 240)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "site_project.settings",
        "DJANGO_SECRET_KEY": "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
    }

    def manage(*args) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], env=env, check=True, capture_output=True)
        return done.stdout.decode()

    manage("migrate", "--noinput")
    manage("import_pages", str(tmp_path / "content"))
    manage("build_site", str(tmp_path / "one"), "--workers", "1", "--site-url", SITE_URL)
    assert "241 rendered by 2 processes" in manage(
        "build_site", str(tmp_path / "two"), "--workers", "2", "--site-url", SITE_URL
    )
    one = {
        p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*") if p.is_file()
    }
    two = {
        p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*") if p.is_file()
    }
    assert len(one) > 240 and one.keys() == two.keys()
    assert [path for path in one if one[path] != two[path]] == []


def test_incremental_search_index_equals_a_fresh_one(site):
    """Sections of unchanged pages are taken over from the previous index; the result is the index a
    fresh build writes."""
    out = site / "out"
    build(out)
    page = Page.objects.get(url_path="/callouts/")
    page.sections.all().delete()
    PageSection.objects.create(page=page, position=0, heading="Fresh heading", text="quasar  words\n here")
    page.save()
    Page.objects.filter(url_path="/editing/").update(search_exclude=True)
    report = build(out, incremental=True)
    assert "-/search-index.json" in report.written
    build(site / "fresh")
    assert (out / "-/search-index.json").read_bytes() == (site / "fresh/-/search-index.json").read_bytes()
    incremental = static_index(out)
    assert incremental == static_index(site / "fresh")
    assert ["Callouts", "/callouts/", [["", "Fresh heading", "quasar words here"]]] in incremental
    assert "Editing" not in {title for title, _url, _sections in incremental}


def test_only_the_search_index_parts_holding_a_changed_page_are_written(site, monkeypatch):
    """Pages go into parts by a hash of their URL; a change rewrites its page's part and the manifest,
    keeps the other parts untouched, and deletes the part it replaced."""
    from pages.site import static_search

    monkeypatch.setattr(static_search, "PAGES_PER_PART", 2)
    out = site / "out"
    build(out)
    manifest = json.loads((out / "-/search-index.json").read_text())
    assert len(manifest["parts"]) >= 4
    before = _mtimes(out)
    page = Page.objects.get(url_path="/callouts/")
    PageSection.objects.filter(page=page).update(text="Nebula words")
    page.save()
    report = build(out, incremental=True)
    parts = [path for path in report.written if path.startswith("-/search-index/")]
    assert len(parts) == 1 and "-/search-index.json" in report.written
    assert [path for path in report.deleted if path.startswith("-/search-index/")] != []
    after = _mtimes(out)
    kept = [path for path in before if path.startswith("-/search-index/") and path in after]
    assert len(kept) == len(manifest["parts"]) - 1
    assert all(after[path] == before[path] for path in kept)
    assert any("Nebula words" in str(sections) for _t, _u, sections in static_index(out))
    build(site / "fresh")
    assert (out / "-/search-index.json").read_bytes() == (site / "fresh/-/search-index.json").read_bytes()


def test_a_manifest_naming_files_outside_the_folder_deletes_nothing_there(site):
    out = site / "out"
    build(out)
    outside = site / "keep.txt"
    outside.write_text("mine")
    manifest = json.loads((out / ".quire-build.json").read_text())
    manifest["files"]["../keep.txt"] = {"hash": "0"}
    (out / ".quire-build.json").write_text(json.dumps(manifest))
    build(out)
    assert outside.read_text() == "mine"


def test_a_changed_public_template_rebuilds_every_page_an_admin_template_none(site, settings, tmp_path):
    templates = tmp_path / "templates"
    (templates / "admin").mkdir(parents=True)
    (templates / "admin" / "extra.html").write_text("one")
    (templates / "extra.html").write_text("one")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [templates, *settings.TEMPLATES[0]["DIRS"]]}]
    out = site / "out"
    build(out)
    (templates / "admin" / "extra.html").write_text("two")
    assert build(out, incremental=True).rendered == 0
    (templates / "extra.html").write_text("two")
    report = build(out, incremental=True)
    assert report.rendered == report.pages


def test_long_navigation_levels_and_their_more_entries_are_written(site, settings):
    """With levels longer than QUIRE_NAV_WINDOW, every "more pages" entry a written page links to is
    written too: the crawl finds no broken link."""
    settings.QUIRE_NAV_WINDOW = 2
    out = site / "out"
    build(out)
    assert list((out / "-/nav/0").glob("*-*/index.html"))
    with serve(out) as origin:
        seen, broken = crawl(origin + "/")
        assert broken == []
        assert any(re.search(r"/-/nav/\d+/\d+-\d+/$", url) for url in seen)


def test_a_sitemap_in_parts_is_written_with_every_part(site, monkeypatch):
    from pages.site import sitemaps

    monkeypatch.setattr(sitemaps, "SITEMAP_LIMIT", 5)
    out = site / "out"
    build(out)
    index = (out / "sitemap.xml").read_text()
    parts = sorted(out.glob("sitemap-*.xml"))
    published = Page.objects.published().count()
    assert len(parts) == -(-published // 5) > 1  # one part per 5 pages, rounded up
    assert all(f"https://docs.example.org/{p.name}" in index for p in parts)
    assert sum(p.read_text().count("<url>") for p in parts) == published


def test_the_base_url_defaults_to_the_sites_own(site, settings):
    settings.QUIRE_BASEURL = "/handbook"
    out = site / "handbook"
    build(out)
    page = (out / "deployment/index.html").read_text()
    assert re.findall(r'\s(?:href|src|action|data-[\w-]+)="/(?!handbook/)[^"]*"', page) == []
    with serve(out, "/handbook/") as origin:
        seen, broken = crawl(origin + "/handbook/")
        assert broken == [] and origin + "/handbook/deployment/" in seen


def test_the_user_guide_gives_the_nginx_rules_the_tests_serve_with(tmp_path):
    """The crawls above run behind nginx with `site_rules`; the Deployment page shows the same rules."""
    from tests.static_server import site_rules

    guide = (SAMPLE_CONTENT / "deployment.md").read_text()
    for base_url, folder in (("/", "/srv/quire/public"), ("/handbook/", "/srv/quire/public")):
        for line in site_rules(Path(folder), base_url).splitlines():
            if line.strip() not in ("}", "") and not line.startswith("root "):
                assert line.strip() in guide, line
    assert "root /srv/quire/public;" in guide
