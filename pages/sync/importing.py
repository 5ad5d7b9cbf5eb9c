"""Importing folders of markdown files into Page rows: one locked, atomic run with a full report.

The run, in order:
1. find the files (dot-folders, `_site` and `node_modules` skipped; symlinks leaving the root or
   pointing at a skipped file refused);
2. read and hash each file; a file whose hash matches the page's last sync is skipped before any parsing;
3. parse and check the changed files, and check the whole site (URLs claimed twice) — every problem is
   collected and reported at once; with problems and without `skip_invalid`, nothing is written;
4. in batches (memory stays bounded by the batch size): lock the pages, compare each with its last sync
   (an admin edit plus a changed file is a conflict, left alone unless `prefer` says which side wins),
   render the bodies (over several processes for large runs), and write with bulk queries;
5. resolve parents the way Just the Docs does, unpublish pruned pages, bump the content version.
All of it runs in one transaction holding the import lock, so a failed or killed run changes nothing
and two runs never interleave.
"""

from __future__ import annotations

import contextlib
import difflib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from pages.content import markdown_io
from pages.content.jekyll_site import (
    CONFIG_NAME,
    NO_CONFIG,
    ConfigError,
    SiteRules,
    find_site_root,
    read_config_file,
)
from pages.content.markdown_io import PageSource, SourceError, json_safe
from pages.content.navigation import NavNode, resolve_parents
from pages.content.own_routes import own_route_message
from pages.content.rendering import Rendered
from pages.content.source_fields import DerivedFields, FieldErrors, derive_fields, effective_front_matter
from pages.content.urls_from_paths import SourceIndex
from pages.models import Page, PageSection, Redirect, SyncConflict
from pages.store.bulk_rows import insert_rows, update_rows
from pages.store.page_derivation import free_urls, remember_old_url
from pages.store.revisions import NOT_RECORDED, import_comment, record_import_revisions
from pages.store.search import indexing_by_batch
from pages.store.site_settings import normal_baseurl, save_config, site_rules, stored_rules, using_rules
from pages.store.site_state import bump_content_version
from pages.sync.git_sync import head_commit
from pages.sync.import_lock import ImportBusy, import_transaction
from pages.sync.page_files import (
    FILE_GONE,
    SITE_DIR,
    SYNCED_PARENT,
    content_hash,
    edited_since_sync,
    page_file_text,
    sha256_hex,
)
from pages.sync.renames import apply_renames, find_renames, in_scope
from pages.sync.render_pool import PendingRenders, Renderer
from pages.sync.site_files import FoundSiteFile, SiteFileReport, import_site_files
from pages.sync.sync_state import find_site_root as site_root_and_prefix
from pages.sync.sync_state import record_site_root

MARKDOWN_SUFFIXES = {".md", ".markdown"}
SKIPPED_DIRS = {"_site", "node_modules"}
MAX_SOURCE_PATH = Page._meta.get_field("source_path").max_length
REVISION_CHUNK = 500  # pages read back at a time to record their history
PAGE_FIELDS = [
    "title", "url_path", "nav_order", "date", "body", "published", "nav_exclude", "search_exclude",
    "has_toc", "description", "front_matter", "front_matter_raw", "body_html", "toc", "render_warnings",
    "source_format", "file_hash", "synced_content_hash", "synced_text", "version", "updated_at", "updated_by",
]  # fmt: skip


@dataclass
class ImportOptions:
    prefer: str | None = None  # "file" | "db" | None
    prefer_paths: dict[str, str] = field(default_factory=dict)  # per source path: "file" | "db"
    prune: bool = False
    dry_run: bool = False
    skip_invalid: bool = False
    batch_size: int = 200
    jobs: int = 0  # 0: as many as the machine has cores
    parallel_threshold: int = 300  # render over several processes from this many changed files
    wait: float = 10.0  # seconds to wait for another import's lock
    baseurl: str | None = None  # None: settings.QUIRE_BASEURL
    diffs: bool = False  # unified diffs for updates (conflicts always get one)
    progress: Callable[[int, int], None] | None = None


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)  # edited in both; merged line by line (in updated too)
    renamed: dict[str, str] = field(default_factory=dict)  # new path: old path (in updated too)
    skipped: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    diffs: dict[str, str] = field(default_factory=dict)
    files: SiteFileReport = field(default_factory=SiteFileReport)
    config_changed: bool = False
    dry_run: bool = False
    written: bool = False
    commit: str = ""  # the git commit of the imported folder, when it is a git work tree

    def warn(self, path: str, message: str) -> None:
        self.warnings.setdefault(path, []).append(message)

    def note(self, path: str, message: str) -> None:
        self.notes.setdefault(path, []).append(message)

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.updated) + len(self.pruned) + self.files.changes

    @property
    def failed(self) -> bool:
        """Errors that stopped the run (nothing was written)."""
        return bool(self.errors) and not self.written

    def summary(self) -> str:
        line = (
            f"Created {len(self.created)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"conflicts {len(self.conflicts)}, skipped {len(self.skipped)}, errors {len(self.errors)}"
        )
        if self.merged:
            line += f", merged {len(self.merged)}"
        if self.renamed:
            line += f", renamed {len(self.renamed)}"
        if self.pruned:
            line += f", unpublished {len(self.pruned)}"
        if self.files.created or self.files.updated or self.files.unchanged or self.files.pruned:
            line += f"; {self.files.summary()}"
        return f"{line} (dry run: nothing was changed)" if self.dry_run else line


@dataclass
class FoundFile:
    root: Path
    path: str  # relative to the root, posix
    absolute: Path
    site_dir: str = ""  # the root's place under the folder holding _config.yml


@dataclass
class Planned:
    """A changed file, parsed and checked; its body is read again when its batch is written."""

    found: FoundFile
    file_hash: str
    fields: DerivedFields
    front_matter: dict  # only what the write needs from the first parse: memory stays bounded
    key_lines: dict[str, int]
    base_text: str | None = None  # set when the page takes a merge: the file's text, the new base


def find_markdown_files(root: Path, report: ImportReport) -> list[FoundFile]:
    """Markdown pages under root (no _config.yml rules), sorted; see `find_site_files`."""
    return find_site_files(root, report, NO_CONFIG, "")[0]


def _walked(rules: SiteRules, folder: str) -> bool:
    """Whether a folder may hold part of the site: kept by Jekyll's filter, or on the way to a
    collection's folder, or a `_posts` folder."""
    if rules.entry_kept(folder) or "_posts" in folder.split("/"):
        return True
    return any(
        c.output and (c.folder.startswith(folder + "/") or f"{folder}/".startswith(c.folder + "/"))
        for c in rules.collections.values()
    )


def _skipped_folder(name: str) -> bool:
    """The walk never enters dot-folders, `_site` or `node_modules`."""
    return name.startswith(".") or name in SKIPPED_DIRS


def _walk_reads(rules: SiteRules, prefix: str, rel: str, markdown: bool) -> bool:
    """Whether `find_site_files` itself would read the file at `rel` (a real path relative to the
    walked root, `prefix` being the root's place under the site root), as a page when `markdown`, else
    as a site file: every folder on the way is one the walk enters, and the file is neither a dot-file,
    the root's _config.yml, nor one Jekyll skips."""
    *folders, name = rel.split("/")
    if (Path(name).suffix.lower() in MARKDOWN_SUFFIXES) != markdown:
        return False
    for depth, folder in enumerate(folders, start=1):
        if _skipped_folder(folder) or not _walked(rules, prefix + "/".join(folders[:depth])):
            return False
    if name.startswith(".") or (not folders and name == CONFIG_NAME):
        return False
    return rules.placement(prefix + rel).kind != "ignored"


@dataclass(frozen=True)
class _Walk:
    """One walk of an imported folder: the folder, its place in the site, the site's rules, the report."""

    root: Path
    real_root: Path
    prefix: str  # "" or the folder's place under the site's root, with a final "/"
    rules: SiteRules
    report: ImportReport

    def outside(self, path: Path) -> bool:
        return not path.resolve().is_relative_to(self.real_root)


def find_site_files(
    root: Path, report: ImportReport, rules: SiteRules, site_dir: str
) -> tuple[list[FoundFile], list[FoundSiteFile]]:
    """The pages (markdown files Jekyll builds) and the other files of the site under root, sorted.
    `site_dir` is root's place under the site's root. A symlinked file is read only when its real
    target is a file the walk itself would read (`_walk_reads`); links leaving the root, or into
    dot-folders, `_site`, folders Jekyll skips and the like, are refused and named."""
    walk = _Walk(root, root.resolve(), f"{site_dir}/" if site_dir else "", rules, report)
    found: list[FoundFile] = []
    others: list[FoundSiteFile] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [name for name in sorted(dirs) if _enters(walk, Path(folder) / name)]
        for name in sorted(files):
            absolute = Path(folder) / name
            if name.startswith(".") or (folder == str(root) and name == CONFIG_NAME):
                continue
            rel = absolute.relative_to(root).as_posix()
            placement = walk.rules.placement(walk.prefix + rel)
            markdown = Path(name).suffix.lower() in MARKDOWN_SUFFIXES
            if not _reads(walk, absolute, rel, placement, markdown):
                continue
            if markdown:
                found.append(FoundFile(root, rel, absolute))
            else:
                others.append(FoundSiteFile(rel, absolute, _file_url(rules, walk.prefix + rel, placement)))
    return found, others


def _enters(walk: _Walk, absolute: Path) -> bool:
    """Whether the walk goes into a folder; a theme folder, an unbuilt `_` folder holding markdown and
    a symlinked folder are named in the report instead."""
    name, rel = absolute.name, absolute.relative_to(walk.root).as_posix()
    if _skipped_folder(name):
        return False
    theme_kind = walk.rules.theme_folder_of(walk.prefix + rel)
    if theme_kind:
        _report_theme_folder(absolute, rel, theme_kind, walk.report)
        return False
    if not _walked(walk.rules, walk.prefix + rel):
        if name.startswith("_"):
            _report_unbuilt_folder(absolute, rel, walk.report)
        return False
    if absolute.is_symlink():
        if walk.outside(absolute):
            message = f"symlinked folder to {absolute.resolve()}, outside the import root; refused"
            walk.report.errors.append(SourceError(rel, message))
        else:
            walk.report.warn(
                rel, "symlinked folder not followed; its files are imported where they really are"
            )
        return False
    return True


def _reads(walk: _Walk, absolute: Path, rel: str, placement, markdown: bool) -> bool:
    """Whether the walk reads a file: one Jekyll builds (markdown it skips is named), that is a file,
    and not a symlink the walk refuses."""
    if placement.kind == "ignored":
        if markdown:
            walk.report.warn(rel, IGNORED_MESSAGE)
        return False
    if absolute.is_symlink() and _refused_link(walk, absolute, rel, markdown):
        return False
    return absolute.is_file()


def _refused_link(walk: _Walk, absolute: Path, rel: str, markdown: bool) -> bool:
    """A symlinked file leaving the root, or pointing at a file the walk would not read, is refused
    (an error naming it)."""
    target = absolute.resolve()
    if walk.outside(absolute):
        walk.report.errors.append(SourceError(rel, f"symlink to {target}, outside the import root; refused"))
        return True
    if not _walk_reads(walk.rules, walk.prefix, target.relative_to(walk.real_root).as_posix(), markdown):
        walk.report.errors.append(SourceError(rel, f"symlink to {target}, a file the import skips; refused"))
        return True
    return False


def _report_unbuilt_folder(absolute: Path, rel: str, report: ImportReport) -> None:
    """A `_` folder holding markdown that Jekyll does not build (drafts, layouts, a collection
    without `output: true`) is named once in the report, so no page goes missing silently."""
    count = sum(1 for p in absolute.rglob("*") if p.suffix.lower() in MARKDOWN_SUFFIXES)
    if count:
        report.warn(f"{rel}/", IGNORED_FOLDER_MESSAGE.format(count))


THEME_FILE_MESSAGES = {
    "layouts": "a Jekyll layout: not imported; Quire shows every page with its own theme and does not run it",
    "includes": "a Jekyll include: not imported; Quire does not run includes ({% include %} tags are removed "
    "from the pages that use them, each named in this report)",
    "sass": "a Sass file of the Jekyll theme: not imported; Quire uses its own styles",
    "data": "a Jekyll data file: not imported; Quire does not read site.data",
    "plugins": "a Jekyll plugin: not imported; Quire does not run plugins",
}
THEME_FILES_LISTED = 200  # per folder; past it, one line says how many more


def _report_theme_folder(absolute: Path, rel: str, kind: str, report: ImportReport) -> None:
    """Each file of a theme folder (`_layouts`, `_includes`, `_sass`, `_data`, `_plugins`) is named in
    the report with what Quire does not do with it; none is ever a page."""
    files = sorted(p for p in absolute.rglob("*") if p.is_file() and not p.name.startswith("."))
    for path in files[:THEME_FILES_LISTED]:
        report.warn(f"{rel}/{path.relative_to(absolute).as_posix()}", THEME_FILE_MESSAGES[kind])
    if len(files) > THEME_FILES_LISTED:
        report.warn(f"{rel}/", f"{len(files) - THEME_FILES_LISTED} more file(s) like those above")


IGNORED_FOLDER_MESSAGE = (
    "{} markdown file(s) not imported: Jekyll does not build a folder whose name starts with '_' "
    "(drafts, layouts, includes, or a collection without `output: true` in _config.yml)"
)
IGNORED_MESSAGE = (
    "not imported: Jekyll does not build it (a name starting with '_', '.', '#' or '~' outside an output "
    "collection, a draft, or excluded in _config.yml)"
)


def _file_url(rules: SiteRules, site_path: str, placement) -> str:
    """Where Jekyll copies a static file: its own path, or under the collection's URL."""
    if placement.collection is not None:
        return f"/{placement.collection.label}/{placement.relative}"
    return "/" + site_path


def _field_errors(source: PageSource, exc: FieldErrors) -> list[SourceError]:
    errors = []
    for problem in exc.problems:
        errors.append(SourceError(source.path, problem.describe(), source.key_lines.get(problem.key), 1))
    return errors


def _batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]


def _diff(path: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"{path} (database)", f"{path} (file)"
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def import_directory(root: Path, options: ImportOptions | None = None) -> ImportReport:
    """Import one folder (see `import_folders`)."""
    return import_folders([root], options)


@dataclass
class SiteSetup:
    """The site's `_config.yml` as this run read it, and each imported folder's place in the site."""

    rules: SiteRules
    site_dirs: dict[Path, str]
    text: str = ""
    source: str = ""
    file_hash: str = ""
    previous: SiteRules = field(default_factory=SiteRules)  # the rules of the last import

    @property
    def rules_changed(self) -> bool:
        """A changed config can change every page's URL or defaults: every file is read again."""
        return (self.rules.config, self.rules.has_config) != (self.previous.config, self.previous.has_config)


def read_site_setup(roots: list[Path], report: ImportReport) -> SiteSetup | None:
    """Find and read `_config.yml` (the first folder's own, or its nearest parent's); None after
    reporting a config that cannot be read (the run then writes nothing)."""
    previous = stored_rules()
    site_root = find_site_root(roots[0]) if roots else None
    if site_root is None:
        return SiteSetup(NO_CONFIG, dict.fromkeys(roots, ""), previous=previous)
    config_path = site_root / CONFIG_NAME
    first = roots[0].resolve()
    name = CONFIG_NAME if site_root == first else str(config_path)
    try:
        text, data = read_config_file(config_path, name)
    except ConfigError as exc:
        report.errors.append(SourceError(exc.path, exc.message, exc.line, exc.column))
        return None
    site_dirs = {}
    for root in roots:
        resolved = root.resolve()
        site_dirs[root] = (
            resolved.relative_to(site_root).as_posix() if resolved.is_relative_to(site_root) else ""
        )
        site_dirs[root] = "" if site_dirs[root] == "." else site_dirs[root]
    return SiteSetup(
        SiteRules.from_config(json_safe(data)),
        site_dirs,
        text,
        str(config_path),
        sha256_hex(text.encode()),
        previous,
    )


@dataclass
class _ImportRun:
    """What one import run carries from step to step."""

    options: ImportOptions
    report: ImportReport
    site: SiteSetup
    found: list[FoundFile]  # the pages' files, by their path in the site
    prefixes: list[str]  # each imported folder's place in the site: "" or "docs/"
    existing: dict[str, dict] = field(default_factory=dict)  # source path: the page's last-sync row
    invalid: set[str] = field(default_factory=set)  # files left out of the run (their errors reported)
    renderer: Renderer | None = None  # None in a dry run: nothing is rendered

    @property
    def stopped(self) -> bool:
        """Problems stop the run (nothing is written) unless `skip_invalid` imports the rest."""
        return bool(self.report.errors) and not self.options.skip_invalid


def import_folders(roots: list[Path], options: ImportOptions | None = None) -> ImportReport:
    """Import markdown folders into pages in one atomic, locked run; see the module docstring."""
    options = options or ImportOptions()
    report = ImportReport(dry_run=options.dry_run)
    site = read_site_setup(roots, report)
    if site is None:
        return report
    sites = [site_root_and_prefix(root) for root in roots]
    report.commit = head_commit(sites[0][0]) if sites else ""
    found, site_files = _find_in_folders(roots, sites, site, report)
    run = _ImportRun(options, report, site, found, [prefix for _, prefix in sites])
    try:
        with import_transaction(options.wait, lock=not options.dry_run), using_rules(site.rules):
            _run(run, site_files)
            if not report.failed and not options.dry_run:
                record_site_root(sites[0][0])
            if report.failed or options.dry_run:
                transaction.set_rollback(True)
    except DatabaseError as exc:
        report.errors.append(
            SourceError("(database)", f"the run was rolled back, nothing was changed: {exc}")
        )
        report.written = False
    return report


def _find_in_folders(
    roots: list[Path], sites: list[tuple[Path, str]], site: SiteSetup, report: ImportReport
) -> tuple[list[FoundFile], list[FoundSiteFile]]:
    """The pages and other files of every imported folder, named by their path in the site; a page
    found in two of the folders is an error."""
    found: list[FoundFile] = []
    site_files: list[FoundSiteFile] = []
    owners: dict[str, FoundFile] = {}
    for root, (site_root, prefix) in zip(roots, sites, strict=True):
        pages, others = find_site_files(root, report, site.rules, site.site_dirs[root])
        # Identity is the path in the site, whichever of its folders was imported.
        site_files.extend(FoundSiteFile(prefix + f.path, f.absolute, f.url_path) for f in others)
        for item in _in_site(pages, site_root, prefix):
            if item.path in owners:
                report.errors.append(
                    SourceError(item.path, f"found in both {owners[item.path].root} and {root}; "
                                           "a page's path must be unique across the folders")
                )  # fmt: skip
                continue
            owners[item.path] = item
            found.append(item)
    return found, site_files


def _in_site(found: list[FoundFile], site_root: Path, prefix: str) -> list[FoundFile]:
    """The files found in an imported folder, named by their path in the site (identity of a page)."""
    if not prefix:
        return found
    return [FoundFile(site_root, prefix + item.path, item.absolute) for item in found]


def _site_baseurl(options: ImportOptions, setup: SiteSetup) -> str:
    """--baseurl, else the config's `baseurl`, else the QUIRE_BASEURL setting."""
    if options.baseurl is not None:
        return normal_baseurl(options.baseurl)
    if "baseurl" in setup.rules.config:
        return setup.rules.baseurl
    return normal_baseurl(getattr(settings, "QUIRE_BASEURL", ""))


def _store_config(run: _ImportRun) -> None:
    if run.options.dry_run:
        return
    run.report.config_changed = save_config(
        text=run.site.text,
        data=run.site.rules.config,
        has_config=run.site.rules.has_config,
        source=run.site.source,
        baseurl=_site_baseurl(run.options, run.site),
        file_hash=run.site.file_hash,
    )


def _run(run: _ImportRun, site_files: list[FoundSiteFile]) -> None:
    """Everything inside the transaction: the pages, then the config and the site's other files."""
    run.existing = _existing_pages()
    _follow_renames(run)
    run.invalid = {error.path for error in run.report.errors}
    changed, unchanged = _hash_files(run)
    run.renderer = _start_renderer(run, len(changed))
    try:
        _plan_and_write(run, changed, unchanged)
    finally:
        if run.renderer:
            run.renderer.close()
    if run.stopped:
        return
    _store_config(run)
    _import_other_files(run, site_files)


def _existing_pages() -> dict[str, dict]:
    """The pages made from files, by source path: what the run compares the files with."""
    return {
        row["source_path"]: row
        for row in Page.objects.exclude(source_path=None).values(
            "source_path", "file_hash", "url_path", "published"
        )
    }


def _follow_renames(run: _ImportRun) -> None:
    """Pages whose file was moved or renamed take their new path (found by content), and say so."""
    renames = find_renames({item.path: item.absolute for item in run.found}, run.existing, run.prefixes)
    if not renames:
        return
    apply_renames(renames, run.existing)
    for new_path, old_path in sorted(renames.items()):
        run.report.renamed[new_path] = old_path
        run.report.note(new_path, f"renamed from {old_path}")


def _start_renderer(run: _ImportRun, changes: int) -> Renderer | None:
    """The renderer, started before the changed files are parsed so that its workers are forked from a
    small process; None in a dry run."""
    if run.options.dry_run:
        return None
    parallel = changes >= run.options.parallel_threshold
    return Renderer(_site_baseurl(run.options, run.site), jobs=run.options.jobs, parallel=parallel)


def _import_other_files(run: _ImportRun, site_files: list[FoundSiteFile]) -> None:
    """The site's files that are not pages (images, downloads, ...), next to the pages just written."""
    taken = set(Page.objects.values_list("url_path", flat=True))
    run.report.files = import_site_files(
        site_files,
        prune=run.options.prune,
        dry_run=run.options.dry_run,
        taken_urls=taken,
        in_scope=lambda path: in_scope(path, run.prefixes),
    )
    for path, why in run.report.files.refused.items():
        run.report.warn(path, f"file not imported: {why}")
    if not run.options.dry_run and (run.report.files.changes or run.report.config_changed):
        bump_content_version()


def _hash_files(run: _ImportRun) -> tuple[list[tuple[FoundFile, str]], list[FoundFile]]:
    """Split the files into changed ones (with their hash) and unchanged ones, by SHA-256 alone (after
    a change of _config.yml every file counts as changed)."""
    force = run.site.rules_changed
    changed: list[tuple[FoundFile, str]] = []
    unchanged: list[FoundFile] = []
    for item in run.found:
        try:
            digest = _file_hash(item)
        except (SourceError, OSError) as exc:
            _reject(item.path, exc, run.report, run.invalid)
            continue
        row = run.existing.get(item.path)
        if row is not None and row["file_hash"] == digest and not force:
            unchanged.append(item)
        else:
            changed.append((item, digest))
    return changed, unchanged


def _file_hash(item: FoundFile) -> str:
    """The file's SHA-256; a path or a file too long for a page is a SourceError."""
    if len(item.path) > MAX_SOURCE_PATH:
        raise SourceError(item.path[:80] + "…", f"path is longer than {MAX_SOURCE_PATH} characters")
    size = item.absolute.stat().st_size
    if size > markdown_io.MAX_FILE_BYTES:
        raise SourceError(
            item.path, f"file is {size:,} bytes, over the {markdown_io.MAX_FILE_BYTES:,}-byte limit"
        )
    return sha256_hex(item.absolute.read_bytes())


def _source_error(path: str, exc: SourceError | OSError) -> SourceError:
    if isinstance(exc, OSError):
        return SourceError(path, f"cannot be read: {exc.strerror or exc}")
    return exc


def _reject(path: str, exc: SourceError | OSError, report: ImportReport, invalid: set[str]) -> None:
    """Report a file that cannot be imported, and leave it out of the run."""
    report.errors.append(_source_error(path, exc))
    invalid.add(path)


def _parse_changed(run: _ImportRun, changed: list[tuple[FoundFile, str]]) -> list[Planned]:
    """Parse and check the changed files' front matter; each file's body is read again when written."""
    planned: list[Planned] = []
    for item, digest in changed:
        try:
            data = item.absolute.read_bytes()
            if sha256_hex(data) != digest:
                raise SourceError(
                    item.path, "the file changed while it was being imported; run the import again"
                )
            source = markdown_io.read_file(item.path, data)
            fields = derive_fields(source.front_matter, item.path, run.site.rules, item.site_dir)
        except FieldErrors as exc:
            run.report.errors.extend(_field_errors(source, exc))
            run.invalid.add(item.path)
            continue
        except (SourceError, OSError) as exc:
            _reject(item.path, exc, run.report, run.invalid)
            continue
        for note in fields.notes:
            run.report.warn(item.path, note)
        planned.append(Planned(item, digest, fields, source.front_matter, source.key_lines))
    return planned


def _plan_and_write(
    run: _ImportRun, changed: list[tuple[FoundFile, str]], unchanged: list[FoundFile]
) -> None:
    """Parse and check the changed files, then write them in pipelined batches, link parents, prune and
    record history (everything after hashing; the renderer is already running)."""
    planned = _parse_changed(run, changed)
    _check_urls(run, planned, unchanged)
    if run.stopped:
        return
    run.report.skipped.extend(sorted(run.invalid))
    run.report.unchanged.extend(item.path for item in unchanged)
    planned = [p for p in planned if p.found.path not in run.invalid]
    _write_in_batches(run, planned, done=len(unchanged))
    if run.renderer:
        run.renderer.close()  # the workers' memory is given back before the history is read
    if run.options.dry_run:
        _plan_prune(run)
    elif not run.stopped:
        _finish_written_run(run)


def _write_in_batches(run: _ImportRun, planned: list[Planned], done: int) -> None:
    """Write the planned files a batch at a time, reporting progress over all the files found (`done`
    of them already are: the unchanged ones)."""
    if run.renderer and planned:  # the link index, for rendering: nothing to render, no index
        run.renderer.use_index(_link_index(run.existing, planned))
    total = len(run.found)
    indexing = contextlib.nullcontext(None) if run.options.dry_run or not planned else indexing_by_batch()
    with indexing as index_sections:
        for queued in _queued_ahead(run, planned):
            _write_batch(queued, run.report, index_sections)
            done += queued.size
            if run.options.progress:
                run.options.progress(done, total)


def _link_index(existing: dict[str, dict], planned: list[Planned]) -> SourceIndex:
    """Every page's URL by source path, as it will be after the run: what links between files resolve to."""
    urls = {path: row["url_path"] for path, row in existing.items()}
    urls.update({p.found.path: p.fields.url_path for p in planned})
    return SourceIndex(urls)


def _finish_written_run(run: _ImportRun) -> None:
    """After the pages are written: their parents, the pruned pages, their history, a new content version."""
    _link_parents(run.report, run.site.previous)
    _prune(run)
    # History for every page the import wrote, so an editor's conflict shows what the import did.
    comment = import_comment(run.report.commit, (item.root for item in run.found))
    record_import_revisions(_written_pages(run.report.created + run.report.updated), comment)
    run.report.written = True
    if run.report.changes:
        bump_content_version()


def _queued_ahead(run: _ImportRun, planned: list[Planned]) -> Iterable[_QueuedBatch]:
    """The batches, each handed over once the next one is queued for rendering: while this process
    writes batch N, the workers render batch N + 1, so they never wait for the database."""
    queued = None
    for batch in _batches(planned, run.options.batch_size):
        following = _prepare_batch(run, batch)
        if queued is not None:
            yield queued
        queued = following
    if queued is not None:
        yield queued


def _written_pages(paths: list[str]) -> Iterable[Page]:
    """The pages at these source paths, a chunk at a time, without the fields history does not keep."""
    for chunk in _batches(paths, REVISION_CHUNK):
        yield from Page.objects.filter(source_path__in=chunk).defer(*NOT_RECORDED)


def _check_urls(run: _ImportRun, planned: list[Planned], unchanged: list[FoundFile]) -> None:
    """Two pages claiming one URL is an error naming both; so is a URL Quire itself answers."""
    if not planned:
        return  # only changed files can claim a URL that is taken
    claims = _claimed_urls(run.existing, planned, unchanged)
    for p in sorted(planned, key=lambda p: p.found.path):
        line = p.key_lines.get("permalink")
        reserved = own_route_message(p.fields.url_path)
        if reserved:
            hint = "" if line else " (set a permalink)"
            run.report.errors.append(SourceError(p.found.path, reserved + hint, line))
            run.invalid.add(p.found.path)
            continue
        owner = claims.setdefault(p.fields.url_path, p.found.path)
        if owner != p.found.path:
            run.report.errors.append(
                SourceError(p.found.path, f"URL {p.fields.url_path} is also the URL of {owner}", line)
            )
            run.invalid.add(p.found.path)


def _claimed_urls(
    existing: dict[str, dict], planned: list[Planned], unchanged: list[FoundFile]
) -> dict[str, str]:
    """The URLs taken before the changed files claim theirs: by pages outside the run (named by their
    source path, or as made in the admin) and by the run's unchanged files."""
    claims: dict[str, str] = {}
    run_paths = {p.found.path for p in planned} | {u.path for u in unchanged}
    for page in Page.objects.exclude(source_path__in=run_paths).values("source_path", "url_path", "pk"):
        claims[page["url_path"]] = page["source_path"] or f"page #{page['pk']} (made in the admin)"
    for item in unchanged:
        claims.setdefault(existing[item.path]["url_path"], item.path)
    return claims


def _load_source(item: Planned) -> PageSource:
    """The planned file again, body included; its front matter was parsed in the first pass."""
    data = item.found.absolute.read_bytes()
    if sha256_hex(data) != item.file_hash:
        raise SourceError(
            item.found.path, "the file changed while it was being imported; run the import again"
        )
    source = markdown_io.read_file(item.found.path, data, parse_yaml=False)
    source.front_matter, source.key_lines = item.front_matter, item.key_lines
    return source


_ToWrite = tuple[Planned, PageSource, Page | None]  # a file, its source, the page it updates (None: new)


@dataclass
class _QueuedBatch:
    """A batch whose rows are locked and whose bodies are queued for rendering."""

    size: int
    to_write: list[_ToWrite]
    renders: PendingRenders | None  # None in a dry run: nothing is rendered or written


def _prepare_batch(run: _ImportRun, batch: list[Planned]) -> _QueuedBatch:
    """Lock the batch's pages, settle conflicts, queue the bodies to write for rendering."""
    pages = _locked_pages([p.found.path for p in batch])
    to_write: list[_ToWrite] = []
    for item in batch:
        page = pages.get(item.found.path)
        source = _source_to_write(run, item, page)
        if source is not None:
            to_write.append((item, source, page))
    if run.options.dry_run:
        for item, _, page in to_write:
            (run.report.created if page is None else run.report.updated).append(item.found.path)
        return _QueuedBatch(len(batch), to_write, None)
    renders = run.renderer.start(
        [
            (source.body, item.found.path, source.body_line_offset, item.fields.url_path)
            for item, source, _ in to_write
        ]
    )
    return _QueuedBatch(len(batch), to_write, renders)


def _locked_pages(paths: list[str]) -> dict[str, Page]:
    """The pages at these source paths, locked for this run, without their rendered HTML."""
    return {
        page.source_path: page
        for page in Page.objects.select_for_update(
            of=("self",) if connection.features.has_select_for_update_of else ()
        )
        .select_related("parent")
        .defer("body_html", "toc")
        .filter(source_path__in=paths)
    }


def _source_to_write(run: _ImportRun, item: Planned, page: Page | None) -> PageSource | None:
    """The source to write for a planned file (the file's, or a merge with an admin edit); None when
    nothing is written: the file cannot be read again, or the page's own edit stays."""
    try:
        source = _load_source(item)
    except (SourceError, OSError) as exc:
        run.report.errors.append(_source_error(item.found.path, exc))
        run.report.skipped.append(item.found.path)
        return None
    if page is not None and page.synced_content_hash:
        return _settle_edits(run, item, source, page)
    return source


def _settle_edits(run: _ImportRun, item: Planned, source: PageSource, page: Page) -> PageSource | None:
    """A changed file whose page may also have been edited in the admin: the source to import (the
    file's, or the three-way merge of both sides), or None when the page is left as it is."""
    path = item.found.path
    # A renamed page is compared as it was at its old path (its URL comes from the path).
    page.source_path = run.report.renamed.get(path, path)
    with using_rules(run.site.previous):  # as of its last sync (the rules then): what an editor changed since
        current_text = page_file_text(page)
        edited = edited_since_sync(page)
    page.source_path = path
    file_text = markdown_io.write_text(source.front_matter_raw, source.body, source.source_format)
    prefer = run.options.prefer_paths.get(path, run.options.prefer)
    if edited and prefer == "db":
        _keep_the_database(run, item, page, file_text)
        return None
    if edited and prefer != "file":
        return _merge_both_edits(run, item, page, current_text, file_text)
    if edited:
        run.report.note(path, "edited in the admin and in the file: took the file (--prefer file)")
    if run.options.diffs:
        run.report.diffs[path] = _diff(path, current_text, file_text)
    return source


def _keep_the_database(run: _ImportRun, item: Planned, page: Page, file_text: str) -> None:
    """--prefer db: the page stays as edited; the file becomes the new base, so the next export writes
    the database's text over it."""
    from pages.sync.sync_state import clear_conflict

    path = item.found.path
    run.report.skipped.append(path)
    run.report.note(path, "edited in the admin and in the file: kept the database (--prefer db)")
    if not run.options.dry_run:
        Page.objects.filter(pk=page.pk).update(file_hash=item.file_hash, synced_text=file_text)
        clear_conflict(page)


def _merge_both_edits(
    run: _ImportRun, item: Planned, page: Page, current_text: str, file_text: str
) -> PageSource | None:
    """Edited in the admin and in the file: the line-by-line merge of both when it is clean and a valid
    page; else None, and a conflict is recorded for an editor to resolve."""
    from pages.content.merging import MergeUnavailable, conflict_excerpt, merge3, unified_diff
    from pages.sync.sync_state import record_conflict

    path, report = item.found.path, run.report
    try:
        merge = merge3(page.synced_text or "", file_text, current_text) if page.synced_text else None
    except MergeUnavailable as exc:
        report.warn(path, str(exc))
        merge = None
    merged = _merged_source(item, merge.text, report) if merge and merge.clean else None
    if merged is None:
        report.conflicts.append(path)
        report.diffs[path] = (
            conflict_excerpt(merge.text, path) if merge else _diff(path, current_text, file_text)
        )
        if not run.options.dry_run:
            record_conflict(page, file_text, item.file_hash, found_by="import")
        return None
    item.base_text = file_text
    report.merged.append(path)
    report.note(path, "edited in the admin and in the file: merged both")
    if run.options.diffs:
        report.diffs[path] = unified_diff(current_text, merge.text, f"{path} (database)", f"{path} (merged)")
    return merged


def _merged_source(item: Planned, text: str, report: ImportReport) -> PageSource | None:
    """The merged text read as the page's file; None (a conflict) when it is not a valid page."""
    path = item.found.path
    try:
        source = markdown_io.parse_text(path, text)
        item.fields = derive_fields(source.front_matter, path, site_rules())
    except FieldErrors as exc:
        report.warn(path, f"the merged text is not a valid page ({exc}); left as a conflict")
        return None
    except SourceError as exc:
        report.warn(path, f"the merged text is not a valid page ({exc.message}); left as a conflict")
        return None
    return source


class _Written(NamedTuple):
    """A page of the batch as written, what its body rendered to, its file, and its URL before."""

    page: Page
    rendered: Rendered
    item: Planned
    old_url: str | None  # None: a new page


def _write_batch(queued: _QueuedBatch, report: ImportReport, index_sections) -> None:
    """Write a prepared batch once its bodies are rendered: bulk inserts and updates; then
    `index_sections(page_ids)` puts the batch's sections in the search index."""
    if queued.renders is None:
        return
    now = timezone.now()
    new_pages: list[Page] = []
    old_pages: list[Page] = []
    written: list[_Written] = []
    for (item, source, page), rendered in zip(queued.to_write, queued.renders.results(), strict=True):
        if isinstance(rendered, str):
            report.errors.append(SourceError(item.found.path, rendered))
            report.skipped.append(item.found.path)
            continue
        is_new = page is None
        old_url = None if is_new else page.url_path
        page = _page_from_file(page or Page(source_path=item.found.path), item, source, rendered, report)
        page.updated_at, page.updated_by = now, None
        if is_new:
            new_pages.append(page)
            report.created.append(item.found.path)
        else:
            page.version += 1
            old_pages.append(page)
            report.updated.append(item.found.path)
        written.append(_Written(page, rendered, item, old_url))
    Page.objects.bulk_create(new_pages)
    Page.objects.bulk_update(old_pages, PAGE_FIELDS)
    SyncConflict.objects.filter(page__in=old_pages).delete()
    _replace_search_sections(written)
    _replace_redirects(written, report)
    index_sections([w.page.pk for w in written])


def _page_from_file(
    page: Page, item: Planned, source: PageSource, rendered: Rendered, report: ImportReport
) -> Page:
    """The page holding the file's fields, text and rendered body, and the file as its last sync."""
    for name, value in item.fields.model_values().items():
        setattr(page, name, value)
    file_text = markdown_io.write_bytes(source.front_matter_raw, source.body, source.source_format)
    page.body = source.body
    page.front_matter = json_safe(source.front_matter)
    page.front_matter_raw = source.front_matter_raw
    page.source_format = {**source.source_format, SYNCED_PARENT: page.parent_id}
    if item.found.site_dir:
        page.source_format[SITE_DIR] = item.found.site_dir
    warnings = [str(warning) for warning in rendered.warnings]
    page.body_html, page.toc, page.render_warnings = rendered.html, rendered.toc, warnings
    page.file_hash = item.file_hash
    page.synced_text = file_text.decode("utf-8") if item.base_text is None else item.base_text
    page.synced_content_hash = sha256_hex(page.synced_text.encode("utf-8"))
    if item.base_text is None and page.synced_content_hash != item.file_hash:
        report.warn(item.found.path, "exporting this page would not give back the same bytes")
    for warning in warnings:
        report.warn(item.found.path, warning)
    return page


def _replace_search_sections(written: list[_Written]) -> None:
    """The batch's pages' search sections, replaced by those of their new bodies."""
    PageSection.objects.filter(page__in=[w.page for w in written]).delete()
    insert_rows(
        PageSection,
        ["page", "position", "anchor", "heading", "level", "text"],
        (
            (w.page.pk, i, s.anchor, s.heading, s.level, s.text)
            for w in written
            for i, s in enumerate(w.rendered.sections)
        ),
    )


def _replace_redirects(written: list[_Written], report: ImportReport) -> None:
    """The batch's redirects: the pages take their URLs, a moved page's old URL answers 301, and the
    front matter's `redirect_from` replaces the redirects it made before."""
    pages = [w.page for w in written]
    Redirect.objects.filter(page__in=pages, from_front_matter=True).delete()
    free_urls(pages)
    for w in written:
        if w.old_url and w.old_url != w.page.url_path:
            remember_old_url(w.page, w.old_url)
    _add_front_matter_redirects(written, report)


def _add_front_matter_redirects(written: list[_Written], report: ImportReport) -> None:
    """A redirect for each `redirect_from` path, except one that is another page's URL or already
    redirects elsewhere (each named in the report)."""
    wanted = [
        (old_path, w.page, w.item)
        for w in written
        for old_path in w.item.fields.redirect_from
        if old_path != w.page.url_path
    ]
    paths = [old_path for old_path, _, _ in wanted]
    held = dict(Redirect.objects.filter(old_path__in=paths).values_list("old_path", "page__url_path"))
    page_urls = set(Page.objects.filter(url_path__in=paths).values_list("url_path", flat=True))
    new: dict[str, Redirect] = {}
    for old_path, page, item in wanted:
        if old_path in page_urls:
            report.warn(item.found.path, f"redirect_from {old_path} is the URL of another page; ignored")
        elif old_path in held or old_path in new:
            target = held.get(old_path) or new[old_path].page.url_path
            report.warn(item.found.path, f"redirect_from {old_path} already redirects to {target}; ignored")
        else:
            new[old_path] = Redirect(old_path=old_path, page=page, from_front_matter=True)
    Redirect.objects.bulk_create(new.values())


@dataclass(slots=True)
class _ParentRow:
    id: int
    source_path: str | None
    parent_id: int | None
    version: int
    source_format: dict


def _front_matter_text(front_matter: dict, key: str) -> str | None:
    value = front_matter.get(key)
    return None if value is None or isinstance(value, bool | list | dict) else str(value)


def _link_parents(report: ImportReport, previous: SiteRules) -> None:
    """Set every page's parent the way Just the Docs resolves `parent` / `grand_parent` / `ancestor`.

    Reads the site in chunks keeping only what the resolution needs, and writes the changed parents
    with one prepared statement, so 10,000 pages cost a fraction of a second and a few MB.
    """
    nodes: list[NavNode] = []
    by_key: dict[str, _ParentRow] = {}
    key_of: dict[int, str] = {}
    columns = (
        "id", "source_path", "title", "front_matter", "parent_id", "version", "source_format", "published",
    )  # fmt: skip
    rules = site_rules()
    for row in Page.objects.values_list(*columns).iterator(chunk_size=2000):
        pk, source_path, title, front_matter, parent_id, version, source_format, published = row
        fm = front_matter if isinstance(front_matter, dict) else {}
        if source_path:  # the config's `defaults` may name the parent
            site_dir = (source_format or {}).get(SITE_DIR, "")
            site_file = f"{site_dir}/{source_path}" if site_dir else source_path
            fm = effective_front_matter(fm, site_file, rules)
        # Just the Docs matches parents by title; a document without one has Jekyll's titleized name.
        titled = (
            source_path is None
            or isinstance(fm.get("title"), str)
            or (fm.get("title") is None and rules.placement(site_file).kind == "document")
        )
        key = source_path or f"page #{pk}"
        parent, grand_parent, ancestor = (
            _front_matter_text(fm, k) for k in ("parent", "grand_parent", "ancestor")
        )
        nodes.append(NavNode(key, title if titled else None, parent, grand_parent, ancestor, published))
        by_key[key] = _ParentRow(pk, source_path, parent_id, version, source_format or {})
        key_of[pk] = key
    nodes = [
        replace(node, current_parent=key_of.get(by_key[node.key].parent_id)) if node.parent else node
        for node in nodes
    ]
    resolved, problems = resolve_parents(nodes)
    for problem in problems:
        report.warn(problem.key, problem.message)
    changed: list[tuple] = []
    touched = set(report.created) | set(report.updated)
    for key, parent in resolved.items():
        row = by_key[key]
        if row.source_path is None:
            continue  # pages made in the admin keep the parent their editor chose
        parent_id = by_key[parent].id if parent is not None else None
        if parent_id != row.parent_id:
            if row.source_path not in touched and _page_edited_since_sync(row.id, previous):
                continue  # an editor chose this parent; export writes it to the file
            source_format = {**row.source_format, SYNCED_PARENT: parent_id}
            changed.append((parent_id, row.version + 1, source_format, row.id))
            if row.source_path not in touched:
                report.updated.append(row.source_path)
                report.note(row.source_path, "its parent changed")
    update_rows(Page, ["parent", "version", "source_format"], changed)


def _page_edited_since_sync(page_id: int, previous: SiteRules) -> bool:
    """Whether an editor changed the page since its last sync, judged by the rules of that sync."""
    page = Page.objects.select_related("parent").get(pk=page_id)
    with using_rules(previous):
        return edited_since_sync(page)


def _plan_prune(run: _ImportRun) -> None:
    """A dry run's --prune: the published pages whose files are gone, listed, none unpublished."""
    if run.options.prune:
        seen = {item.path for item in run.found}
        run.report.pruned.extend(
            sorted(
                p for p, row in run.existing.items()
                if p not in seen and row["published"] and in_scope(p, run.prefixes)
            )
        )  # fmt: skip


def _prune(run: _ImportRun) -> None:
    """With --prune, pages whose files are gone from the imported folders are unpublished (never
    deleted), and marked so that export does not write their files back."""
    if not run.options.prune:
        return
    seen = {item.path for item in run.found}
    gone = Page.objects.exclude(source_path=None).exclude(source_path__in=seen).filter(published=True)
    for page in gone.select_related("parent").defer("body_html", "toc"):
        if not in_scope(page.source_path, run.prefixes):
            continue
        # Unpublishing is part of the sync, not an editor's change; forgetting the file hash makes a
        # file that comes back count as changed, so it is published again.
        with using_rules(run.site.previous):
            edited = edited_since_sync(page)
        page.published = False
        synced = page.synced_content_hash if edited else content_hash(page)
        Page.objects.filter(pk=page.pk).update(
            published=False,
            version=page.version + 1,
            file_hash="",
            synced_content_hash=synced,
            source_format={**(page.source_format or {}), FILE_GONE: True},
        )
        run.report.pruned.append(page.source_path)


__all__ = ["ImportBusy", "ImportOptions", "ImportReport", "import_directory", "import_folders"]
