"""A site's _config.yml and the rules Jekyll derives from it: which files are pages, their URLs,
front matter defaults (pure: no database)."""

import datetime as dt

import pytest

from pages.content.jekyll_site import ConfigError, SiteRules, find_site_root, parse_config, slugify
from pages.content.source_fields import derive_fields


def rules(**config) -> SiteRules:
    return SiteRules.from_config(config)


# -- URLs -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("index.md", "/"),
        ("about.md", "/about.html"),
        ("docs/index.md", "/docs/"),
        ("docs/ui/buttons.markdown", "/docs/ui/buttons.html"),
        ("docs/AI patches (beta).md", "/docs/AI patches (beta).html"),
        ("_posts/2016-05-19-new_release.md", "/2016/05/19/new_release.html"),
        ("news/_posts/2016-05-19-x.md", "/news/2016/05/19/x.html"),
    ],
)
def test_a_config_without_permalink_gives_jekylls_default_urls(path, url):
    """With a _config.yml and no `permalink`, pages are /dir/name.html and posts use the `date` style."""
    assert rules().url(path, {}, None) == url


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("about.md", "/about/"),
        ("docs/index.md", "/docs/"),
        ("_posts/2016-05-19-x.md", "/2016/05/19/x/"),
    ],
)
def test_pretty_permalinks(path, url):
    """`permalink: pretty`: /dir/name/ for pages, /YYYY/MM/DD/title/ for posts."""
    assert rules(permalink="pretty").url(path, {}, None) == url


def test_no_config_keeps_quires_pretty_urls():
    """A plain folder of markdown (no _config.yml) keeps Quire's pretty URLs."""
    assert SiteRules().url("docs/x.md", {}, None) == "/docs/x/"
    assert SiteRules().url("_posts/2016-05-19-x.md", {}, None) == "/2016/05/19/x/"


@pytest.mark.parametrize(
    ("style", "post_url", "page_url"),
    [
        ("date", "/2016/05/19/hello-world.html", "/a/b.html"),
        ("ordinal", "/2016/140/hello-world.html", "/a/b.html"),
        ("none", "/hello-world.html", "/a/b.html"),
        ("/:categories/:title/", "/hello-world/", "/a/b/"),
        ("/blog/:year/:title:output_ext", "/blog/2016/hello-world.html", "/a/b.html"),
        ("/:year/:month/:title", "/2016/05/hello-world", "/a/b"),
    ],
)
def test_permalink_styles_and_custom_patterns(style, post_url, page_url):
    """Named styles and custom patterns give posts their URL; pages follow the pattern's ending."""
    site = rules(permalink=style)
    assert site.url("_posts/2016-05-19-hello-world.md", {}, None) == post_url
    assert site.url("a/b.md", {}, None) == page_url


def test_post_categories_from_folders_and_front_matter_and_dates_from_front_matter():
    """Categories: the folders above _posts, then front matter (lower-cased); a front matter date wins."""
    site = rules(permalink="/:categories/:year/:month/:day/:title:output_ext")
    date = dt.datetime(2020, 1, 2, tzinfo=dt.UTC)
    assert site.url("Blog/_posts/2016-05-19-x.md", {"categories": "News Tech"}, date) == (
        "/blog/news/tech/2020/01/02/x.html"
    )
    assert site.url("_posts/2016-05-19-x.md", {"slug": "Other Name"}, None) == "/2016/05/19/Other-Name.html"


def test_front_matter_permalinks_expand_placeholders():
    """A permalink in front matter may use the page's placeholders; unknown ones are refused."""
    site = rules()
    assert site.url("docs/x.md", {"permalink": "/guide/:basename/"}, None) == "/guide/x/"
    assert site.url("docs/x.md", {"permalink": "/:path/:basename:output_ext"}, None) == "/docs/x.html"
    with pytest.raises(ValueError, match=":title, which this page does not have"):
        site.url("docs/x.md", {"permalink": "/:title/"}, None)
    with pytest.raises(ValueError, match="contains '..'"):
        site.url("docs/x.md", {"permalink": "/../x/"}, None)


def test_collections_with_output_get_their_urls():
    """Documents of an output collection: /label/path.html by default, or the collection's permalink."""
    site = rules(
        collections={"docs": {"output": True}, "recipes": {"output": True, "permalink": "/r/:name/"}}
    )
    assert site.url("_docs/setup/install.md", {}, None) == "/docs/setup/install.html"
    assert site.url("_recipes/Soup_Day.md", {}, None) == "/r/soup-day/"
    pretty = rules(permalink="pretty", collections=["docs"])
    assert pretty.placement("_docs/a.md").kind == "ignored"  # a list of names: output is off


def test_slugify_modes():
    """Jekyll's slugify: `default` keeps letters and digits; `pretty` also keeps ._~!$&'()+,;=@."""
    assert slugify("Hello, World_2!") == "hello-world-2"
    assert slugify("Hello, World_2!", mode="pretty", cased=True) == "Hello,-World_2!"


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("Hello World!", "/Hello-World!/hello-world/2016-05-19-hello-world/"),
        ("a_b.c", "/a_b.c/a-b-c/2016-05-19-a-b-c/"),
        ("x--y", "/x-y/x-y/2016-05-19-x-y/"),
        ("tail.", "/tail/tail/2016-05-19-tail/"),
        ("Ünïcode ß", "/Ünïcode-ß/ünïcode-ß/2016-05-19-ünïcode-ß/"),
    ],
)
def test_post_placeholders_match_jekylls_own_build(name, url):
    """:title, :slug and :name as Jekyll 4.3 built them for these file names (checked with `jekyll build`)."""
    site = rules(permalink="/:categories/:title/:slug/:name/")
    assert site.url(f"_posts/2016-05-19-{name}.md", {}, None) == url


def test_collection_placeholders_match_jekylls_own_build():
    """:path keeps the file name as written; :title, :slug, :name are its slugs."""
    site = rules(collections={"docs": {"output": True, "permalink": "/d/:title/:slug/:name/:path/"}})
    assert (
        site.url("_docs/Hello World!.md", {}, None) == "/d/Hello-World!/hello-world/hello-world/Hello World!/"
    )
    assert site.url("_docs/a_b.c.md", {}, None) == "/d/a_b.c/a-b-c/a-b-c/a_b.c/"
    both = rules(permalink="/:categories/:title/")
    assert both.url("Cat/_posts/2016-05-19-both.md", {"categories": "Zed"}, None) == "/cat/zed/both/"


# -- which files are part of the site ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("docs/x.md", "page"),
        ("assets/logo.png", "static"),
        ("_layouts/default.md", "ignored"),
        ("_includes/nav.md", "ignored"),
        ("_sass/x.md", "ignored"),
        ("_data/x.md", "ignored"),
        ("_drafts/2020-01-01-idea.md", "ignored"),
        ("_docs/x.md", "ignored"),
        ("docs/_partial.md", "ignored"),
        ("#scratch.md", "ignored"),
        ("notes.md~", "ignored"),
        (".github/x.md", "ignored"),
        ("node_modules/pkg/readme.md", "ignored"),
        ("vendor/bundle/gem/x.md", "ignored"),
        ("Gemfile", "ignored"),
        ("_posts/2016-05-19-x.md", "document"),
        ("blog/_posts/2016-05-19-x.md", "document"),
    ],
)
def test_jekylls_file_rules(path, kind):
    """Names starting with `_ . # ~`, drafts and Jekyll's default exclusions are not part of the site;
    posts are documents; other files are copied as they are."""
    assert rules().placement(path).kind == kind


def test_exclude_and_include():
    """`exclude` drops files and folders (globs too); `include` brings back special names."""
    site = rules(exclude=["private/", "*.tmp.md", "README.md"], include=["_pages", ".well-known"])
    assert site.placement("private/x.md").kind == "ignored"
    assert site.placement("a.tmp.md").kind == "ignored"
    assert site.placement("README.md").kind == "ignored"
    assert site.placement("_pages/about.md").kind == "page"
    assert site.placement(".well-known/security.txt").kind == "ignored"  # dot folders: never
    assert site.placement("public/x.md").kind == "page"


def test_collections_dir():
    """Collections live under `collections_dir` when it is set."""
    site = rules(collections_dir="my", collections={"docs": {"output": True}})
    assert site.placement("my/_docs/a.md").kind == "document"
    assert site.url("my/_docs/a.md", {}, None) == "/docs/a.html"


# -- front matter defaults ---------------------------------------------------------------------------


def test_defaults_apply_by_path_and_type_the_more_specific_winning():
    """`defaults` give values by scope; a longer path beats a shorter one, front matter beats both."""
    site = rules(
        defaults=[
            {"scope": {"path": ""}, "values": {"nav_exclude": True, "layout": "default"}},
            {"scope": {"path": "docs", "type": "pages"}, "values": {"parent": "Docs"}},
            {"scope": {"path": "docs/api"}, "values": {"parent": "API"}},
            {"scope": {"type": "posts"}, "values": {"search_exclude": True}},
        ]
    )
    assert site.defaults_for("docs/x.md", "pages") == {
        "nav_exclude": True,
        "layout": "default",
        "parent": "Docs",
    }
    assert site.defaults_for("docs/api/x.md", "pages")["parent"] == "API"
    assert site.defaults_for("_posts/2020-01-01-x.md", "posts")["search_exclude"] is True
    fields = derive_fields({"title": "X"}, "docs/x.md", site)
    assert (fields.parent, fields.nav_exclude) == ("Docs", True)
    assert derive_fields({"title": "X", "nav_exclude": False}, "docs/x.md", site).nav_exclude is False


def test_defaults_and_style_reach_derived_fields_and_site_dir():
    """derive_fields uses the config; a folder imported from below the site root keeps its place."""
    site = rules(
        permalink="pretty", defaults=[{"scope": {"path": "docs"}, "values": {"permalink": "/d/:basename/"}}]
    )
    assert derive_fields({"title": "X"}, "x.md", site, site_dir="docs").url_path == "/d/x/"
    assert derive_fields({"title": "X"}, "x.md", site).url_path == "/x/"


# -- reading the config ------------------------------------------------------------------------------


def test_find_site_root_looks_in_the_folder_then_its_parents(tmp_path):
    """The folder holding _config.yml: the one given, else its nearest parent."""
    (tmp_path / "site" / "docs").mkdir(parents=True)
    (tmp_path / "site" / "_config.yml").write_text("title: X\n")
    assert find_site_root(tmp_path / "site" / "docs") == (tmp_path / "site").resolve()
    assert find_site_root(tmp_path / "site") == (tmp_path / "site").resolve()
    (tmp_path / "site" / "repo" / "docs").mkdir(parents=True)
    (tmp_path / "site" / "repo" / ".git").mkdir()
    assert find_site_root(tmp_path / "site" / "repo" / "docs") is None  # never above a repository root


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("title: X\nbaseurl: [\n", "invalid YAML", 3),
        ("title: X\nexclude: vendor\n", "exclude: must be a list", 2),
        ("nav_sort: sideways\n", "nav_sort: must be case_sensitive or case_insensitive", 1),
        ("a: 1\ncollections: 3\n", "collections: must be a list of names or a mapping", 2),
        ("defaults:\n  - values: 3\n", "defaults: entry 1 must be a mapping", 1),
        ("search_enabled: maybe\n", "search_enabled: must be true or false", 1),
        ("title: A\ntitle: B\n", "duplicate key 'title'", 2),
        ("x: !!python/object:os.system 1\n", "YAML tag !!python/object:os.system is not allowed", 1),
    ],
)
def test_bad_configs_are_refused_naming_file_and_line(text, message, line):
    """Bad YAML or a value of the wrong type: a ConfigError naming _config.yml and the line."""
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert message in info.value.message
    assert info.value.line == line
    assert str(info.value).startswith(f"_config.yml:{line}")


def test_settings_read_from_the_config():
    """baseurl, title, nav_sort, search_enabled, aux_links, callouts, footer_content."""
    site = SiteRules.from_config(
        parse_config(
            "baseurl: /docs/\ntitle: My Site\nnav_sort: case_insensitive\nsearch_enabled: false\n"
            "aux_links:\n  GitHub: [https://github.com/x]\n  Bad: ['javascript:alert(1)']\n"
            "callouts:\n  warn:\n    title: Careful\n    color: red\n  'bad name!': {}\n"
            "footer_content: <b>Hi</b>\n"
        )
    )
    assert (site.baseurl, site.title, site.nav_case_sensitive, site.search_enabled) == (
        "/docs",
        "My Site",
        False,
        False,
    )
    assert site.aux_links == [("GitHub", "https://github.com/x")]
    assert site.callouts == {"warn": {"title": "Careful", "color": "red"}}
    assert site.footer_content == "<b>Hi</b>"
    assert SiteRules.from_config({}).nav_case_sensitive is None
    assert SiteRules.from_config({"nav_sort": "case_sensitive"}).nav_case_sensitive is True


def test_exclude_and_defaults_match_by_prefix_as_jekyll_does():
    """Checked with `jekyll build`: `exclude: [bin]` also drops binary.md, `*.tmp.md` matches in any
    folder, an included `_pages` keeps its underscore in URLs, and a defaults path `docs` also covers
    docs2/ (Jekyll compares the start of the path)."""
    site = rules(
        exclude=["bin", "*.tmp.md"],
        include=["_pages"],
        defaults=[{"scope": {"path": "docs"}, "values": {"parent": "D"}},
                  {"scope": {"path": "docs/a.md"}, "values": {"nav_order": 3}}],
    )  # fmt: skip
    assert [site.placement(p).kind for p in ("bin.md", "binary.md", "notes/n.tmp.md", "notes/ok.md")] == [
        "ignored", "ignored", "ignored", "page",
    ]  # fmt: skip
    assert site.url("_pages/p.md", {}, None) == "/_pages/p.html"
    assert site.defaults_for("docs/a.md", "pages") == {"parent": "D", "nav_order": 3}
    assert site.defaults_for("docs2/b.md", "pages") == {"parent": "D"}
