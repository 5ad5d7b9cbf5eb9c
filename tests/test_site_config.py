"""A Jekyll site end to end: _config.yml read and stored at import, pages at Jekyll's URLs (the other
form answering 301), site files stored, served and exported, and one base URL for everything Quire
writes — tested at `/` and under a prefix."""

import re
import struct
import zlib
from urllib.parse import urljoin

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from pages.models import Page, SiteConfig, SiteFile
from pages.sync.exporting import export_pages
from tests.sync_helpers import page, run_import, write_site

pytestmark = pytest.mark.django_db


def png(width: int = 2, height: int = 1) -> bytes:
    """A tiny valid PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


SITE = {
    "_config.yml": "title: Handbook\nbaseurl: /handbook\nexclude: [private]\n",
    "index.md": (
        "---\ntitle: Home\nnav_order: 1\n---\n# Home\n\n"
        "See [Install]({{ site.baseurl }}/docs/install.html).\n"
    ),
    "docs/index.md": "---\ntitle: Docs\nnav_order: 2\n---\nDocs.\n",
    "docs/install.md": "---\ntitle: Install\nparent: Docs\n---\n![logo](../assets/logo.png)\n",
    "_layouts/default.md": "---\ntitle: Layout\n---\nnot a page\n",
    "_drafts/2020-01-01-idea.md": "---\ntitle: Idea\n---\nnot yet\n",
    "_includes/note.md": "---\ntitle: Include\n---\nnot a page\n",
    "private/secret.md": "---\ntitle: Secret\n---\nexcluded\n",
    "assets/logo.png": png(),
    "assets/guide.pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
}


@pytest.fixture
def site(tmp_path):
    root = write_site(tmp_path / "site", SITE)
    report = run_import(root)
    assert report.errors == [] and report.written
    return root


# -- _config.yml at import ---------------------------------------------------------------------------


def test_config_is_read_and_stored_with_the_site(site):
    """The config is stored as written and parsed; the admin shows it, export never writes it."""
    config = SiteConfig.objects.get()
    assert config.text == SITE["_config.yml"] and config.data["title"] == "Handbook"
    assert config.has_config and config.baseurl == "/handbook"


def test_files_jekyll_does_not_build_are_not_pages(site):
    """`_layouts`, `_includes`, `_drafts` and excluded folders hold no pages; each is reported."""
    assert sorted(Page.objects.values_list("source_path", flat=True)) == [
        "docs/index.md", "docs/install.md", "index.md",
    ]  # fmt: skip


def test_ignored_markdown_is_reported(tmp_path):
    """Markdown Jekyll would not build is named in the report with the reason: a `_` folder once,
    a single file by its path."""
    root = write_site(tmp_path / "s", {**SITE, "_config.yml": "title: X\n", "docs/_old.md": "x"})
    report = run_import(root)
    assert "1 markdown file(s) not imported" in report.warnings["_drafts/"][0]
    assert "not imported: Jekyll does not build it" in report.warnings["docs/_old.md"][0]


def test_pages_get_jekylls_default_urls(site):
    """No `permalink` in the config: Jekyll's /dir/name.html, and /dir/ for index pages."""
    assert page("docs/install.md").url_path == "/docs/install.html"
    assert page("docs/index.md").url_path == "/docs/"


def test_a_config_found_in_a_parent_folder_applies(tmp_path):
    """Importing a folder below the site root: the parent's _config.yml applies, and the page's path
    (its identity) and URL are its place under the site root."""
    root = write_site(
        tmp_path / "s", {"_config.yml": "permalink: pretty\n", "docs/a.md": "---\ntitle: A\n---\n"}
    )
    run_import(root / "docs")
    assert page("docs/a.md").url_path == "/docs/a/"
    out = tmp_path / "out"
    export_pages(out)
    assert (out / "docs" / "a.md").read_bytes() == (root / "docs" / "a.md").read_bytes()


def test_bad_yaml_in_the_config_names_the_file_and_line_and_imports_nothing(tmp_path):
    """A broken _config.yml stops the run with `_config.yml:LINE: ...`; nothing is written."""
    root = write_site(
        tmp_path / "s", {"_config.yml": "title: X\nexclude: [a\n", "a.md": "---\ntitle: A\n---\n"}
    )
    report = run_import(root)
    assert [str(e) for e in report.errors][0].startswith("_config.yml:3")
    assert "invalid YAML" in str(report.errors[0]) and report.failed
    assert Page.objects.count() == 0 and not SiteConfig.objects.exists()


def test_front_matter_defaults_apply_and_are_not_exported(tmp_path):
    """`defaults` give pages their values; export writes the files back unchanged (defaults stay in
    the config)."""
    files = {
        "_config.yml": "defaults:\n  - scope: {path: docs}\n    values: {parent: Docs, nav_order: 5}\n",
        "docs.md": "---\ntitle: Docs\n---\n",
        "docs/a.md": "---\ntitle: A\n---\nA\n",
    }
    root = write_site(tmp_path / "s", files)
    run_import(root)
    a = page("docs/a.md")
    assert a.parent == page("docs.md") and a.nav_order == "5"
    export_pages(tmp_path / "out")
    assert (tmp_path / "out" / "docs" / "a.md").read_text() == files["docs/a.md"]


def test_output_collections_are_pages_and_others_are_not(tmp_path):
    """Documents of a collection with `output: true` are pages at the collection's URLs; a collection
    without output is not part of the site's pages."""
    files = {
        "_config.yml": (
            "permalink: pretty\ncollections:\n  guides: {output: true}\n  notes: {output: false}\n"
        ),
        "_guides/start.md": "---\ntitle: Start\n---\n",
        "_notes/n.md": "---\ntitle: Note\n---\n",
        "_posts/2021-02-03-hello.md": "---\ntitle: Hello\n---\n",
    }
    run_import(write_site(tmp_path / "s", files))
    assert dict(Page.objects.values_list("source_path", "url_path")) == {
        "_guides/start.md": "/guides/start/",
        "_posts/2021-02-03-hello.md": "/2021/02/03/hello/",
    }


def test_numeric_boolean_and_date_titles_are_accepted_and_exported_as_written(tmp_path):
    """`title: 9`, `title: true`, `title: 2024-01-01` are titles; export gives the files back."""
    files = {"_config.yml": "", "a.md": "---\ntitle: 9\n---\n", "b.md": "---\ntitle: 2024-01-01\n---\n",
             "c.md": "---\ntitle: yes\n---\n"}  # fmt: skip
    root = write_site(tmp_path / "s", files)
    run_import(root)
    assert [page(p).title for p in ("a.md", "b.md", "c.md")] == ["9", "2024-01-01", "true"]
    export_pages(tmp_path / "out")
    for path in ("a.md", "b.md", "c.md"):
        assert (tmp_path / "out" / path).read_bytes() == (root / path).read_bytes()


def test_numeric_titles_sort_as_numbers_in_the_sidebar(tmp_path, client):
    """Titles written as numbers sort by value (9 before 10), before text titles, as in Just the Docs."""
    files = {"_config.yml": "", "index.md": "---\ntitle: Home\nnav_order: 1\n---\n",
             "a.md": "---\ntitle: 10\n---\n", "b.md": "---\ntitle: 9\n---\n",
             "c.md": "---\ntitle: Alpha\n---\n"}  # fmt: skip
    run_import(write_site(tmp_path / "s", files))
    html = client.get("/").content.decode()
    assert re.findall(r'data-nav-link="\d+"[^>]*>([^<]+)</a>', html) == ["Home", "9", "10", "Alpha"]


# -- URLs: served where Jekyll puts them, the other form answers 301 ---------------------------------


@pytest.mark.parametrize(
    ("requested", "location"),
    [
        ("/docs/install/", "/handbook/docs/install.html"),
        ("/docs/install", "/handbook/docs/install.html"),
        ("/handbook/docs/install/", "/handbook/docs/install.html"),
        ("/docs.html", "/handbook/docs/"),
        ("/docs/index.html", "/handbook/docs/"),
    ],
)
def test_the_other_common_form_of_a_url_answers_301(site, client, requested, location):
    """`/x/` for `/x.html` and back, `/x` for either, `/x/index.html` for `/x/`: 301 to the page."""
    response = client.get(requested)
    assert (response.status_code, response["Location"]) == (301, location)


def test_extension_less_jekyll_urls_answer_their_html_form_with_301(tmp_path, client):
    """A custom pattern without an ending (`/:year/:title`) gives `/2016/x`; `/2016/x.html`, which
    Jekyll's file for it is called, answers 301 to it."""
    files = {"_config.yml": "permalink: /:year/:title\n", "_posts/2016-05-19-x.md": "---\ntitle: X\n---\n"}
    run_import(write_site(tmp_path / "s", files))
    assert page("_posts/2016-05-19-x.md").url_path == "/2016/x"
    assert client.get("/2016/x").status_code == 200
    response = client.get("/2016/x.html")
    assert (response.status_code, response["Location"]) == (301, "/2016/x")


def test_pages_answer_at_their_jekyll_url_under_the_prefix_and_at_the_root(site, client):
    """The page answers at /handbook/docs/install.html (and at /docs/install.html behind a proxy
    that strips the prefix)."""
    assert client.get("/handbook/docs/install.html").status_code == 200
    assert client.get("/docs/install.html").status_code == 200
    assert client.get("/handbook/nope.html").status_code == 404


# -- one base URL ------------------------------------------------------------------------------------


def hrefs(html: str) -> list[str]:
    return re.findall(r'(?:href|data-branch|data-live-url|action|src)="([^"#][^"]*)"', html)


def test_every_url_quire_writes_carries_the_base_url(site, client):
    """Sidebar, breadcrumbs, pager, canonical, search form, feed and static links all start with
    /handbook, and each of them answers."""
    html = client.get("/handbook/docs/install.html").content.decode()
    links = [h for h in hrefs(html) if h.startswith("/")]
    assert links and all(h.startswith("/handbook/") for h in links), links
    # the body's relative image resolves from the page's Jekyll URL to the stored file
    image = urljoin("/handbook/docs/install.html", "../assets/logo.png")
    assert client.get(image).status_code == 200
    assert '<link rel="canonical" href="http://testserver/handbook/docs/install.html">' in html
    for link in {h for h in links if "/static/" not in h}:
        assert client.get(link).status_code in (200, 301), link
    assert 'href="/handbook/docs/">Docs</a></li>' in html  # breadcrumb


def test_feed_sitemap_search_and_robots_carry_the_base_url(site, client):
    """Feed entries, sitemap locations, search results and robots.txt name URLs under /handbook."""
    Page.objects.filter(source_path="docs/install.md").update(date="2024-01-01T00:00:00Z")
    from pages.store.site_state import bump_content_version

    bump_content_version()
    assert b"http://testserver/handbook/docs/install.html" in client.get("/handbook/feed.xml").content
    assert (
        b"<loc>http://testserver/handbook/docs/install.html</loc>"
        in client.get("/handbook/sitemap.xml").content
    )
    results = client.get("/handbook/search.json?q=install").json()["results"]
    assert results and all(r["url"].startswith("/handbook/") for r in results)
    assert b"Disallow: /handbook/admin/" in client.get("/robots.txt").content


def test_a_site_without_base_url_writes_root_urls(tmp_path, client):
    """At `/`, URLs are root-relative and nothing carries a prefix."""
    run_import(write_site(tmp_path / "s", {**SITE, "_config.yml": "title: Handbook\n"}))
    html = client.get("/docs/install.html").content.decode()
    links = [h for h in hrefs(html) if not h.startswith("http")]
    assert "/docs/" in links and not any(h.startswith("/handbook") for h in links)


def test_force_script_name_is_not_doubled(site, settings):
    """Behind a proxy passing SCRIPT_NAME=/handbook (stripping it from the path), URLs carry it once."""
    client = Client(SCRIPT_NAME="/handbook")
    response = client.get("/docs/install.html", SCRIPT_NAME="/handbook")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/handbook/docs/"' in html and "/handbook/handbook" not in html


@pytest.mark.parametrize(
    ("force", "expected"), [("/handbook", "/handbook/docs/"), ("/proxy", "/proxy/handbook/docs/")]
)
def test_force_script_name(site, settings, client, force, expected):
    """FORCE_SCRIPT_NAME equal to the base URL: carried once; another prefix: it comes first."""
    settings.FORCE_SCRIPT_NAME = force
    html = client.get("/docs/install.html").content.decode()
    assert f'href="{expected}"' in html and "/handbook/handbook" not in html


def test_import_option_baseurl_wins_over_the_config(tmp_path, client):
    """`import_pages --baseurl` overrides the config's baseurl."""
    run_import(write_site(tmp_path / "s", SITE), baseurl="/other/")
    assert SiteConfig.objects.get().baseurl == "/other"
    assert 'href="/other/docs/"' in client.get("/other/docs/install.html").content.decode()


# -- site files --------------------------------------------------------------------------------------


def test_site_files_are_stored_and_served_at_their_urls(site, client):
    """Images and PDFs are served at baseurl + path with their type, nosniff and a sandboxing CSP."""
    stored = SiteFile.objects.get(path="assets/logo.png")
    assert default_storage.exists(stored.storage_name) and stored.size == len(SITE["assets/logo.png"])
    response = client.get("/handbook/assets/logo.png")
    assert response.status_code == 200 and b"".join(response.streaming_content) == SITE["assets/logo.png"]
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert client.get("/handbook/assets/guide.pdf")["Content-Type"] == "application/pdf"
    again = client.get("/handbook/assets/logo.png", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_files_in_excluded_or_underscore_folders_are_not_imported(tmp_path):
    """Files under `_` folders, dot folders or excluded paths stay out."""
    files = {**SITE, "_sass/x.png": png(), ".git/y.png": png(), "private/z.png": png()}
    run_import(write_site(tmp_path / "s", files))
    assert sorted(SiteFile.objects.values_list("path", flat=True)) == ["assets/guide.pdf", "assets/logo.png"]


def test_unchanged_files_are_not_stored_again_and_changed_ones_are(site):
    """Re-import: same hash, nothing stored; a changed file gets a new stored copy."""
    before = SiteFile.objects.get(path="assets/logo.png")
    report = run_import(site)
    assert "assets/logo.png" in report.files.unchanged and report.changes == 0
    (site / "assets" / "logo.png").write_bytes(png(3, 3))
    report = run_import(site)
    after = SiteFile.objects.get(path="assets/logo.png")
    assert report.files.updated == ["assets/logo.png"] and after.sha256 != before.sha256
    with default_storage.open(after.storage_name, "rb") as handle:
        assert handle.read() == png(3, 3)


def test_prune_removes_files_that_are_gone(site, client):
    """Without --prune a deleted file stays; with it, its row and stored copy go."""
    (site / "assets" / "guide.pdf").unlink()
    run_import(site)
    assert SiteFile.objects.filter(path="assets/guide.pdf").exists()
    assert run_import(site, prune=True, dry_run=True).files.pruned == ["assets/guide.pdf"]
    assert SiteFile.objects.filter(path="assets/guide.pdf").exists()  # a dry run changes nothing
    report = run_import(site, prune=True)
    assert report.files.pruned == ["assets/guide.pdf"]
    assert not SiteFile.objects.filter(path="assets/guide.pdf").exists()
    assert client.get("/handbook/assets/guide.pdf").status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
        ("evil2.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event handler"),
        ("page.html", b"<html><body>hi</body></html>", "not served"),
        ("app.js", b"alert(1)", "not served"),
        ("fake.png", b"<!doctype html><script>alert(1)</script>", "holds HTML"),
        ("broken.png", b"\x89PNG\r\n\x1a\nnot really", "not a readable image"),
        ("search-data.json", b"---\npermalink: /x.json\n---\n{{ site.pages | jsonify }}", "front matter"),
    ],
)
def test_hostile_site_files_are_refused_with_a_reason(tmp_path, name, data, why):
    """The upload hardening applies: no SVG with script, no HTML, no unknown types, only real images."""
    report = run_import(write_site(tmp_path / "s", {**SITE, f"assets/{name}": data}))
    assert report.written and not SiteFile.objects.filter(path=f"assets/{name}").exists()
    assert why in report.warnings[f"assets/{name}"][0]


def test_clean_svg_is_served(tmp_path, client):
    """An SVG without scripts is kept and served as image/svg+xml."""
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><rect width="1" height="1"/></svg>'
    run_import(write_site(tmp_path / "s", {**SITE, "assets/ok.svg": svg}))
    assert client.get("/handbook/assets/ok.svg")["Content-Type"] == "image/svg+xml"


def test_oversized_files_are_refused(tmp_path, settings):
    """Files over QUIRE_SITE_FILE_MAX_BYTES are refused and reported."""
    settings.QUIRE_SITE_FILE_MAX_BYTES = 100
    report = run_import(write_site(tmp_path / "s", {**SITE, "assets/big.pdf": b"%PDF" + b"x" * 200}))
    assert "largest site file accepted" in report.warnings["assets/big.pdf"][0]


def test_export_gives_every_file_back_byte_identical_and_never_the_config(site, tmp_path):
    """Export writes pages and site files back exactly; _config.yml is never rewritten."""
    out = tmp_path / "out"
    export_pages(out)
    exported = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    expected = {
        path: (content if isinstance(content, bytes) else content.encode())
        for path, content in SITE.items()
        if path in ("index.md", "docs/index.md", "docs/install.md", "assets/logo.png", "assets/guide.pdf")
    }
    assert exported == expected


# -- the side table of contents ----------------------------------------------------------------------


def test_side_toc_is_hidden_when_the_body_has_its_own(client):
    """A body with its own table of contents (`{:toc}`) gets no second "On this page" list."""
    from pages.content.rendering import RenderContext, render

    for name, markdown in (("with", "1. TOC\n{:toc}\n\n## A\n"), ("mine", "* x\n{:toc #mine}\n\n## A\n"),
                           ("without", "## A\n\n[a list](#a)\n\n- one\n")):  # fmt: skip
        rendered = render(markdown, RenderContext())
        Page.objects.create(title=name, url_path=f"/{name}/", toc=rendered.toc, body_html=rendered.html)
    assert "On this page" not in client.get("/with/").content.decode()
    assert "On this page" not in client.get("/mine/").content.decode()
    assert "On this page" in client.get("/without/").content.decode()
    classed = '<div class="toc"><a href="#a">A</a></div><h2 id="a">A</h2>'
    Page.objects.create(title="Classed", url_path="/classed/", toc=[{"level": 2, "id": "a", "name": "A"}],
                        body_html=classed)  # fmt: skip
    assert "On this page" not in client.get("/classed/").content.decode()


def test_html_in_titles_is_rendered_sanitised_in_breadcrumbs_and_children(client):
    """`<i>inactive</i>` in a title shows in italics where Just the Docs shows it; scripts never."""
    parent = Page.objects.create(title="Parent <i>inactive</i>", url_path="/p/", body_html="<p>x</p>")
    Page.objects.create(title="Child <script>x()</script><b>new</b>", url_path="/p/c/", parent=parent)
    html = client.get("/p/c/").content.decode()
    assert '<a href="/p/">Parent <i>inactive</i></a>' in html
    assert "<b>new</b>" in html and "<script>x()" not in html
    assert "<title>Child x()new · " in html or "<title>Child new · " in html


# -- Just the Docs' header, footer and callouts from the config -----------------------------------------


def test_title_aux_links_footer_search_and_callouts_come_from_the_config(tmp_path, client):
    """`title` names the site, `aux_links` go in the header, `footer_content` (sanitised) in the
    footer, `search_enabled: false` hides the search box, and custom `callouts` get a stylesheet."""
    config = (
        "title: Handbook\nsearch_enabled: false\naux_links:\n  Source: [https://example.org/src]\n"
        'footer_content: "Made by <b>us</b><script>x()</script>"\n'
        "callouts:\n  opinion:\n    title: My view\n    color: purple\n"
    )
    run_import(write_site(tmp_path / "s", {**SITE, "_config.yml": config}))
    html = client.get("/docs/install.html").content.decode()
    assert "<title>Install · Handbook</title>" in html
    assert '<a href="https://example.org/src">Source</a>' in html
    assert "Made by <b>us</b>" in html and "<script>x()" not in html
    assert 'role="search"' not in html
    assert '<link rel="stylesheet" href="/-/callouts.css">' in html
    css = client.get("/-/callouts.css")
    assert css["Content-Type"].startswith("text/css")
    body = css.content.decode()
    assert "p.opinion" in body and '"My view"' in body and "#381885" in body


def test_no_config_keeps_the_default_header(tmp_path, client):
    """Without a config: Quire's site name setting, the search box, no callout stylesheet."""
    run_import(write_site(tmp_path / "s", {"a.md": "---\ntitle: A\n---\n"}))
    html = client.get("/a/").content.decode()
    assert 'role="search"' in html and "callouts.css" not in html


def test_the_admin_shows_the_config_read_only(site, admin_client):
    """The stored config is shown in the admin; it cannot be changed or deleted there."""
    config = SiteConfig.objects.get()
    response = admin_client.get(f"/admin/pages/siteconfig/{config.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200 and "Permalink style" in html and "baseurl: /handbook" in html
    assert 'name="_save"' not in html
    deleted = admin_client.post(f"/admin/pages/siteconfig/{config.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    assert admin_client.get("/admin/pages/sitefile/").status_code == 200


def test_a_changed_config_re_derives_every_page_and_old_urls_answer_301(site, client):
    """Switching to `permalink: pretty` moves unchanged files to their new URLs on the next import
    (no conflict: nobody edited them), and the old URLs answer 301."""
    (site / "_config.yml").write_text(SITE["_config.yml"] + "permalink: pretty\n")
    report = run_import(site)
    assert report.errors == [] and report.conflicts == [] and "docs/install.md" in report.updated
    assert page("docs/install.md").url_path == "/docs/install/"
    response = client.get("/handbook/docs/install.html")
    assert (response.status_code, response["Location"]) == (301, "/handbook/docs/install/")
    assert run_import(site).changes == 0


def test_a_site_file_at_one_of_quires_own_urls_is_refused(tmp_path):
    """A file whose URL Quire answers itself (robots.txt, search, ...) is reported, not stored."""
    report = run_import(write_site(tmp_path / "s", {**SITE, "robots.txt": "User-agent: *\n"}))
    assert "Quire's own" in report.warnings["robots.txt"][0]
    assert not SiteFile.objects.filter(path="robots.txt").exists()


def test_the_command_reports_site_files(site, tmp_path):
    """`import_pages -v 2` names stored files; the summary counts them; --prune names removed ones."""
    from io import StringIO

    from django.core.management import call_command

    (site / "assets" / "new.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    out = StringIO()
    call_command("import_pages", str(site), verbosity=2, stdout=out)
    assert "assets/new.pdf: site file stored\n" in out.getvalue()
    assert "; files: new 1, updated 0, unchanged 2" in out.getvalue()
    (site / "assets" / "new.pdf").unlink()
    out = StringIO()
    call_command("import_pages", str(site), "--prune", verbosity=1, stdout=out)
    assert "assets/new.pdf: site file removed (its file is gone)" in out.getvalue()
