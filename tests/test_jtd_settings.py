"""Just the Docs' settings in _config.yml: collections in the sidebar, external links, untitled
documents, heading anchors, back to top, last edit time, the edit link."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from pages.content.jekyll_site import ConfigError, SiteRules, document_slug, parse_config, titleize_slug
from pages.content.nav_tree import NavRecord, build_tree, closed_items
from pages.models import Page
from tests.nav_html import render_nav_html
from tests.sync_helpers import page, run_import, write_site

pytestmark = pytest.mark.django_db

COLLECTIONS_CONFIG = """\
title: Handbook
collections:
  adrs:
    output: true
  tests:
    output: true
  notes:
    output: false
just_the_docs:
  collections:
    tests:
      name: Tests
      nav_fold: true
    adrs:
      name: Decisions
    notes:
      name: Notes
    posts:
      name: Posts
"""

COLLECTION_SITE = {
    "_config.yml": COLLECTIONS_CONFIG,
    "index.md": "---\ntitle: Home\nnav_order: 1\n---\nHome.\n",
    "guide.md": "---\ntitle: Guide\nnav_order: 2\n---\nGuide.\n",
    "_adrs/0002-use-django.md": "---\ntitle: Use Django\nnav_order: 2\n---\nWe use Django.\n",
    "_adrs/0001-record-decisions.md": "---\ntitle: Record decisions\nnav_order: 1\n---\nRecord.\n",
    "_adrs/details.md": "---\ntitle: Details\nparent: Use Django\n---\nMore.\n",
    "_tests/untitled-test_page.md": "No front matter: a document all the same.\n",
    "_notes/n.md": "---\ntitle: Note\n---\nnot built\n",
    "_posts/2021-02-03-hello.md": "---\ntitle: Hello\n---\nA post.\n",
}


def nav_titles(html: str) -> list[str]:
    return re.findall(r'data-nav-link="\d+"[^>]*>([^<]+)</a>', html)


def sidebar(html: str) -> str:
    return html.split('<nav class="sidebar"', 1)[1].split("</nav>", 1)[0]


@pytest.fixture
def collection_site(tmp_path):
    report = run_import(write_site(tmp_path / "site", COLLECTION_SITE))
    assert report.errors == []
    return report


# -- titles of untitled documents -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "title"),
    [
        ("untitled-test_page", "Untitled Test_page"),
        ("hello-World", "Hello World"),
        ("API-guide", "Api Guide"),
        ("trailing-", "Trailing"),
        ("a--b", "A  B"),
    ],
)
def test_titleize_slug_is_jekylls(slug, title):
    """Jekyll's Utils.titleize_slug: split on '-', each word capitalised (the rest lower-cased)."""
    assert titleize_slug(slug) == title


def test_document_slug_drops_the_date_and_the_extension():
    assert document_slug("sub/2020-01-02-my-post.md") == "my-post"
    assert document_slug("notes.v2..md") == "notes.v2"


def test_untitled_documents_get_jekylls_title_and_are_in_the_sidebar(collection_site, client):
    """A document without a title (even without front matter) is titled from its file name and listed."""
    doc = page("_tests/untitled-test_page.md")
    assert doc.title == "Untitled Test_page" and not doc.nav_exclude
    assert doc.url_path == "/tests/untitled-test_page.html"
    assert "Untitled Test_page" in nav_titles(client.get("/").content.decode())


def test_untitled_pages_stay_out_of_the_sidebar(tmp_path, client):
    """A page (not a document) without a title is not in Just the Docs' navigation."""
    files = {"_config.yml": "", "index.md": "---\ntitle: Home\n---\n", "loose.md": "Just text.\n"}
    run_import(write_site(tmp_path / "s", files))
    assert page("loose.md").nav_exclude
    assert nav_titles(client.get("/").content.decode()) == ["Home"]


# -- collections in the sidebar ---------------------------------------------------------------------


def test_collections_follow_the_pages_under_their_headings_in_config_order(collection_site, client):
    """Pages first, then each listed collection in `just_the_docs.collections` order, its documents
    sorted as pages are; posts and collections without output are never listed."""
    html = sidebar(client.get("/").content.decode())
    assert nav_titles(html) == ["Home", "Guide", "Untitled Test_page", "Record decisions", "Use Django"]
    assert html.index("Guide") < html.index(">Tests<") < html.index(">Decisions<")
    assert "Hello" not in html and "Note" not in html and ">Posts<" not in html and ">Notes<" not in html


def test_a_folded_collection_is_closed_unless_the_reader_is_in_it(collection_site, client):
    """`nav_fold: true`: the collection folds under its heading, open on its own documents' pages."""
    home = sidebar(client.get("/").content.decode())
    folded = '<details class="nav-category-fold"><summary class="nav-category">Tests</summary>'
    assert folded in home
    inside = sidebar(client.get("/tests/untitled-test_page.html").content.decode())
    assert '<details class="nav-category-fold" open><summary class="nav-category">Tests</summary>' in inside
    assert '<div class="nav-category">Decisions</div>' in home


def test_documents_nest_under_their_parent_document(collection_site, client):
    """`parent:` works inside a collection: the child is under its parent document's entry."""
    html = sidebar(client.get("/adrs/details.html").content.decode())
    assert nav_titles(html)[-1] == "Details"
    parent = page("_adrs/0002-use-django.md")
    assert page("_adrs/details.md").parent_id == parent.pk
    assert f'id="nav-{parent.pk}"' in html


def test_collections_are_not_listed_without_just_the_docs_collections(tmp_path, client):
    """Without `just_the_docs.collections`, documents are pages of the site but not in the sidebar."""
    files = {**COLLECTION_SITE, "_config.yml": "collections:\n  adrs: {output: true}\n"}
    run_import(write_site(tmp_path / "s", files))
    assert client.get("/adrs/0002-use-django.html").status_code == 200
    assert nav_titles(client.get("/").content.decode()) == ["Home", "Guide"]


def rec(id, title, collection="", **extra):
    return NavRecord(id=id, title=title, url_path=f"/{id}/", collection=collection, **extra)


def test_one_collection_without_top_level_pages_has_no_heading():
    """Just the Docs heads a collection only when more than one is listed or there are pages."""
    theme = {"collections": {"docs": {"name": "Docs"}}}
    rules = SiteRules.from_config({"collections": {"docs": {"output": True}}, "just_the_docs": theme})
    tree = build_tree(
        [rec(1, "B", "docs"), rec(2, "A", "docs")],
        collections=rules.nav_collections,
        listed_collections=rules.listed_collection_count,
    )
    html = render_nav_html(tree, closed_items(tree, "/-/nav/{}/".format), "/-/nav/{}/".format)
    assert "nav-category" not in html and nav_titles(html) == ["A", "B"]
    with_page = build_tree(
        [rec(1, "B", "docs"), rec(3, "Home")], collections=rules.nav_collections, listed_collections=1
    )
    html = render_nav_html(with_page, closed_items(with_page, "/x/{}/".format), "/x/{}/".format)
    assert '<div class="nav-category">Docs</div>' in html and nav_titles(html) == ["Home", "B"]


def test_a_long_collection_is_windowed_and_its_more_link_loads_the_rest(tmp_path, client, settings):
    """A collection longer than QUIRE_NAV_WINDOW shows a window and a "more pages" link that answers."""
    settings.QUIRE_NAV_WINDOW = 3
    files = {
        "_config.yml": "collections:\n  docs: {output: true}\njust_the_docs:\n  collections:\n    docs: {}\n",
        **{f"_docs/d{i}.md": f"---\ntitle: D{i}\nnav_order: {i}\n---\n" for i in range(1, 8)},
    }
    run_import(write_site(tmp_path / "s", files))
    html = client.get("/docs/d1.html").content.decode()
    assert nav_titles(sidebar(html)) == ["D1", "D2", "D3"]
    more = re.search(r'data-more="([^"]+)"', html).group(1)
    assert more == "/-/nav/c0/3-7/"
    assert nav_titles(client.get(more).content.decode()) == ["D4", "D5", "D6"]
    assert client.get("/-/nav/c5/0-2/").status_code == 404


def test_collection_settings_of_the_wrong_type_name_the_line():
    with pytest.raises(ConfigError) as caught:
        parse_config("title: x\njust_the_docs:\n  collections: [a, b]\n")
    assert caught.value.line == 2 and "collections must map" in str(caught.value)


# -- external links ---------------------------------------------------------------------------------

EXTERNAL = """\
nav_external_links:
  - title: Source
    url: https://example.com/repo
  - title: Quiet
    url: https://example.com/quiet
    hide_icon: true
    opens_in_new_tab: true
  - title: Local
    url: /feed.xml
  - title: Bad
    url: javascript:alert(1)
collections:
  docs: {output: true}
just_the_docs:
  collections:
    docs: {name: Docs}
baseurl: /hb
"""


def test_external_links_follow_the_pages_with_their_icon_and_tab_settings(tmp_path, client):
    files = {
        "_config.yml": EXTERNAL,
        "index.md": "---\ntitle: Home\n---\n",
        "_docs/a.md": "---\ntitle: A\n---\n",
    }
    run_import(write_site(tmp_path / "s", files))
    html = sidebar(client.get("/hb/").content.decode())
    assert html.index("Home") < html.index("Source") < html.index('class="nav-category">Docs')
    links = re.findall(r'<a class="nav-link external" href="([^"]+)"([^>]*)>([^<]*)(<svg)?', html)
    assert links == [
        ("https://example.com/repo", "", "Source", "<svg"),
        ("https://example.com/quiet", ' target="_blank" rel="noopener noreferrer"', "Quiet", ""),
        ("/hb/feed.xml", "", "Local", "<svg"),
    ]
    assert "javascript" not in html


def test_nav_external_links_new_tab_is_the_default_each_link_can_override():
    rules = SiteRules.from_config(
        {
            "nav_external_links_new_tab": True,
            "nav_external_links": [
                {"title": "A", "url": "https://a.example"},
                {"title": "B", "url": "https://b.example", "opens_in_new_tab": False},
            ],
        }
    )
    assert [link.new_tab for link in rules.nav_external_links] == [True, False]


def test_a_bad_external_link_entry_names_the_line():
    with pytest.raises(ConfigError) as caught:
        parse_config("a: 1\nnav_external_links:\n  - title: x\n")
    assert caught.value.line == 2 and "entry 1" in str(caught.value)


# -- header and page settings -----------------------------------------------------------------------


def site_with(tmp_path, config: str, **files) -> None:
    pages = {
        "_config.yml": config,
        "index.md": (
            "---\ntitle: Home\nlast_modified_date: 2023-04-05 14:30:00 +0000\n---\n## Part\n\nText.\n"
        ),
        **files,
    }
    assert run_import(write_site(tmp_path / "s", pages)).errors == []


def home_html(client) -> str:
    """The home page of `site_with`, served whole (so that what a test finds missing is really absent)."""
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200 and "<p>Text.</p>" in html
    return html


def test_aux_links_open_in_a_new_tab_when_asked(tmp_path, client):
    site_with(tmp_path, 'aux_links:\n  "Repo": ["https://example.com"]\naux_links_new_tab: true\n')
    html = client.get("/").content.decode()
    assert '<a href="https://example.com" target="_blank" rel="noopener noreferrer">Repo</a>' in html


def test_aux_links_stay_in_the_tab_by_default(tmp_path, client):
    site_with(tmp_path, 'aux_links:\n  "Repo": ["https://example.com"]\n')
    assert '<a href="https://example.com">Repo</a>' in client.get("/").content.decode()


def test_heading_anchors_false_hides_them(tmp_path, client):
    site_with(tmp_path, "heading_anchors: false\n")
    html = client.get("/").content.decode()
    assert 'class="page-body no-heading-anchors"' in html and 'class="anchor-link"' in html


def test_heading_anchors_are_shown_by_default(tmp_path, client):
    site_with(tmp_path, "title: x\n")
    html = home_html(client)
    assert 'class="page-body"' in html and 'class="anchor-link"' in html


def test_back_to_top(tmp_path, client):
    site_with(tmp_path, "back_to_top: true\nback_to_top_text: Up we go\n")
    html = client.get("/").content.decode()
    assert '<a href="#top" id="back-to-top">Up we go</a>' in html and '<body id="top">' in html


def test_no_back_to_top_by_default(tmp_path, client):
    site_with(tmp_path, "back_to_top_text: Up\n")
    assert "back-to-top" not in home_html(client)


def test_last_edit_timestamp_uses_last_modified_date_and_the_format(tmp_path, client, settings):
    settings.TIME_ZONE = "UTC"
    site_with(tmp_path, "last_edit_timestamp: true\nlast_edit_time_format: '%b %e %Y at %I:%M %p'\n")
    html = client.get("/").content.decode()
    assert "Page last modified: <time" in html and ">Apr  5 2023 at 02:30 PM</time>" in html


def test_last_edit_timestamp_falls_back_to_the_time_the_page_was_saved(tmp_path, client):
    site_with(
        tmp_path,
        "last_edit_timestamp: true\nlast_edit_time_format: '%Y'\n",
        **{"other.md": "---\ntitle: Other\n---\n"},
    )
    year = str(page("other.md").updated_at.year)
    assert f">{year}</time>" in client.get("/other.html").content.decode()


def test_no_last_edit_time_without_a_format(tmp_path, client):
    site_with(tmp_path, "last_edit_timestamp: true\n")
    assert "Page last modified" not in home_html(client)


# -- the edit link ----------------------------------------------------------------------------------

EDIT = """\
gh_edit_link: true
gh_edit_link_text: Edit this page on GitHub
gh_edit_repository: https://github.com/acme/handbook
gh_edit_branch: main
gh_edit_source: docs
gh_edit_view_mode: edit
collections_dir: all
collections:
  adrs: {output: true}
"""


def test_edit_link_names_the_file_in_the_repository(tmp_path, client):
    """Just the Docs: repository/view_mode/branch/source/path, the collections_dir in a document's path."""
    site_with(tmp_path, EDIT, **{"all/_adrs/one.md": "---\ntitle: One\n---\n"})
    html = client.get("/").content.decode()
    assert (
        '<a href="https://github.com/acme/handbook/edit/main/docs/index.md" id="edit-this-page">'
        "Edit this page on GitHub</a>"
    ) in html
    doc = client.get("/adrs/one.html").content.decode()
    assert 'href="https://github.com/acme/handbook/edit/main/docs/all/_adrs/one.md"' in doc


@pytest.mark.parametrize("missing", ["gh_edit_view_mode", "gh_edit_link_text", "gh_edit_branch"])
def test_no_edit_link_unless_every_setting_is_there(tmp_path, client, missing):
    config = "\n".join(line for line in EDIT.splitlines() if not line.startswith(missing)) + "\n"
    site_with(tmp_path, config)
    assert "edit-this-page" not in home_html(client)


def test_admin_made_pages_show_the_admin_edit_link_to_staff_only(tmp_path, client, settings):
    """A page made in the admin has no file: staff get the admin's edit link, readers nothing, and the
    cached public answer never carries it."""
    settings.QUIRE_CACHE_RESPONSES = True
    site_with(tmp_path, EDIT)
    made = Page.objects.create(title="Made here", url_path="/made/", body="Hi")
    staff = User.objects.create_user("ed", password="pw", is_staff=True, is_superuser=True)
    assert "edit-this-page" not in client.get("/made/").content.decode()
    editor = Client()
    editor.force_login(staff)
    html = editor.get("/made/").content.decode()
    assert f'<a href="/admin/pages/page/{made.pk}/change/" id="edit-this-page">Edit this page</a>' in html
    assert "edit-this-page" not in client.get("/made/").content.decode()
    assert "github.com" not in html


# -- theme folders ----------------------------------------------------------------------------------


def test_theme_folders_are_never_pages_and_each_file_is_reported(tmp_path):
    """`_layouts`, `_includes`, `_sass`, `_data`, `_plugins` hold no pages, even when the config
    includes them; each file is named in the report with what Quire does not do with it."""
    files = {
        "_config.yml": "include: [_data, _includes]\nlayouts_dir: theme/layouts\n",
        "index.md": "---\ntitle: Home\n---\n{% include note.html %}\n",
        "theme/layouts/default.html": "<html>{{ content }}</html>",
        "_layouts/page.md": "---\ntitle: Not a layout here\n---\n",
        "_includes/note.html": "<p>note</p>",
        "_includes/more.md": "---\ntitle: Include\n---\n",
        "_sass/custom.scss": "a { color: red; }",
        "_data/nav.md": "---\ntitle: Data\n---\n",
        "_data/links.yml": "- a\n",
        "_plugins/drawio.rb": "# plugin\n",
    }
    report = run_import(write_site(tmp_path / "s", files))
    assert sorted(Page.objects.values_list("source_path", flat=True)) == ["index.md"]
    for path, words in [
        ("theme/layouts/default.html", "a Jekyll layout"),
        ("_includes/note.html", "a Jekyll include"),
        ("_includes/more.md", "a Jekyll include"),
        ("_sass/custom.scss", "Sass"),
        ("_data/nav.md", "a Jekyll data file"),
        ("_data/links.yml", "a Jekyll data file"),
        ("_plugins/drawio.rb", "a Jekyll plugin"),
    ]:
        assert words in report.warnings[path][0], path
    assert "{% include note.html %} is not supported" in report.warnings["index.md"][0]
    assert "Not a layout here" not in str(report.warnings)  # `_layouts` is an ordinary `_` folder here
    assert "_layouts/" in report.warnings


def test_a_changed_config_changes_the_cached_sidebar(tmp_path, client, settings):
    """The sidebar is cached per content version; a new `_config.yml` is a new version."""
    settings.QUIRE_CACHE_RESPONSES = True
    root = write_site(
        tmp_path / "s", {**COLLECTION_SITE, "_config.yml": "collections:\n  adrs: {output: true}\n"}
    )
    run_import(root)
    assert nav_titles(client.get("/").content.decode()) == ["Home", "Guide"]
    (root / "_config.yml").write_text(
        "collections:\n  adrs: {output: true}\njust_the_docs:\n  collections:\n    adrs: {name: ADRs}\n"
        "nav_external_links:\n  - {title: Repo, url: 'https://example.com'}\n"
    )
    run_import(root)
    html = sidebar(client.get("/").content.decode())
    assert nav_titles(html) == ["Home", "Guide", "Record decisions", "Use Django"]
    assert ">ADRs<" in html and ">Repo<" in html


def test_untitled_documents_export_unchanged(collection_site, tmp_path):
    """The title Jekyll derives is never written into the file: export gives it back byte for byte."""
    from pages.sync.exporting import export_pages

    export_pages(tmp_path / "out")
    written = (tmp_path / "out" / "_tests/untitled-test_page.md").read_text()
    assert written == COLLECTION_SITE["_tests/untitled-test_page.md"]


def test_the_stored_config_keeps_the_files_order_whatever_the_database_does():
    """PostgreSQL's jsonb sorts keys; the order of `just_the_docs.collections` is the file's."""
    from pages.models import SiteConfig
    from pages.store.site_settings import stored_rules

    text = (
        "collections:\n  zz: {output: true}\n  a: {output: true}\n"
        "just_the_docs:\n  collections:\n    zz: {name: Last}\n    a: {name: First}\n"
    )
    data = parse_config(text)
    shuffled = {**data, "just_the_docs": {"collections": {"a": {"name": "First"}, "zz": {"name": "Last"}}}}
    SiteConfig.objects.create(pk=1, text=text, data=shuffled, has_config=True)
    assert [c.label for c in stored_rules().nav_collections] == ["zz", "a"]


def test_a_collection_listed_with_search_exclude_is_not_searched(tmp_path):
    """`just_the_docs.collections.<label>.search_exclude: true` leaves its documents out of search
    (a document's own `search_exclude: false` brings it back); other pages stay searchable."""
    config = COLLECTIONS_CONFIG.replace(
        "      name: Decisions\n", "      name: Decisions\n      search_exclude: true\n"
    )
    files = {
        **COLLECTION_SITE,
        "_config.yml": config,
        "_adrs/kept.md": "---\ntitle: Kept\nsearch_exclude: false\n---\n",
    }
    root = write_site(tmp_path / "s", files)
    run_import(root)
    assert page("_adrs/0002-use-django.md").search_exclude and not page("_adrs/kept.md").search_exclude
    assert not page("_tests/untitled-test_page.md").search_exclude and not page("guide.md").search_exclude
    from pages.sync.exporting import export_pages

    export_pages(tmp_path / "out")
    assert (tmp_path / "out/_adrs/0002-use-django.md").read_text() == files["_adrs/0002-use-django.md"]
