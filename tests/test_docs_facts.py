"""The facts the README and the user guide quote, checked against the code: settings and their defaults,
command options, make targets, exit statuses, query counts and the links between pages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.core.management import BaseCommand, call_command, get_commands, load_command_class
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pages.models import Page
from pages.store.site_state import bump_content_version
from tests.commits import committed
from tests.conftest import PROJECT_ROOT, SAMPLE_CONTENT

README = PROJECT_ROOT / "README.md"
SETTINGS = PROJECT_ROOT / "site_project" / "settings.py"
GUIDE = sorted(SAMPLE_CONTENT.glob("*.md"))
DOCS = [README, PROJECT_ROOT / "SECURITY.md", *GUIDE]
CONFIGURATION = SAMPLE_CONTENT / "configuration.md"
CACHING = SAMPLE_CONTENT / "caching.md"

NAME = re.compile(
    r"\b(?:QUIRE|DJANGO)_[A-Z0-9_]*[A-Z0-9](?:_\*)?|\bDATABASE_(?:REPLICA_)?URL\b|\bREDIS_URL\b"
)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def code_snippets(doc: str) -> list[str]:
    """Every code span and every line of a fenced block, where commands and options are shown."""
    lines = [line for block in FENCE.findall(doc) for line in block.splitlines()]
    outside = FENCE.sub("", doc)
    return lines + CODE_SPAN.findall(outside)


# --------------------------------------------------------------------------------- settings and variables
def names_in_code() -> set[str]:
    """Setting and variable names the code reads or defines: string literals, `settings.X`, assignments."""
    found: set[str] = set()
    sources = [*(PROJECT_ROOT / "site_project").glob("*.py"), *(PROJECT_ROOT / "pages").rglob("*.py")]
    sources += [*(PROJECT_ROOT / "bench").glob("*.py"), *(PROJECT_ROOT / "tests").rglob("*.py")]
    sources += [PROJECT_ROOT / "Makefile", PROJECT_ROOT / ".ci" / "run"]
    for path in sources:
        if path.name == Path(__file__).name:
            continue
        source = text(path)
        found |= set(re.findall(r"[\"']((?:QUIRE|DJANGO|DATABASE|REDIS)_[A-Z0-9_]+)[\"']", source))
        found |= set(re.findall(r"\bsettings\.((?:QUIRE|DJANGO)_[A-Z0-9_]+)", source))
        found |= set(re.findall(r"^((?:QUIRE|DJANGO)_[A-Z0-9_]+)\s*=", source, re.MULTILINE))
    return found


def settings_reads() -> dict[str, ast.expr | None]:
    """Each environment variable settings.py reads, with the expression of its default (None: none given)."""
    reads: dict[str, ast.expr | None] = {}
    for node in ast.walk(ast.parse(text(SETTINGS))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = getattr(func, "value", None)
        owner_name = getattr(owner, "attr", None) or getattr(owner, "id", None)
        if called == "get" and owner_name == "environ":
            reads[first.value] = node.args[1] if len(node.args) > 1 else None
        elif called in ("env_bool", "env_list", "database_config"):
            default = node.args[1] if len(node.args) > 1 else None
            for keyword in node.keywords:
                if keyword.arg == "default":
                    default = keyword.value
            if called == "env_bool" and default is None:
                default = ast.Constant(False)
            reads[first.value] = default
    return reads


def code_default(expression: ast.expr | None):
    """The value of a default made of literals, arithmetic and `str()`; ... when it depends on more."""
    if expression is None:
        return None
    if isinstance(expression, ast.Constant):
        return expression.value
    if isinstance(expression, ast.BinOp) and isinstance(expression.op, (ast.Mult, ast.Add)):
        left, right = code_default(expression.left), code_default(expression.right)
        if isinstance(left, int) and isinstance(right, int):
            return left * right if isinstance(expression.op, ast.Mult) else left + right
    if isinstance(expression, ast.Call) and getattr(expression.func, "id", "") == "str" and expression.args:
        value = code_default(expression.args[0])
        return ... if value is ... else str(value)
    return ...


def documented_variables() -> dict[str, str]:
    """Configuration's table rows: variable -> the default cell as written."""
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \| ([^|]*) \|", text(CONFIGURATION), re.MULTILINE)
    return {name: default.strip() for name, default in rows}


UNITS = {"": 1, "s": 1, "MB": 1, "MiB": 1024 * 1024}


def documented_value(cell: str):
    """A default cell read as a value: on/off, a number with its unit, a literal in backticks, or none;
    ... for a default described in words."""
    if cell in ("on", "off"):
        return cell == "on"
    if cell == "—":
        return None
    number = re.fullmatch(r"([\d,]+(?:\.\d+)?)(?: (s|MB|MiB))?", cell)
    if number:
        return float(number.group(1).replace(",", "")) * UNITS[number.group(2) or ""]
    literal = re.fullmatch(r"`([^`]*)`", cell)
    return literal.group(1) if literal else ...


def test_every_setting_the_docs_name_exists_in_the_code():
    """A renamed or removed setting or variable fails here until the docs follow."""
    known = names_in_code()
    unknown = set()
    for path in DOCS:
        for name in NAME.findall(text(path)):
            if name.endswith("_*"):
                if not any(k.startswith(name[:-1]) for k in known):
                    unknown.add(f"{path.name}: {name}")
            elif name not in known:
                unknown.add(f"{path.name}: {name}")
    assert sorted(unknown) == []


def test_every_variable_settings_reads_is_in_the_configuration_page():
    reads = settings_reads()
    assert len(reads) > 40, "settings.py's reads were not found: the parser needs updating"
    assert sorted(set(reads) - set(documented_variables())) == []


def test_every_variable_settings_reads_is_in_env_example():
    example = text(PROJECT_ROOT / ".env.example")
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    assert sorted(set(settings_reads()) - listed) == []


def test_the_configuration_page_gives_the_defaults_settings_uses():
    """Each plain default in the tables (a number, on/off, a literal, none) is the code's default."""
    reads = settings_reads()
    checked, wrong = 0, []
    for name, cell in documented_variables().items():
        if name not in reads:
            continue
        documented, actual = documented_value(cell), code_default(reads[name])
        if documented is ... or actual is ...:
            continue
        if isinstance(documented, float) and isinstance(actual, str):
            actual = float(actual) if actual else None
        if documented is None and actual == "":
            actual = None
        checked += 1
        if documented != actual:
            wrong.append(f"{name}: the page says {cell!r}, settings.py {actual!r}")
    assert wrong == []
    assert checked > 35, "too few defaults were compared: the table's format changed"


# ------------------------------------------------------------------------------- commands and targets
def command_options() -> dict[str, set[str]]:
    options = {}
    for name, app in get_commands().items():
        if isinstance(app, str):
            parser = load_command_class(app, name).create_parser("manage.py", name)
            options[name] = {flag for action in parser._actions for flag in action.option_strings}
    return options


def shown_options(commands: set[str]) -> list[tuple[str, str, str]]:
    """(doc, command, option) for each `--option` shown after a command in a code span or block."""
    shown = []
    pattern = re.compile(r"\b(" + "|".join(sorted(commands, key=len, reverse=True)) + r")\b([^#|`]*)")
    for path in DOCS:
        for snippet in code_snippets(text(path)):
            for command, rest in pattern.findall(snippet):
                rest = re.split(r"\b(?:" + "|".join(commands) + r")\b", rest)[0]
                shown += [
                    (path.name, command, option) for option in re.findall(r"(?<![\w-])--[a-z][\w-]*", rest)
                ]
    return shown


def test_every_command_option_the_docs_show_exists():
    options = command_options()
    ours = {p.stem for p in (PROJECT_ROOT / "pages" / "management" / "commands").glob("[a-z]*.py")}
    shown = shown_options(set(options) & (ours | {"migrate", "collectstatic", "check", "runserver"}))
    assert {command for _doc, command, _option in shown} >= {"import_pages", "export_pages", "build_site"}
    missing = [
        f"{doc}: {command} {option}" for doc, command, option in shown if option not in options[command]
    ]
    assert missing == []


@pytest.mark.parametrize("page", ["importing.md", "import-export-details.md"])
def test_the_import_options_tables_list_the_commands_options(page):
    options = command_options()["import_pages"]
    table = re.search(r"^\| Option \|.*?\n\n", text(SAMPLE_CONTENT / page), re.MULTILINE | re.DOTALL)
    assert table, f"{page} has no options table"
    listed = set(re.findall(r"^\| `(--[a-z][\w-]*)", table.group(0), re.MULTILINE))
    django_own = BaseCommand().create_parser("manage.py", "x")._actions
    assert listed == options - {flag for action in django_own for flag in action.option_strings}


def test_every_make_target_the_docs_name_exists():
    makefile = text(PROJECT_ROOT / "Makefile")
    targets = set(re.findall(r"^([\w.-]+):", makefile, re.MULTILINE))
    named = {
        (path.name, target)
        for path in DOCS
        for snippet in code_snippets(text(path))
        for target in re.findall(r"(?:^|[\s;(])make ([a-z][\w.-]*)", snippet)
    }
    assert {"run", "test"} <= {target for _doc, target in named}
    assert sorted(f"{doc}: make {target}" for doc, target in named if target not in targets) == []


@pytest.mark.parametrize("page", ["importing.md", "import-export-details.md"])
def test_the_import_exit_statuses_are_the_commands(page):
    from pages.management.commands import import_pages

    doc = " ".join(text(SAMPLE_CONTENT / page).split())
    quoted = {
        "EXIT_INVALID": r"(\d) invalid files",
        "EXIT_CHANGES": r"(\d) changes pending",
        "EXIT_CONFLICTS": r"(\d) conflicts left alone",
        "EXIT_BUSY": r"(\d) another import is running",
    }
    for constant, pattern in quoted.items():
        match = re.search(pattern, doc)
        assert match, f"the exit status sentence no longer says {pattern!r}"
        assert int(match.group(1)) == getattr(import_pages, constant), constant


# ------------------------------------------------------------------------------------------- routes
@pytest.mark.parametrize("page", ["public-site.md", "site-details.md"])
def test_the_addresses_the_url_tables_list_are_quires_own_routes(page):
    """Each address of a URL table reaches its own view, not the catch-all page view."""
    from django.urls import resolve

    listed = re.findall(r"^\| `(/[^`]*)`", text(SAMPLE_CONTENT / page), re.MULTILINE)
    examples = {"<id>": "1", "<start>-<end>": "0-150"}
    checked = 0
    for address in listed:
        if address == "/" or "<url_path>" in address or "<site file>" in address:
            continue
        path = re.split(r"[?…]", address)[0]
        for placeholder, example in examples.items():
            path = path.replace(placeholder, example)
        assert resolve(path).func.__name__ != "page_detail", address
        checked += 1
    assert checked >= 4


# ------------------------------------------------------------------------------------- query counts
QUERY_COUNTS = {
    "cold": r"a page view with empty caches: \*\*(\d+) quer",
    "warm navigation": r"a page of an already cached navigation: \*\*(\d+) quer",
    "cached": r"a cached page: \*\*(\d+) quer",
    "shared version": r"a cached page once the content version's copy is in the shared cache: \*\*(\d+) quer",
}


def quoted_queries(case: str) -> int:
    match = re.search(QUERY_COUNTS[case], " ".join(text(CACHING).split()))
    assert match, f"caching.md no longer quotes the {case} query count in its parseable form"
    return int(match.group(1))


def small_site() -> None:
    sections = Page.objects.bulk_create(
        Page(title=f"Section {i}", url_path=f"/s{i}/", nav_order=str(i), body_html="<p>s</p>")
        for i in range(3)
    )
    Page.objects.bulk_create(
        Page(title=f"Page {i}", url_path=f"/s0/p{i}/", parent=sections[0], body_html="<p>p</p>")
        for i in range(3)
    )
    with committed():
        bump_content_version()  # as the write path that adds pages does


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_the_quoted_query_counts_are_what_a_page_view_runs(client, settings):
    # The counts quoted first are the default local-memory cache's: the version is read from the
    # database (a shared cache's trusted copy answers it without a query: the last count quoted).
    settings.QUIRE_VERSION_IN_CACHE = False
    small_site()
    assert queries_of(client, "/s0/") == quoted_queries("cold")
    assert queries_of(client, "/s0/p0/") == quoted_queries("warm navigation")
    assert queries_of(client, "/s0/p0/") == quoted_queries("cached")


@pytest.mark.django_db(transaction=True)
def test_the_quoted_query_count_with_a_shared_version(client, settings):
    settings.QUIRE_VERSION_IN_CACHE = True  # the test's local-memory cache is shared within this process
    small_site()
    client.get("/s0/")
    assert queries_of(client, "/s0/") == quoted_queries("shared version")


# -------------------------------------------------------------------------------------------- links
def page_anchors(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))


@pytest.mark.django_db
def test_links_between_guide_pages_resolve_to_pages_and_headings():
    """Every link of the served guide to another page or heading of it lands on one that exists."""
    call_command("import_pages", str(SAMPLE_CONTENT), verbosity=0)
    pages = {page.url_path: page for page in Page.objects.all()}
    assert [p.source_path for p in pages.values() if p.render_warnings] == []
    broken = []
    for page in pages.values():
        html = re.sub(r"<code[^>]*>.*?</code>", "", page.body_html, flags=re.DOTALL)  # markup shown as text
        for href in re.findall(r'<a\s[^>]*href="([^"]+)"', html):
            if re.match(r"[a-z]+:", href) or href.startswith("/static/"):
                continue
            path, _, anchor = href.partition("#")
            target = pages.get(path or page.url_path)
            if target is None or (anchor and anchor not in page_anchors(target.body_html)):
                broken.append(f"{page.source_path}: {href}")
    assert broken == []


@pytest.mark.django_db
def test_the_readmes_links_resolve():
    call_command("import_pages", str(SAMPLE_CONTENT), verbosity=0)
    by_file = {page.source_path: page for page in Page.objects.all()}
    broken = []
    for target in LINK.findall(text(README)):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        if not (PROJECT_ROOT / path).is_file():
            broken.append(target)
        elif anchor:
            page = by_file.get(str(Path(path).relative_to("fixtures/content")))
            if page is None or anchor not in page_anchors(page.body_html):
                broken.append(target)
    assert broken == []
