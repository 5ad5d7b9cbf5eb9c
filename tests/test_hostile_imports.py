"""Hostile files on import: each refused with a clear message, the database unchanged; property tests."""

import datetime as dt
import io
import tempfile
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pages.content import markdown_io
from pages.models import Page, Redirect
from pages.sync.exporting import export_pages
from pages.sync.importing import import_folders
from pages.sync.report_text import printable
from tests.sync_helpers import run_import, write_site

pytestmark = pytest.mark.django_db

GOOD = {"index.md": "---\ntitle: Home\n---\n# Home\n"}


def snapshot():
    return list(Page.objects.order_by("pk").values()), list(Redirect.objects.order_by("pk").values())


def alias_bomb() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for name, prev in zip("bcdef", "abcde", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]")
    return "---\ntitle: Bomb\n" + "\n".join(lines) + "\n---\n"


HOSTILE = {
    "dotdot-permalink": (
        "---\ntitle: X\npermalink: /../../etc/passwd\n---\n",
        "evil.md:3:1: permalink '/../../etc/passwd' contains '..'; paths must stay inside the site",
    ),
    "dotdot-redirect": (
        "---\ntitle: X\nredirect_from:\n  - ../../admin/\n---\n",
        "evil.md:3:1: redirect_from '../../admin/' contains '..'; paths must stay inside the site",
    ),
    "nul-bytes": (b"---\ntitle: X\n---\nGIF89a\x00\x01", "evil.md:4:7: binary file (NUL byte)"),
    "latin-1": ("---\ntitle: Déjà vu\n---\n".encode("latin-1"), "evil.md:2:9: not UTF-8 (byte 0xe9)"),
    "python-tag": (
        "---\ntitle: X\nrun: !!python/object/apply:os.system ['rm -rf /']\n---\n",
        "evil.md:3:6: YAML tag !!python/object/apply:os.system is not allowed in front matter",
    ),
    "alias-bomb": (alias_bomb(), "evil.md:2:1: front matter expands to more than 10000 values"),
    "list-front-matter": (
        "---\n- title\n- X\n---\n",
        "evil.md:2:1: front matter must be a mapping of keys to values, not a list",
    ),
    "duplicate-keys": (
        "---\ntitle: X\nnav_order: 1\ntitle: Y\n---\n",
        "evil.md:4:1: duplicate key 'title' (first defined on line 2)",
    ),
    "title-list": ("---\ntitle: [a, b]\n---\n", "evil.md:2:1: title: must be text, not a list"),
    "title-mapping": ("---\ntitle: {a: 1}\n---\n", "evil.md:2:1: title: must be text, not a mapping"),
    "tab-indent": ("---\ntitle: X\nmeta:\n\tkey: 1\n---\n", "evil.md:4:1: invalid YAML: a tab character"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_file_is_refused_and_database_unchanged(case, tmp_path):
    """Each hostile file gets a precise error; nothing changes unless --skip-invalid."""
    content, message = HOSTILE[case]
    root = write_site(tmp_path, GOOD)
    run_import(root)
    before = snapshot()
    write_site(root, {"evil.md": content, "index.md": "---\ntitle: Home changed\n---\n"})
    report = run_import(root)
    assert [str(e)[: len(message)] for e in report.errors] == [message]
    assert report.failed and snapshot() == before
    skipped = run_import(root, skip_invalid=True)
    assert skipped.skipped == ["evil.md"] and skipped.updated == ["index.md"]
    assert not Page.objects.filter(source_path="evil.md").exists()


def test_symlink_leaving_the_root_is_refused(tmp_path):
    """A symlink to a file outside the import root is refused, naming the target; inside links are fine."""
    outside = tmp_path / "secret.md"
    outside.write_text("---\ntitle: Secret\n---\n")
    root = write_site(tmp_path / "site", GOOD)
    (root / "leak.md").symlink_to(outside)
    (root / "alias.md").symlink_to(root / "index.md")
    report = run_import(root)
    assert [str(e) for e in report.errors] == [
        f"leak.md: symlink to {outside}, outside the import root; refused"
    ]
    assert Page.objects.count() == 0
    report = run_import(root, skip_invalid=True)
    assert sorted(report.created) == ["alias.md", "index.md"] and report.skipped == ["leak.md"]
    assert not Page.objects.filter(title="Secret").exists()


def test_symlinked_folder_leaving_the_root_is_refused(tmp_path):
    """A symlinked folder pointing outside the root is refused; one inside is skipped with a warning."""
    outside = write_site(tmp_path / "outside", {"secret.md": "---\ntitle: Secret\n---\n"})
    root = write_site(tmp_path / "site", {**GOOD, "docs/a.md": "---\ntitle: A\n---\n"})
    (root / "leak").symlink_to(outside, target_is_directory=True)
    (root / "again").symlink_to(root / "docs", target_is_directory=True)
    report = run_import(root)
    assert [str(e) for e in report.errors] == [
        f"leak: symlinked folder to {outside}, outside the import root; refused"
    ]
    assert Page.objects.count() == 0
    report = run_import(root, skip_invalid=True)
    assert sorted(report.created) == ["docs/a.md", "index.md"]
    assert report.warnings["again"] == [
        "symlinked folder not followed; its files are imported where they really are"
    ]


SKIPPED_TARGETS = {
    ".git/config": "[core]\n\trepositoryformatversion = 0\n",
    ".env": "DJANGO_SECRET_KEY=do-not-publish\n",
    ".secrets/notes.md": "---\ntitle: Hidden\n---\nsecret\n",
    "_site/copy.md": "---\ntitle: Built copy\n---\nsecret\n",
    "node_modules/pkg/readme.md": "---\ntitle: Package\n---\nsecret\n",
    "docs/.draft.md": "---\ntitle: Dot file\n---\nsecret\n",
    "docs/notes.txt": "not markdown, secret\n",
}


@pytest.mark.parametrize("target", sorted(SKIPPED_TARGETS))
def test_symlink_to_a_file_the_walk_skips_is_refused(target, tmp_path):
    """A link inside the root to a dot-folder, dot-file, _site, node_modules or non-markdown file is
    refused with the import's skip rule named; the target's content is never published."""
    root = write_site(tmp_path / "site", {**GOOD, target: SKIPPED_TARGETS[target]})
    (root / "leak.md").symlink_to(root / target)
    report = run_import(root)
    assert [str(e) for e in report.errors] == [
        f"leak.md: symlink to {(root / target).resolve()}, a file the import skips; refused"
    ]
    assert Page.objects.count() == 0
    report = run_import(root, skip_invalid=True)
    assert report.created == ["index.md"] and report.skipped == ["leak.md"]
    assert not Page.objects.filter(body__contains="secret").exists()
    assert not Page.objects.filter(body__contains="repositoryformatversion").exists()


def test_symlink_through_a_symlinked_folder_into_a_dot_folder_is_refused(tmp_path):
    """A link whose path hides the dot-folder behind another link is judged by where it really points."""
    root = write_site(tmp_path / "site", {**GOOD, ".git/config.md": "secret"})
    (root / "innocent").symlink_to(root / ".git", target_is_directory=True)
    (root / "leak.md").symlink_to(root / "innocent" / "config.md")
    report = run_import(root)
    assert [str(e) for e in report.errors] == [
        f"leak.md: symlink to {(root / '.git' / 'config.md').resolve()}, a file the import skips; refused"
    ]


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    """A file over the size limit is refused with its size; the database is unchanged."""
    monkeypatch.setattr(markdown_io, "MAX_FILE_BYTES", 100)
    root = write_site(tmp_path, {**GOOD, "big.md": "---\ntitle: Big\n---\n" + "x" * 200})
    report = run_import(root)
    assert [str(e) for e in report.errors] == ["big.md: file is 219 bytes, over the 100-byte limit"]
    assert Page.objects.count() == 0


SAFE_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=80)
SCALARS = st.one_of(
    SAFE_TEXT,
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
KEYS = st.sampled_from(
    ["title", "nav_order", "date", "parent", "permalink", "published", "description", "nav_exclude",
     "redirect_from", "has_toc", "layout", "custom"]
)  # fmt: skip
FRONT_MATTER = st.dictionaries(KEYS, st.one_of(SCALARS, st.lists(SCALARS, max_size=3)), max_size=6)
BODY_LINES = st.sampled_from(["# H", "---", "- item", "```yaml", "{% raw %}", "\r\n", "a"])
BODIES = st.one_of(SAFE_TEXT, st.lists(BODY_LINES).map("\n".join))


def import_text(data: bytes):
    """Import one file in a fresh folder; return the report and the folder."""
    folder = Path(tempfile.mkdtemp(prefix="quire-hyp-"))
    (folder / "page.md").write_bytes(data)
    return import_folders([folder]), folder


HYPOTHESIS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@HYPOTHESIS
@given(front_matter=FRONT_MATTER, body=BODIES, crlf=st.booleans(), bom=st.booleans())
# Numbers PostgreSQL's jsonb gives back changed (-0.0 → 0.0, 1e+16 → 10000000000000000).
@example(front_matter={"title": 1e16}, body="", crlf=False, bom=False)
@example(front_matter={"description": -0.0, "custom": [1e300, -1.5e17]}, body="", crlf=False, bom=False)
def test_import_never_crashes_and_round_trip_is_stable(front_matter, body, crlf, bom):
    """Generated pages: import succeeds or reports errors; import→export→import is stable."""
    Page.objects.all().delete()
    text = "---\n" + yaml.safe_dump(front_matter, allow_unicode=True, sort_keys=False) + "---\n" + body
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    report, folder = import_text(data)
    if report.errors:
        assert report.failed and Page.objects.count() == 0
        assert all(str(e).startswith("page.md") for e in report.errors)
        return
    exported = Path(tempfile.mkdtemp(prefix="quire-hyp-out-"))
    export_pages(exported)
    assert (exported / "page.md").read_bytes() == data
    before = list(Page.objects.values("title", "url_path", "nav_order", "date", "body", "published"))
    again = import_folders([exported])
    assert again.unchanged == ["page.md"] and again.errors == []
    assert list(Page.objects.values("title", "url_path", "nav_order", "date", "body", "published")) == before


@HYPOTHESIS
@given(raw=st.text(st.characters(exclude_categories=["Cs"]), max_size=200), body=SAFE_TEXT)
def test_arbitrary_front_matter_text_never_crashes(raw, body):
    """Any text between the --- lines gives a page or a located error, never an exception."""
    Page.objects.all().delete()
    report, _ = import_text(f"---\n{raw}\n---\n{body}".encode())
    assert report.errors or Page.objects.count() == 1
    for error in report.errors:
        assert str(error).startswith("page.md")


# --- One YAML loader, the same limits, for the import and the admin's front-matter box ---


def nested_block(depth: int) -> str:
    return (
        "deep:\n" + "".join("  " * level + f"k{level}:\n" for level in range(1, depth)) + "  " * depth + "x\n"
    )


HOSTILE_FRONT_MATTER = {
    "alias-bomb": (
        alias_bomb()[len("---\ntitle: Bomb\n") : -len("---\n")],
        "front matter expands to more than 10000 values",
    ),
    "nested-2000-flow": ("deep: " + "[" * 2000 + "]" * 2000 + "\n", "nested"),
    "nested-300-block": (nested_block(300), "nested"),
    "nested-60": (nested_block(60), "front matter is nested too deeply"),
    "newline-in-key": (
        '"first\\nsecond": 1\n',
        "key 'first\\nsecond' contains a line break or control character",
    ),
    "control-in-nested-key": (
        'meta:\n  "a\\x1b[31m": 1\n',
        "key 'a\\x1b[31m' contains a line break or control character",
    ),
    "python-tag": (
        "run: !!python/object/apply:os.system ['true']\n",
        "YAML tag !!python/object/apply:os.system",
    ),
    "duplicate-key": ("layout: a\nlayout: b\n", "duplicate key 'layout'"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_FRONT_MATTER))
def test_hostile_front_matter_is_refused_by_the_import(case, tmp_path):
    """Each front matter is refused by the import with the loader's message and a file position."""
    text, message = HOSTILE_FRONT_MATTER[case]
    root = write_site(tmp_path, {"evil.md": "---\ntitle: X\n" + text + "---\nBody\n"})
    report = run_import(root)
    assert len(report.errors) == 1
    assert str(report.errors[0]).startswith("evil.md:") and message in str(report.errors[0])
    assert Page.objects.count() == 0


@pytest.mark.parametrize("case", sorted(HOSTILE_FRONT_MATTER))
def test_hostile_front_matter_is_refused_by_the_admin_box(admin_client, case):
    """The admin's front-matter box uses the same loader: the same refusal, as a form error with the
    line, never a 500, and nothing saved."""
    text, message = HOSTILE_FRONT_MATTER[case]
    data = admin_form(title="Evil", url_path="/evil/", extra_front_matter=text)
    response = admin_client.post(reverse("admin:pages_page_add"), data)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors.get("extra_front_matter", []))
    assert message in errors and errors.startswith("Line ")
    assert not Page.objects.filter(title="Evil").exists()


def admin_form(**overrides) -> dict:
    data = {
        "title": "", "url_path": "", "parent": "", "nav_order": "", "date_0": "", "date_1": "",
        "status": "draft", "base_version": "", "body": "Body", "description": "", "extra_front_matter": "",
        "has_toc": "on",
    }  # fmt: skip
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ("redirect_from: ../../admin/\n", "redirect_from '../../admin/' contains '..'"),
        ("redirect_from: [1, 2]\n", "redirect_from: must be a path or a list of paths"),
        ("has_children: maybe\n", "has_children: must be true or false"),
    ],
)
def test_admin_save_that_export_could_not_import_again_is_refused(admin_client, box, message, tmp_path):
    """Before saving, the admin builds the file export would write and reads it with the import's rules;
    a page whose exported file the import would refuse is not saved, and the form says why."""
    data = admin_form(title="Round", url_path="/round/", extra_front_matter=box)
    response = admin_client.post(reverse("admin:pages_page_add"), data)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors.get("extra_front_matter", []))
    assert "could not be imported again" in errors and message in errors
    assert not Page.objects.filter(title="Round").exists()


def test_admin_saved_front_matter_exports_and_imports_again(admin_client, tmp_path):
    """What the admin accepts, export writes and the import reads back unchanged."""
    box = 'layout: wide\ntags: [a, "b: c"]\nmeta:\n  "key with spaces": "line\\nbreak in a value"\n'
    data = admin_form(title="Round", url_path="/round/", extra_front_matter=box, status="published")
    assert admin_client.post(reverse("admin:pages_page_add"), data).status_code == 302
    page = Page.objects.get(title="Round")
    out = tmp_path / "out"
    export_pages(out)
    report = run_import(out)
    assert report.errors == [] and report.unchanged == ["round.md"]
    page.refresh_from_db()
    assert page.front_matter["meta"] == {"key with spaces": "line\nbreak in a value"}


JEKYLL_SKIPPED_TARGETS = {
    "private/notes.md": "---\ntitle: Excluded\n---\nsecret\n",
    "_drafts/plan.md": "---\ntitle: Draft\n---\nsecret\n",
    "_layouts/page.md": "---\ntitle: Layout\n---\nsecret\n",
    "_notes/todo.md": "---\ntitle: Not built\n---\nsecret\n",
}


@pytest.mark.parametrize("target", sorted(JEKYLL_SKIPPED_TARGETS))
def test_symlink_to_a_file_jekyll_does_not_build_is_refused(target, tmp_path):
    """With a _config.yml the walk follows Jekyll's rules (exclude:, _drafts, `_` folders, collections
    without output): a link to a file the walk would not read under those rules is refused as well."""
    config = "exclude: [private]\ncollections:\n  docs:\n    output: true\n"
    root = write_site(
        tmp_path / "site", {**GOOD, "_config.yml": config, target: JEKYLL_SKIPPED_TARGETS[target]}
    )
    (root / "leak.md").symlink_to(root / target)
    report = run_import(root)
    assert [str(e) for e in report.errors] == [
        f"leak.md: symlink to {(root / target).resolve()}, a file the import skips; refused"
    ]
    assert Page.objects.count() == 0


def test_symlinks_to_files_the_jekyll_walk_reads_are_followed(tmp_path):
    """Links to a built collection's document or to a site file the walk reads are fine; a site file
    linking to a dot-file is refused like a page would be."""
    config = "collections:\n  docs:\n    output: true\n"
    root = write_site(
        tmp_path / "site",
        {**GOOD, "_config.yml": config, "_docs/a.md": "---\ntitle: A\n---\n", "files/notes.txt": "notes"},
    )
    (root / "b.md").symlink_to(root / "_docs/a.md")
    (root / "notes.txt").symlink_to(root / "files/notes.txt")
    (root / "env.txt").symlink_to(write_site(root, {".env": "SECRET=1\n"}) / ".env")
    report = run_import(root, skip_invalid=True)
    assert [str(e) for e in report.errors] == [
        f"env.txt: symlink to {(root / '.env').resolve()}, a file the import skips; refused"
    ]
    assert {"b.md", "_docs/a.md"} <= set(report.created)
    assert {"notes.txt", "files/notes.txt"} <= set(report.files.created)


def test_expanded_permalink_is_checked_again(tmp_path):
    """The URL rule also applies after Jekyll's clean-up of a permalink: '/x/.../' becomes '/x/../'."""
    root = write_site(tmp_path, {"evil.md": '---\ntitle: X\npermalink: "/x/.../"\n---\n'})
    report = run_import(root)
    assert len(report.errors) == 1 and "contains '..'" in str(report.errors[0])
    assert Page.objects.count() == 0


def test_url_from_the_sites_permalink_style_follows_the_same_rule(tmp_path):
    """Under a _config.yml (Jekyll's .html URLs) a file name with a backslash is refused the same way."""
    root = write_site(
        tmp_path, {**GOOD, "_config.yml": "title: Site\n", "docs/\\evil.example.md": "---\ntitle: X\n---\n"}
    )
    report = run_import(root)
    assert [str(e) for e in report.errors] == [
        "docs/\\evil.example.md: permalink: the URL /docs/\\evil.example.html made from the file's path "
        "contains '\\', which browsers read as '/' (a link to it could lead to another site); rename the "
        "file or set a permalink"
    ]


# --- One URL rule (pages.content.urls_from_paths.url_problem) for the import and the admin ---

HOSTILE_URLS = {
    "/\\evil.example/": "contains '\\', which browsers read as '/'",
    "/\\\\evil.example/x/": "contains '\\', which browsers read as '/'",
    "/docs\\..\\admin/": "contains '..'",
    "/./docs/": "contains '..'",
    "/a:b/": "contains ':'",
    "/javascript:alert(1)/": "contains ':'",
    "/a\tb/": "contains a tab, line break, invisible or control character",
    "/a\u2028b/": "contains a tab, line break, invisible or control character",
    "/a\u202eb/": "contains a tab, line break, invisible or control character",
    "/a//b/": "contains '//'",
    "/a?b=1/": "contains '?' or '#'",
    "/a#b/": "contains '?' or '#'",
    "/x/%2e%2e/admin/": "contains an encoded",
    "/%5Cevil.example/": "contains an encoded",
}


@pytest.mark.parametrize("url", sorted(HOSTILE_URLS))
def test_hostile_permalink_is_refused_by_the_import(url, tmp_path):
    """Each URL is refused as a permalink and as a redirect_from, with the rule's reason."""
    quoted = url.replace("\\", "\\\\").replace("\t", "\\t").replace('"', '\\"')
    quoted = quoted.replace("\u2028", "\\u2028").replace("\u202e", "\\u202e")
    for key in ("permalink", "redirect_from"):
        Page.objects.all().delete()
        root = write_site(tmp_path / key, {"evil.md": f'---\ntitle: X\n{key}: "{quoted}"\n---\n'})
        report = run_import(root)
        assert len(report.errors) == 1, key
        assert HOSTILE_URLS[url] in str(report.errors[0]) and str(report.errors[0]).startswith("evil.md:3:1:")
        assert Page.objects.count() == 0


@pytest.mark.parametrize("url", sorted(HOSTILE_URLS))
def test_hostile_url_is_refused_by_the_admin(admin_client, url):
    """The admin's URL field applies the same rule, with the same reason."""
    response = admin_client.post(reverse("admin:pages_page_add"), admin_form(title="Evil", url_path=url))
    assert response.status_code == 200
    assert HOSTILE_URLS[url] in " ".join(response.context["adminform"].form.errors["url_path"])
    assert not Page.objects.filter(title="Evil").exists()


def test_url_made_from_a_file_name_follows_the_same_rule(tmp_path):
    """A file whose name makes an unsafe URL (a backslash in it) is refused, with the way out."""
    root = write_site(tmp_path, {**GOOD, "docs/\\evil.example.md": "---\ntitle: X\n---\n"})
    report = run_import(root)
    assert [str(e) for e in report.errors] == [
        "docs/\\evil.example.md: permalink: the URL /docs/\\evil.example/ made from the file's path contains "
        "'\\', which browsers read as '/' (a link to it could lead to another site); rename the file or set "
        "a permalink"
    ]


def test_plain_spaces_and_unicode_stay_allowed(tmp_path):
    """Ordinary file names keep working: a space or non-ASCII letters make a valid URL."""
    root = write_site(
        tmp_path, {**GOOD, "docs/my page.md": "---\ntitle: A\n---\n", "docs/café.md": "---\ntitle: B\n---\n"}
    )
    report = run_import(root)
    assert report.errors == []
    assert set(Page.objects.values_list("url_path", flat=True)) >= {"/docs/my page/", "/docs/café/"}


# --- Terminal escape codes in file names and values never reach the operator's terminal raw ---

ESCAPES = "\x1b[2J\x1b]0;owned\x07\u202e"


def test_control_characters_in_report_lines_are_escaped(tmp_path):
    """File names and front-matter values with terminal escapes, bidi overrides and bells are printed as
    visible escapes in every report line: errors, warnings and per-file lines alike."""
    root = write_site(
        tmp_path,
        {
            **GOOD,
            f"bad{ESCAPES}.md": '---\ntitle: X\npermalink: "/a\\e[31mred/"\n---\n',
            f"warn{ESCAPES}.md": "---\ntitle: W\npermalink: /warn/\n---\n{% include x" + ESCAPES + " %}\n",
        },
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_pages", str(root), "-v", "2", stdout=out, stderr=err)
    call_command("import_pages", str(root), "--skip-invalid", "-v", "2", stdout=out, stderr=err)
    printed = out.getvalue() + err.getvalue()
    assert not any(ch in printed for ch in "\x1b\x07\u202e")
    assert "bad\\x1b[2J\\x1b]0;owned\\x07\\u202e.md:3:1: permalink '/a\\x1b[31mred/' contains" in printed
    assert "warn\\x1b[2J\\x1b]0;owned\\x07\\u202e.md: warning: line 5: Liquid tag" in printed
    assert "warn\\x1b[2J\\x1b]0;owned\\x07\\u202e.md: created" in printed


def test_printable_keeps_line_breaks_only_in_blocks():
    """A diff keeps its lines and tabs; a report line shows even those as escapes."""
    assert printable("a\n\tb\x1b") == "a\\x0a\\x09b\\x1b"
    assert printable("a\n\tb\x1b", block=True) == "a\n\tb\\x1b"
    assert printable("café – ok") == "café – ok"


# --- An unpublished page never becomes the parent of published pages ---

SECTION = {
    "index.md": "---\ntitle: Home\nnav_order: 1\n---\n",
    "zeta/guide.md": "---\ntitle: Guide\nnav_order: 2\n---\nThe guide.\n",
    "zeta/install.md": "---\ntitle: Install\nparent: Guide\n---\nRun it.\n",
    "zeta/upgrade.md": "---\ntitle: Upgrade\nparent: Guide\n---\nUpgrade it.\n",
}


def test_a_draft_reusing_a_sections_title_does_not_take_its_children(client, tmp_path):
    """An editor's draft titled like a published section (and sorting before it) is not a candidate
    parent for published pages: the next import keeps the children under the section, says why, and
    they stay on the public site."""
    root = write_site(tmp_path, SECTION)
    run_import(root)
    guide = Page.objects.get(source_path="zeta/guide.md")
    draft = Page.objects.create(title="Guide", url_path="/a-draft/", published=False, body="Mine.")
    (root / "zeta" / "install.md").write_text("---\ntitle: Install\nparent: Guide\n---\nRun it now.\n")
    report = run_import(root)
    assert report.errors == []
    for path in ("zeta/install.md", "zeta/upgrade.md"):
        assert Page.objects.get(source_path=path).parent_id == guide.pk
    warnings = " ".join(report.warnings.get("zeta/install.md", []))
    assert "unpublished" in warnings and f"page #{draft.pk}" in warnings
    html = client.get("/zeta/guide/").content.decode()
    assert "/zeta/install/" in html and "/zeta/upgrade/" in html


def test_a_published_page_whose_only_candidate_parent_is_a_draft_stays_where_it_was(tmp_path):
    """When the named parent exists only as a draft, a published page is not moved under it."""
    root = write_site(tmp_path, SECTION)
    run_import(root)
    Page.objects.filter(source_path="zeta/guide.md").update(published=False)
    report = run_import(root, prefer="file")
    for path in ("zeta/install.md", "zeta/upgrade.md"):
        page = Page.objects.get(source_path=path)
        assert page.parent is None or page.parent.published
        assert any("unpublished" in w for w in report.warnings.get(path, []))


def test_drafts_may_still_be_parents_of_drafts(tmp_path):
    """The rule protects published pages only: a draft child goes under its draft parent."""
    files = {**SECTION, "zeta/guide.md": "---\ntitle: Guide\npublished: false\n---\n"}
    files["zeta/install.md"] = "---\ntitle: Install\nparent: Guide\npublished: false\n---\n"
    root = write_site(tmp_path, files)
    run_import(root)
    assert Page.objects.get(source_path="zeta/install.md").parent.source_path == "zeta/guide.md"
