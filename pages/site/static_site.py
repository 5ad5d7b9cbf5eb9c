"""The whole public site as files, for GitHub Pages, a CDN or any bucket (`manage.py build_site OUT`).

Every file is what the server sends an anonymous reader: fetched through Django's test client (the
same middleware, views and templates), or, for pages, from the URL's view function with an anonymous
request once a process has checked that this gives the test client's bytes. So the output follows
whatever URLs and markup the server uses; only per-request parts are left out (CSRF tokens; cookies are
never written). Each output path comes from the URL Quire serves: `/a/b/` → `a/b/index.html`,
`/a/b.html` → `a/b.html`.

Written: every public page, the sidebar branch fragments (`/-/nav/<id>/`), `404.html`, the search page,
the diagram frame, the feed, the sitemap, `robots.txt`, the static files (hashed names, as collectstatic
writes them), uploaded media, old URLs (moved pages, `redirect_from`) as small HTML pages plus a
`_redirects` file, a static search index in parts (`-/search-index.json` names them; see
`pages.site.static_search`) that the header's live search reads in the browser, and `.nojekyll` (so GitHub
Pages publishes the folder as it is). The sitemap is written by `pages.site.sitemaps`' own writer and rule.

Under a base URL (`--base-url /docs/`) the pages are fetched with that script prefix and every
root-relative link the server wrote without it (page links stored as `/x/`) gets it.

A manifest (`.quire-build.json`) records each written file's content hash and, for pages, a fingerprint
of everything the page is made from (its row, with its body as a digest the database computes; the
navigation it shows, its neighbours, the templates, the static names, the sidebar's window; the options
key the whole manifest). `incremental=True` renders only pages whose fingerprint changed, writes only
files whose bytes changed, and deletes the files of the previous build that are gone. Files the build
never wrote are never deleted. Where the database allows forking, the page rows are read by a forked
process while this one builds the navigation (`rows_meanwhile`; one navigation serves the whole build,
this process's page views and the workers'), and pages are rendered by forked worker processes while
this one writes everything else (`render_all`). One build at a time writes into a folder
(`pages.site.build_lock`).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import os
import pickle
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings
from django.urls import Resolver404, get_script_prefix, resolve, reverse, set_script_prefix

from pages.site.build_lock import build_lock
from pages.site.static_search import INDEX_PATH as SEARCH_INDEX_PATH
from pages.site.static_search import write_index

MANIFEST_NAME = ".quire-build.json"
MANIFEST_FORMAT = 1
BUILD_CACHE_ALIAS = "quire-static-build"
# Not part of the public site: the admin's and the editor's own files.
STATIC_IGNORE = ["admin", "quire/admin", "markdownx", "*.scss", "*.map"]
PAGE_COLUMNS = (
    "id", "url_path", "title", "parent_id", "date", "updated_at", "version", "body_hash", "toc_text",
    "description", "has_toc", "nav_order", "front_matter_text", "search_exclude",
)  # fmt: skip

_PLAIN_FOLDER_URL = re.compile(r"/(?:[\w-]+/)*")  # letters, digits, _ and - between slashes, ending in one
_CSRF_INPUT_RE = re.compile(r'<input\b[^>]*\bname="csrfmiddlewaretoken"[^>]*>', re.IGNORECASE)
_ROOT_RELATIVE_ATTR_RE = re.compile(r'(\s(?:href|src|action|poster|data-[\w-]+)=")(/(?!/)[^"]*)"')


class BuildError(Exception):
    """The build cannot go on: bad options, or a page the server does not answer."""


# ------------------------------------------------------------------------------------------ options
def normalise_base_url(value: str | None) -> str:
    """`/docs` or `docs/` → `/docs/`; empty → `/`. Refuses anything that is not a plain path."""
    text = (value or "").strip()
    if not text or text == "/":
        return "/"
    if "://" in text or text.startswith("//") or any(ch in text for ch in "?#\\\x00\r\n\t \"'<>"):
        raise BuildError(f"--base-url '{value}' is not a path such as /docs/")
    parts = [part for part in text.strip("/").split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise BuildError(f"--base-url '{value}' contains '.' or '..'")
    return "/" + "/".join(parts) + "/"


def normalise_site_url(value: str | None) -> tuple[str, str]:
    """(scheme, host) of the site's address, for canonical links, the feed and the sitemap."""
    text = (value or "").strip() or "http://localhost"
    parts = urlsplit(text if "://" in text else "https://" + text)
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        raise BuildError(f"--site-url '{value}' is not an address such as https://docs.example.org")
    if parts.path.strip("/"):
        raise BuildError(f"--site-url '{value}' has a path: give the path prefix as --base-url instead")
    return parts.scheme, parts.netloc


def output_path(url_path: str) -> str:
    """Where the file for a URL goes, relative to the output folder.

    `/` → `index.html`; `/a/b/` → `a/b/index.html`; `/a/b.html` (a file name with an extension) →
    `a/b.html`; `/a/b` (no extension) → `a/b/index.html`, which static servers answer at `/a/b`.
    """
    if _PLAIN_FOLDER_URL.fullmatch(url_path):  # the common case, /a/b/, without the general parsing
        return url_path[1:] + "index.html"
    path = unquote(urlsplit(url_path).path)
    parts = [part for part in path.split("/") if part]
    if any(part in (".", "..") or "\x00" in part or "\\" in part for part in parts):
        raise BuildError(f"the URL {url_path} cannot be written as a file")
    if not parts:
        return "index.html"
    if path.endswith("/") or "." not in parts[-1]:
        return "/".join([*parts, "index.html"])
    return "/".join(parts)


# ---------------------------------------------------------------------------------------- the result
@dataclass
class BuildReport:
    out: Path
    pages: int = 0
    rendered: int = 0
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    redirects: int = 0
    workers: int = 1  # processes that rendered pages
    skipped: list[str] = field(default_factory=list)  # messages: what could not be written, and why
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.pages} pages ({self.rendered} rendered by {self.workers} process"
            f"{'es' if self.workers > 1 else ''}), {len(self.written)} files written, "
            f"{self.unchanged} unchanged, {len(self.deleted)} deleted, {self.redirects} redirects, "
            f"in {self.seconds:.2f} s"
        )


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Output:
    """The output folder and its manifest: writes a file only when its bytes changed."""

    def __init__(self, root: Path, previous: dict[str, dict], report: BuildReport):
        self.root = root
        self.root_text = str(root)
        self.previous = previous
        self.files: dict[str, dict] = {}
        self.report = report
        self.static_sources = ""
        self.folders: set[Path] = set()
        self.pending: set[str] = set()  # pages being written by forked processes

    def target(self, relpath: str) -> Path:
        path = (self.root / relpath).resolve()
        if self.root.resolve() not in path.parents:
            raise BuildError(f"{relpath} would be written outside {self.root}")
        return path

    def claimed(self, relpath: str) -> bool:
        return relpath in self.files or relpath in self.pending

    def keep(self, relpath: str) -> bool:
        """Carry an unchanged file over from the previous build without touching it (if it is there)."""
        entry = self.previous.get(relpath)
        if entry is None or not os.path.isfile(os.path.join(self.root_text, relpath)):
            return False
        self.files[relpath] = entry
        self.report.unchanged += 1
        return True

    def reuse(self, relpath: str, fingerprint: str | None, reusable: bool) -> bool:
        """In an incremental build, keep the previous file when what it is made from is unchanged."""
        previous = self.previous.get(relpath)
        if not (reusable and fingerprint and previous and previous.get("input") == fingerprint):
            return False
        return self.keep(relpath)

    def write(
        self, relpath: str, data: bytes, fingerprint: str | None = None, *, digest: str | None = None, **extra
    ) -> None:
        """`digest`: `_digest(data)` when the caller has it already."""
        digest = digest or _digest(data)
        self.files[relpath] = {"hash": digest, **({"input": fingerprint} if fingerprint else {}), **extra}
        old = self.previous.get(relpath)
        path = self.target(relpath)
        if old is not None and old.get("hash") == digest and path.is_file():
            self.report.unchanged += 1
            return
        if path.parent not in self.folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(path.parent)
        temporary = path.with_name(f".{path.name}.tmp{os.getpid()}")
        temporary.write_bytes(data)
        os.replace(temporary, path)
        self.report.written.append(relpath)

    def delete_gone(self) -> None:
        """Remove the files the previous build wrote and this one did not, and folders left empty."""
        for relpath in sorted(set(self.previous) - set(self.files)):
            try:
                path = self.target(relpath)  # a manifest edited to name a file elsewhere is ignored
            except BuildError:
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                self.report.deleted.append(relpath)
            parent = path.parent
            top = self.root.resolve()
            while parent != top and top in parent.parents and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent


# ------------------------------------------------------------------------------------ link rewriting
class Links:
    """Puts the base URL in front of the root-relative and absolute links the server wrote without it."""

    def __init__(self, base_url: str, origin: str):
        self.base_url = base_url
        self.origin = origin
        tail = re.escape(base_url[1:])
        self._absolute = re.compile(re.escape(origin) + (rf"/(?!{tail})" if base_url != "/" else r"(?!)"))

    def path(self, url: str) -> str:
        if self.base_url == "/" or not url.startswith("/") or url.startswith(self.base_url):
            return url
        return self.base_url + url[1:]

    def html(self, text: str) -> str:
        text = _CSRF_INPUT_RE.sub("", text)
        if self.base_url == "/":
            return text
        text = _ROOT_RELATIVE_ATTR_RE.sub(lambda m: f'{m.group(1)}{self.path(m.group(2))}"', text)
        return self.text(text)

    def text(self, text: str) -> str:
        if self.base_url == "/":
            return text
        return self._absolute.sub(self.origin + self.base_url, text)


# ------------------------------------------------------------------------------------------- fetching
class Fetcher:
    """GETs URLs through Django's test client as an anonymous reader of the site at origin + base URL.

    Pages (`page()`) take a shorter way when it gives the same bytes: the URL's view function called
    with an anonymous request, without the middleware (which adds headers, not content, to a public
    page). Each process checks that on its first page, against the test client's answer, and keeps to
    the test client if they differ.
    """

    def __init__(self, scheme: str, host: str, base_url: str):
        script_name = base_url.rstrip("/")
        self.client = Client(HTTP_HOST=host, SCRIPT_NAME=script_name)
        self.factory = RequestFactory(HTTP_HOST=host, SCRIPT_NAME=script_name)
        self.secure = scheme == "https"
        self.direct: bool | None = None  # None: not checked yet in this process
        self.checked_in = os.getpid()

    def page(self, url_path: str) -> bytes:
        if self.checked_in != os.getpid():  # a forked worker checks again for itself
            self.direct, self.checked_in = None, os.getpid()
        if self.direct is None:
            served = self.get(url_path)
            self.direct = self._view(url_path) == served
            return served
        content = self._view(url_path) if self.direct else None
        return content if content is not None else self.get(url_path)

    def _view(self, url_path: str) -> bytes | None:
        """The view's 200 answer to an anonymous GET, or None (then the test client answers)."""
        request = self.factory.get(url_path, secure=self.secure)
        request.user = AnonymousUser()
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        response = match.func(request, *match.args, **match.kwargs)
        if response.status_code != 200 or response.streaming:
            return None
        return response.content

    def get(self, url_path: str, expect: int = 200) -> bytes:
        logger = logging.getLogger("django.request")
        level = logger.level
        if expect != 200:  # an expected "Not Found" is no warning
            logger.setLevel(logging.ERROR)
        try:
            response = self.client.get(url_path, secure=self.secure)
        finally:
            logger.setLevel(level)
        if response.status_code != expect:
            raise BuildError(f"{url_path} answered {response.status_code}, not {expect}")
        return response.content


@contextlib.contextmanager
def build_settings(out: Path, static_root: Path, scheme: str, host: str, base_url: str) -> Iterator[None]:
    """Settings for the build only: a private cache (nothing built for the base URL reaches the
    server's shared cache), manifest static names from `static_root`, the base URL as script name."""
    from pages.site.nav_cache import forget_local_navigation

    cache_settings = {
        **settings.CACHES,
        BUILD_CACHE_ALIAS: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "build"},
    }
    storages = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
            "OPTIONS": {"location": str(static_root)},
        },
    }
    overrides = {
        "CACHES": cache_settings,
        "QUIRE_CACHE_ALIAS": BUILD_CACHE_ALIAS,
        "QUIRE_CACHE_RESPONSES": False,
        "STORAGES": storages,
        "STATIC_ROOT": str(static_root),
        "ALLOWED_HOSTS": [host.split(":")[0]],
        "SECURE_SSL_REDIRECT": False,
        "FORCE_SCRIPT_NAME": base_url.rstrip("/") or None,
        "QUIRE_STATIC_SEARCH_INDEX": SEARCH_INDEX_PATH,
    }
    forget_local_navigation()
    script_prefix = get_script_prefix()
    try:
        with override_settings(**overrides):
            set_script_prefix(base_url)
            caches[BUILD_CACHE_ALIAS].clear()  # nothing from an earlier build in this process
            try:
                yield
            finally:
                caches[BUILD_CACHE_ALIAS].clear()
    finally:
        set_script_prefix(script_prefix)
        forget_local_navigation()


# -------------------------------------------------------------------------------------------- static
def _site_path_of(setting: str) -> str:
    """`static/` or `/static/` or `https://cdn/static/` → `static` (the folder in the output)."""
    path = urlsplit(getattr(settings, setting, "") or "").path
    prefix = get_script_prefix()  # Django puts it in front of a relative STATIC_URL / MEDIA_URL
    if prefix != "/" and path.startswith(prefix):
        path = path[len(prefix) :]
    return path.strip("/")


def static_sources_fingerprint() -> str:
    """What collectstatic would read: every found file's path, size and modification time."""
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.blake2b(digest_size=16)
    for finder in get_finders():
        for path, storage in finder.list(STATIC_IGNORE):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect_static(work: Path) -> None:
    """collectstatic with hashed names into `work` (the storage of `build_settings`)."""
    call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=STATIC_IGNORE, clear=True)


def write_tree(output: Output, source: Path, prefix: str, skip: Callable[[str], bool] = lambda p: False):
    for path in sorted(source.rglob("*")):
        if path.is_file():
            rel = path.relative_to(source).as_posix()
            if not skip(rel):
                output.write(f"{prefix}/{rel}" if prefix else rel, path.read_bytes())


def write_media(output: Output, incremental: bool) -> None:
    """Every file in the media storage (uploads, the site's own files), at the media URL's path."""
    folder = _site_path_of("MEDIA_URL")
    if not folder:
        return
    storage = default_storage

    def walk(directory: str) -> Iterator[str]:
        try:
            dirs, files = storage.listdir(directory)
        except (FileNotFoundError, NotADirectoryError):
            return
        for name in sorted(files):
            yield f"{directory}/{name}" if directory else name
        for name in sorted(dirs):
            yield from walk(f"{directory}/{name}" if directory else name)

    for name in walk(""):
        relpath = f"{folder}/{name}"
        try:
            stamp = f"{storage.size(name)}:{storage.get_modified_time(name).timestamp()}"
        except (NotImplementedError, OSError):
            stamp = None
        previous = output.previous.get(relpath)
        if incremental and stamp and previous and previous.get("stamp") == stamp and output.keep(relpath):
            continue
        with storage.open(name, "rb") as handle:
            output.write(relpath, handle.read(), stamp=stamp)


# --------------------------------------------------------------------------------------------- pages
def templates_fingerprint() -> str:
    """The templates the public site is made from: the project's and the app's own, without the
    admin's (`admin/`), which no public page uses, so changing those rebuilds nothing."""
    digest = hashlib.blake2b(digest_size=16)
    roots = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    roots.append(Path(__file__).resolve().parents[1] / "templates")  # the app's own
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            relative = path.relative_to(root)
            if path.is_file() and relative.parts[0] != "admin":
                digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def page_rows() -> list[tuple]:
    """The public pages' columns a page is made from; the body as its digest, computed by the database
    (MD5, native on PostgreSQL; SHA-1 on SQLite, where Django computes either in Python and SHA-1 is
    the quicker), so the bodies themselves are not fetched; the JSON columns as their text (they are
    only compared, never read)."""
    from django.db import connections, router
    from django.db.models import TextField
    from django.db.models.functions import MD5, SHA1, Cast

    from pages.models import Page

    digest = SHA1 if connections[router.db_for_read(Page)].vendor == "sqlite" else MD5
    rows = Page.objects.published().annotate(
        body_hash=digest("body_html"),
        toc_text=Cast("toc", TextField()),
        front_matter_text=Cast("front_matter", TextField()),
    )
    return list(rows.order_by("url_path").values_list(*PAGE_COLUMNS))


def rows_meanwhile() -> Callable[[], list[tuple]]:
    """`page_rows()` read while this process goes on; returns the function that waits for them. On
    SQLite the body digests are Python's work in the reading process, so a forked process reads them
    (where forking can work: `can_fork`); a server database digests them in its own process, and
    this one reads them at once (a process forked beside this one's new connection lost its own
    connection on PostgreSQL)."""
    from django.db import connections, router

    from pages.models import Page

    if connections[router.db_for_read(Page)].vendor != "sqlite" or not can_fork():
        rows = page_rows()
        return lambda: rows
    connections.close_all()  # each process opens its own
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        try:
            payload = pickle.dumps(("rows", page_rows()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent
            payload = pickle.dumps(("error", f"{type(error).__name__}: {error}"))
        finally:
            connections.close_all()
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        os._exit(0)
    os.close(write_end)

    def rows() -> list[tuple]:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
        # The answer of our own child, through our own pipe.
        kind, value = pickle.loads(data) if data else ("error", "the process reading the pages ended")  # noqa: S301
        if kind == "error":
            raise BuildError(f"reading the pages: {value}")
        return value

    return rows


class PageInputs:
    """Fingerprints of what each page's HTML is made from, found without rendering it: the page's row,
    the site-wide inputs, and the navigation it shows — the top level, and for the page and each of its
    ancestors its entry and its children's entries (its open branch, breadcrumbs and "In this section"),
    and its previous and next page."""

    def __init__(self, rows: list[tuple], navigation, global_fingerprint: str):
        self.navigation = navigation
        self.tree = navigation.tree
        self.closed = navigation.closed
        self.global_fingerprint = global_fingerprint
        self.rows = {row[0]: row for row in rows}
        self.row_digests = {row[0]: _digest(repr(row).encode()) for row in rows}
        self.top_level = _digest("".join(self.closed[record.id] for record in self.tree.roots).encode())
        self._children: dict[int, str] = {}
        self._ancestors: dict[int, str] = {}  # made once a record
        self._reprs: dict[int, str] = {}

    def children(self, page_id: int) -> str:
        digest = self._children.get(page_id)
        if digest is None:
            kids = self.tree.children.get(page_id, [])
            digest = self._children[page_id] = _digest("".join(self.closed[kid.id] for kid in kids).encode())
        return digest

    def level(self, parent_id: int | str) -> str:
        """The entries of one level: the top level (0), a collection's ("c<index>"), a page's children."""
        from pages.content.nav_tree import TOP_LEVEL

        if parent_id == TOP_LEVEL:
            return self.top_level
        if isinstance(parent_id, str):
            roots = next((section.roots for section in self.tree.sections if section.level == parent_id), [])
            return _digest("".join(self.closed[record.id] for record in roots).encode())
        return self.children(parent_id)

    def page(self, page_id: int) -> str:
        row = self.rows[page_id]
        opened = [self._ancestor(record) for record in self.tree.lineage(row[3])]
        opened.append(self.children(page_id))
        previous, following = self.tree.neighbours(page_id)
        parts = [
            self.global_fingerprint, self.row_digests[page_id], self.top_level, "\x1f".join(opened),
            self._repr(previous), self._repr(following),
        ]  # fmt: skip
        return _digest("\x1e".join(parts).encode())

    def _ancestor(self, record) -> str:
        """An open ancestor: its entry (breadcrumbs) and its children's entries."""
        text = self._ancestors.get(record.id)
        if text is None:
            entry = (record.id, record.title, record.url_path, self.children(record.id))
            text = self._ancestors[record.id] = repr(entry)
        return text

    def _repr(self, record) -> str:
        """A previous or next page's record, every field."""
        if record is None:
            return "None"
        text = self._reprs.get(record.id)
        if text is None:
            text = self._reprs[record.id] = repr(record)
        return text

    def searchable_pages(self) -> list[tuple[int, str, str, str]]:
        """(id, title, URL, row digest) of the pages search finds."""
        return [
            (row[0], row[2], row[1], self.row_digests[row[0]]) for row in self.rows.values() if not row[-1]
        ]


# ------------------------------------------------------------------------------------------ redirects
def redirect_html(target: str, absolute: str) -> bytes:
    url = escape(target)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Moved to {url}</title>\n"
        f'<link rel="canonical" href="{escape(absolute)}">\n'
        f'<meta http-equiv="refresh" content="0; url={url}">\n'
        '<meta name="robots" content="noindex">\n</head>\n<body>\n'
        f'<p>This page has moved to <a href="{url}">{url}</a>.</p>\n</body>\n</html>\n'
    ).encode()


def redirect_rows() -> list[tuple[str, str]]:
    from pages.models import Page, Redirect

    return list(
        Redirect.objects.filter(page__in=Page.objects.published())
        .order_by("old_path")
        .values_list("old_path", "page__url_path")
    )


def _redirect_line(source: str, target: str) -> str:
    return f"{quote(source, safe='/%.-_~')} {quote(target, safe='/%.-_~#')} 301"


# --------------------------------------------------------------------------------------------- build
def read_manifest(out: Path) -> dict:
    path = out / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        message = f"{path} is not a readable build manifest ({error}); remove it to build afresh"
        raise BuildError(message) from error
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return {}
    if not isinstance(data.get("files"), dict):
        return {}
    return data


def build_site(
    out: Path | str,
    *,
    base_url: str | None = None,
    site_url: str | None = None,
    incremental: bool = False,
    workers: int | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> BuildReport:
    """Write the public site into `out`; see the module. Returns what was written, kept and deleted.

    `workers`: processes that render pages (default: one per CPU; one where forking cannot work).
    Raises BuildBusy (`pages.site.build_lock`) at once when another build is writing into `out`."""
    started = time.perf_counter()
    out = Path(out)
    if base_url is None:  # the site's own: its _config.yml's baseurl, else QUIRE_BASEURL
        from pages.store.site_settings import site_baseurl

        base_url = site_baseurl()
    if site_url is None:
        site_url = getattr(settings, "QUIRE_SITE_URL", "")
    base = normalise_base_url(base_url)
    scheme, host = normalise_site_url(site_url)
    if out.exists() and not out.is_dir():
        raise BuildError(f"'{out}' exists and is not a folder")
    with build_lock(out):  # BuildBusy when another build is writing into `out`
        return _build(out, base, scheme, host, incremental, workers, log, started)


def _build(
    out: Path, base: str, scheme: str, host: str, incremental: bool, workers, log, started
) -> BuildReport:
    with _LongLived() as long_lived:
        return _build_collected(out, base, scheme, host, incremental, workers, log, started, long_lived)


class _LongLived:
    """The build's inputs (the manifest, every page's row, the navigation: hundreds of thousands of
    objects) live as long as the build. Cyclic garbage collection is paused while they are loaded (each
    collection would walk them all, to free nothing), then they are frozen out of the collector's view
    (and so out of the pages forked workers would copy) until the build ends."""

    def __enter__(self) -> _LongLived:
        self.enabled = gc.isenabled()
        gc.disable()
        return self

    def loaded(self) -> None:
        gc.freeze()
        if self.enabled:
            gc.enable()

    def __exit__(self, *exc) -> None:
        gc.unfreeze()
        if self.enabled:
            gc.enable()


def _build_collected(
    out: Path, base: str, scheme: str, host: str, incremental: bool, workers, log, started, long_lived
) -> BuildReport:
    from pages.site.nav_cache import whole_navigation

    manifest = read_manifest(out)
    options_key = f"{base}|{scheme}://{host}"
    if manifest.get("options") != options_key:
        manifest_files = manifest.get("files", {})  # still used to delete what is gone
        reusable = False
    else:
        manifest_files = manifest.get("files", {})
        reusable = incremental
    report = BuildReport(out=out)
    output = Output(out, manifest_files, report)
    plan = Plan(reusable=reusable, workers=workers or os.cpu_count() or 1, log=log)
    links = Links(base, f"{scheme}://{host}")

    with tempfile.TemporaryDirectory(prefix=".quire-static-", dir=out.parent) as work:
        static_root = Path(work) / "static"
        with build_settings(out, static_root, scheme, host, base):
            _write_static(output, static_root, manifest, reusable, log)
            fetcher = Fetcher(scheme, host, base)
            # One navigation for the whole build: the fingerprints, the sidebar branches, and the page
            # views of this process and of the forked ones (which would otherwise each build their own).
            rows = rows_meanwhile()  # read by another process while this one builds the navigation
            navigation = whole_navigation(keep=True)
            inputs = PageInputs(rows(), navigation, site_fingerprint())
            long_lived.loaded()

            def everything_else(page_urls: dict[str, str]) -> None:
                """Written while forked processes render the pages (or after them, in one process)."""
                _write_site_files(output, fetcher, links, inputs, plan)
                _write_redirects(output, links, page_urls, f"{scheme}://{host}")
                write_media(output, reusable)
                output.write(".nojekyll", b"")

            report.pages = len(_write_pages(output, fetcher, links, inputs, plan, everything_else))
    output.delete_gone()
    data = {
        "format": MANIFEST_FORMAT,
        "options": options_key,
        "static_sources": output.static_sources,
        "files": output.files,
    }
    manifest_path = out / MANIFEST_NAME
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    if not manifest_path.is_file() or manifest_path.read_text(encoding="utf-8") != text:
        manifest_path.write_text(text, encoding="utf-8")
    report.seconds = time.perf_counter() - started
    return report


def _write_static(output: Output, static_root: Path, manifest: dict, reusable: bool, log) -> None:
    """The static files with hashed names. Collected again only when their sources changed."""
    folder = _site_path_of("STATIC_URL") or "static"
    fingerprint = static_sources_fingerprint()
    output.static_sources = fingerprint
    manifest_name = f"{folder}/staticfiles.json"
    if reusable and manifest.get("static_sources") == fingerprint and (output.root / manifest_name).is_file():
        # Unchanged: the pages still need the manifest of names, read from the previous output.
        static_root.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(output.root / manifest_name, static_root / "staticfiles.json")
        for relpath in manifest.get("files", {}):
            if relpath.startswith(folder + "/"):
                output.keep(relpath)
        return
    log("collecting static files")
    collect_static(static_root)
    write_tree(output, static_root, folder)


def site_fingerprint() -> str:
    """What every page is made from besides its own content: templates, static names, site name, the
    stored `_config.yml` (its title, footer, header links, callouts), the sidebar's window
    (QUIRE_NAV_WINDOW: where its levels end in "more pages" entries)."""
    from pages.site.caching import nav_window
    from pages.store.site_settings import stored_config

    static_manifest = (Path(settings.STATIC_ROOT) / "staticfiles.json").read_bytes()
    config = stored_config()
    config_text = repr(config and (config.text, config.data, config.has_config, config.baseurl))
    parts = [
        templates_fingerprint().encode(), static_manifest, settings.QUIRE_SITE_NAME.encode(),
        config_text.encode(), str(nav_window()).encode(),
    ]  # fmt: skip
    return _digest(b"\0".join(parts))


def _write_pages(
    output: Output, fetcher: Fetcher, links: Links, inputs: PageInputs, plan: Plan, meanwhile
) -> dict[str, str]:
    """Every public page, and `/`; returns {URL: output path}. Unchanged pages (in an incremental
    build) are kept; the others are fetched, by up to `plan.workers` forked processes while this one
    runs `meanwhile(page_urls)` (or by this one, then `meanwhile`)."""
    from pages.content.nav_tree import home_record

    page_urls: dict[str, str] = {}
    jobs: list[tuple[str, str, str | None]] = []
    taken: set[str] = set()
    for page_id, row in inputs.rows.items():
        url = row[1]
        relpath = output_path(url)
        if relpath in taken:
            output.report.skipped.append(f"{url}: its file {relpath} is already taken by another page")
            continue
        taken.add(relpath)
        page_urls[url] = relpath
        fingerprint = inputs.page(page_id)
        if not output.reuse(relpath, fingerprint, plan.reusable):
            jobs.append((url, relpath, fingerprint))
    if "/" not in page_urls:
        home = home_record(inputs.tree)
        fingerprint = (
            _digest(b"home " + inputs.page(home.id).encode()) if home and home.id in inputs.rows else None
        )
        if not output.reuse("index.html", fingerprint, plan.reusable):
            jobs.append(("/", "index.html", fingerprint))
        page_urls["/"] = "index.html"
    plan.log(f"{len(page_urls)} pages: {len(jobs)} to render")
    output.report.rendered = len(jobs)
    output.pending.update(relpath for _url, relpath, _fingerprint in jobs)
    render_all(jobs, output, fetcher, links, plan.workers, lambda: meanwhile(page_urls))
    return page_urls


@dataclass
class Plan:
    reusable: bool  # an incremental build with a usable manifest
    workers: int
    log: Callable[[str], None]


# Below this many pages per process, forking costs more than it saves.
MIN_PAGES_PER_WORKER = 50


def _render(jobs, output: Output, fetcher: Fetcher, links: Links) -> None:
    for url, relpath, fingerprint in jobs:
        output.write(relpath, links.html(fetcher.page(url).decode()).encode(), fingerprint)


def can_fork() -> bool:
    """Forked workers open their own database connections: not for an in-memory SQLite database
    (tests) nor inside a transaction, whose rows they could not see."""
    from django.db import connections

    if not hasattr(os, "fork"):
        return False
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            return False
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            return False
    return True


def render_all(
    jobs, output: Output, fetcher: Fetcher, links: Links, workers: int, meanwhile=lambda: None
) -> None:
    """Fetch and write every job, and run `meanwhile`. With 2 or more `workers`, from
    MIN_PAGES_PER_WORKER jobs and where forking can work, up to `workers` forked processes take a share
    each (at least MIN_PAGES_PER_WORKER) while this one runs `meanwhile`, and send back what they wrote
    (this one keeps the manifest); else this process renders, then runs `meanwhile`. The first job is
    rendered here before forking, so the workers start with what a first request loads (middleware,
    templates, views) instead of each loading it."""
    from django.db import connections

    if workers < 2 or len(jobs) < MIN_PAGES_PER_WORKER or not can_fork():
        _render(jobs, output, fetcher, links)
        meanwhile()
        return
    workers = max(1, min(workers, len(jobs) // MIN_PAGES_PER_WORKER))
    output.report.workers = workers
    _render(jobs[:1], output, fetcher, links)
    jobs = jobs[1:]
    connections.close_all()  # each process opens its own
    children = []
    for share in range(workers):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            os.close(read_end)
            payload = _child_render(jobs[share::workers], output, fetcher, links)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            os._exit(0)
        os.close(write_end)
        children.append((pid, read_end))
    failures = []
    try:
        meanwhile()
    finally:
        for pid, read_end in children:
            with os.fdopen(read_end, "rb") as pipe:
                data = json.loads(pipe.read() or b'{"error": "the worker ended without an answer"}')
            os.waitpid(pid, 0)
            if "error" in data:
                failures.append(data["error"])
                continue
            output.files.update(data["files"])
            output.report.written.extend(data["written"])
            output.report.unchanged += data["unchanged"]
    if failures:
        raise BuildError("; ".join(failures))


def _child_render(jobs, output: Output, fetcher: Fetcher, links: Links) -> bytes:  # pragma: no cover
    from django.db import connections

    report = BuildReport(out=output.root)
    own = Output(output.root, output.previous, report)
    try:
        _render(jobs, own, fetcher, links)
        answer = {"files": own.files, "written": report.written, "unchanged": report.unchanged}
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent
        answer = {"error": f"{type(error).__name__}: {error}"}
    finally:
        connections.close_all()
    return json.dumps(answer).encode()


def _write_site_files(output: Output, fetcher: Fetcher, links: Links, inputs: PageInputs, plan: Plan) -> None:
    """Sidebar branches, the search page and index, the diagram frame, the 404 page, feed, sitemap and
    robots.txt; each
    fetched again only when what it is made from changed (in an incremental build)."""
    from pages.content.nav_tree import range_url

    navigation = inputs.navigation
    plan.log("writing navigation branches, feed, sitemap, search index")

    def fetched(
        url: str, fingerprint: str | None, relpath: str | None = None, expect: int = 200, many: bool = False
    ) -> None:
        """`many`: one of many navigation fragments, taken the pages' shorter way (`Fetcher.page`)."""
        relpath = relpath or output_path(url)
        if fingerprint and output.reuse(relpath, fingerprint, plan.reusable):
            return
        text = (fetcher.page(url) if many else fetcher.get(url, expect=expect)).decode()
        data = links.html(text) if relpath.endswith(".html") else links.text(text)
        output.write(relpath, data.encode(), fingerprint)

    branch_url = navigation.branch_url_pattern  # reverse("pages:nav_branch") with "{}" for the id
    for page_id in sorted(navigation.tree.children):
        if navigation.tree.children[page_id]:
            fingerprint = _digest(f"{inputs.global_fingerprint}\0{inputs.children(page_id)}".encode())
            fetched(_unprefixed(branch_url.format(page_id)), fingerprint, many=True)
    # A range of a long level ("more pages") is made of that level's entries: fetched again when any
    # of them changed, or the site-wide inputs (the window among them). Named as the sidebars link it.
    for parent_id, start, end in sorted(nav_ranges(navigation.tree), key=repr):
        url = _unprefixed(range_url(navigation.branch_url, parent_id, start, end))
        made_of = f"{inputs.global_fingerprint}\0{inputs.level(parent_id)}\0{start}-{end}"
        fetched(url, _digest(made_of.encode()), many=True)
    fetched(_unprefixed(reverse("pages:callouts_css")), _digest(f"{inputs.global_fingerprint}".encode()))
    around = _digest(f"{inputs.global_fingerprint}\0{inputs.top_level}".encode())  # outside the navigation
    fetched(_unprefixed(reverse("pages:search")), around)
    fetched(_unprefixed(reverse("pages:diagram_frame")), inputs.global_fingerprint)  # draws Mermaid diagrams
    if not output.claimed("404.html"):
        fetched("/404.html", around, relpath="404.html", expect=404)
    feed = _digest(f"{inputs.global_fingerprint}\0{feed_inputs()}".encode())
    fetched(_unprefixed(reverse("pages:feed")), feed)
    _write_sitemap(output, fetcher, links, inputs, plan)
    fetched(_unprefixed(reverse("pages:robots")), None)
    write_index(output, inputs.searchable_pages(), links.path, plan.reusable)


def _write_sitemap(output: Output, fetcher: Fetcher, links: Links, inputs: PageInputs, plan: Plan) -> None:
    """The sitemap's files, written by `pages.site.sitemaps`' own rule and writer: `sitemap.xml`, or past
    its per-file limit `sitemap-<n>.xml` parts with `sitemap.xml` as their index; a part is written
    again only when its URLs or their dates changed."""
    from pages.site import sitemaps

    origin = links.origin
    rows = [(row[1], row[5]) for row in inputs.rows.values()]  # in URL order, as the server lists them
    count = sitemaps.part_count(len(rows))
    for number in range(1, count + 1):
        share = sitemaps.part_of(rows, number)
        name = "pages:sitemap" if count == 1 else "pages:sitemap_part"
        relpath = output_path(_unprefixed(reverse(name, args=[] if count == 1 else [number])))
        texts = [sitemaps.lastmod_text(when) for _url, when in share]
        lastmods = [(row[0], text) for row, text in zip(share, texts, strict=True)]
        fingerprint = _digest(repr((origin, lastmods)).encode())
        if not output.reuse(relpath, fingerprint, plan.reusable):
            xml = sitemaps.part_xml(origin, share, texts)
            output.write(relpath, links.text(xml).encode(), fingerprint)
    if count > 1:
        relpath = output_path(_unprefixed(reverse("pages:sitemap")))
        latest = max((when for _url, when in rows if when is not None), default=None)
        fingerprint = _digest(repr((origin, count, latest)).encode())
        if not output.reuse(relpath, fingerprint, plan.reusable):
            text = fetcher.get(_unprefixed(reverse("pages:sitemap"))).decode()
            output.write(relpath, links.text(text).encode(), fingerprint)


def nav_ranges(tree) -> set[tuple[int | str, int, int]]:
    """Every (level, start, end) that a sidebar, a branch or a range written by the build links to with
    a "more pages" entry, when a level is longer than QUIRE_NAV_WINDOW (see `nav_tree`)."""
    from pages.content.nav_tree import TOP_LEVEL, window_bounds
    from pages.site.caching import nav_window

    window = nav_window()
    levels: list[tuple[int | str, int]] = [(TOP_LEVEL, len(tree.roots))]
    levels += [(parent_id, len(kids)) for parent_id, kids in tree.children.items()]
    levels += [(section.level, len(section.roots)) for section in getattr(tree, "sections", [])]
    found: set[tuple[int | str, int, int]] = set()
    for parent_id, count in levels:
        if window <= 0 or count <= window:
            continue
        for focus in [None, *range(count)]:
            start, end = window_bounds(count, focus, window)
            if start > 0:
                found.add((parent_id, 0, start))
            if end < count:
                found.add((parent_id, end, count))
    pending = list(found)
    while pending:  # a range longer than the window ends with a "more" entry for its rest
        parent_id, start, end = pending.pop()
        stop = start + window
        if stop < end and (parent_id, stop, end) not in found:
            found.add((parent_id, stop, end))
            pending.append((parent_id, stop, end))
    return found


def feed_inputs() -> str:
    """The feed's entries as the feed reads them (its `updated` is the newest entry's)."""
    from django.db.models.functions import MD5

    from pages.models import Page
    from pages.site.feeds import latest_ids

    ids = latest_ids()
    columns = ("id", "title", "url_path", "date", "updated_at", "description", "body_hash")
    # The bodies' digests of these entries only (in one query with the sort, SQLite digests every row).
    rows = Page.objects.filter(id__in=ids).annotate(body_hash=MD5("body_html")).values_list(*columns)
    by_id = {row[0]: row for row in rows}
    return repr([by_id[page_id] for page_id in ids])


def _unprefixed(url: str) -> str:
    """A URL reverse() gave under the build's script prefix, without it (for its output path)."""
    prefix = get_script_prefix().rstrip("/")
    return url[len(prefix) :] if prefix and url.startswith(prefix + "/") else url


def _write_redirects(output: Output, links: Links, page_urls: dict[str, str], origin: str) -> None:
    lines = []
    for old_path, target in redirect_rows():
        try:
            relpath = output_path(old_path)
        except BuildError as error:
            output.report.skipped.append(f"redirect {old_path}: {error}")
            continue
        destination = links.path(target)
        lines.append(_redirect_line(links.path(old_path), destination))
        if output.claimed(relpath):
            continue  # a page lives there now: the page wins
        output.write(relpath, redirect_html(destination, origin + destination))
        output.report.redirects += 1
    output.write("_redirects", ("\n".join(lines) + "\n").encode() if lines else b"")
