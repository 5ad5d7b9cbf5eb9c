"""A Jekyll site's `_config.yml` and the rules Jekyll derives from it. Pure: no ORM, no Django.

- `find_site_root(folder)`: the folder holding `_config.yml` — the folder given, or its nearest parent.
- `parse_config(text, name)`: the config, checked; bad YAML or a value of the wrong type is a
  `ConfigError` naming the file and line.
- `SiteRules`: what Quire does with it — which files are part of the site (Jekyll's EntryFilter:
  `exclude` / `include`, the default exclusions, names starting with `_ . # ~`), which of them are
  documents of an output collection (posts always; `collections:` with `output: true`), the front
  matter `defaults:` for a path, and the URL Jekyll gives each page (`permalink:` style, pretty, date,
  custom patterns with `:path`, `:basename`, `:title`, `:categories`, `:year`, …).

A folder without `_config.yml` is read as a site whose config is empty, except that pages keep Quire's
own pretty URLs (`/dir/name/`): only a Jekyll site asks for Jekyll's `/dir/name.html`.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from pages.content import front_matter

CONFIG_NAME = "_config.yml"
MAX_CONFIG_BYTES = 1024 * 1024
# Jekyll 4 always adds these to `exclude` (Configuration#add_default_excludes).
DEFAULT_EXCLUDES = (
    ".sass-cache", ".jekyll-cache", "gemfiles", "Gemfile", "Gemfile.lock", "node_modules",
    "vendor/bundle/", "vendor/cache/", "vendor/gems/", "vendor/ruby/",
)  # fmt: skip
DEFAULT_INCLUDES = (".htaccess",)
SPECIAL_LEADING = (".", "_", "#", "~")
MARKDOWN_SUFFIXES = (".md", ".markdown")
POSTS = "posts"
# Jekyll's permalink styles for posts (Utils#permalink_style / Configuration#style_to_permalink).
POST_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
# Folders Jekyll reads for its theme and build, never as pages (config key → default name).
THEME_FOLDERS = {
    "layouts_dir": "_layouts", "includes_dir": "_includes", "sass_dir": "_sass", "data_dir": "_data",
    "plugins_dir": "_plugins",
}  # fmt: skip
QUIRE_STYLE = "quire"  # no _config.yml: Quire's own pretty URLs
NAV_SORT_VALUES = ("case_sensitive", "case_insensitive")
_DATE_FILE_RE = re.compile(r"\A(\d{2,4}-\d{1,2}-\d{1,2})-(.*)\Z")
_PLACEHOLDER_RE = re.compile(r":([a-z_]+)")
# Keys whose value must be text, lists of text, mappings, or true/false (anything else is refused).
_TEXT_KEYS = ("baseurl", "url", "title", "permalink", "nav_sort", "collections_dir", "footer_content",
              "description")  # fmt: skip
_LIST_KEYS = ("exclude", "include")
_BOOL_KEYS = (
    "search_enabled", "aux_links_new_tab", "nav_external_links_new_tab", "heading_anchors", "back_to_top",
    "last_edit_timestamp", "gh_edit_link",
)  # fmt: skip
_TEXT_KEYS += ("back_to_top_text", "last_edit_time_format", "gh_edit_link_text", "gh_edit_repository",
               "gh_edit_branch", "gh_edit_source", "gh_edit_view_mode")  # fmt: skip


class ConfigError(ValueError):
    """A `_config.yml` Quire cannot read; names the file and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None):
        self.path, self.message, self.line, self.column = path, message, line, column
        where = path if line is None else f"{path}:{line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")


def find_site_root(folder: Path) -> Path | None:
    """The folder holding `_config.yml`: `folder` itself or its nearest parent; None when there is none.

    The search stops at a repository's root (a folder holding `.git`): a site never reaches above it."""
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_NAME).is_file():
            return candidate
        if (candidate / ".git").exists():
            return None
    return None


def parse_config(text: str, name: str = CONFIG_NAME) -> dict:
    """The config as a mapping; every unreadable part is a ConfigError naming `name` and the line."""
    try:
        loaded = front_matter.load(text)
    except front_matter.FrontMatterError as exc:
        message = exc.message.replace("front matter", "the config")
        raise ConfigError(name, message, exc.line, exc.column) from exc
    data, lines = loaded.data, loaded.key_lines

    def fail(key: str, message: str):
        raise ConfigError(name, f"{key}: {message}", lines.get(key))

    for key in _TEXT_KEYS:
        value = data.get(key)
        if value is not None and not isinstance(value, str | int | float) or isinstance(value, bool):
            fail(key, f"must be text, not {type(value).__name__}")
    for key in _LIST_KEYS:
        value = data.get(key)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value)
        ):
            fail(key, "must be a list of file or folder names")
    for key in _BOOL_KEYS:
        if data.get(key) is not None and not isinstance(data[key], bool):
            fail(key, "must be true or false")
    nav_sort = data.get("nav_sort")
    if nav_sort is not None and str(nav_sort) not in NAV_SORT_VALUES:
        fail("nav_sort", f"must be {' or '.join(NAV_SORT_VALUES)}, not {nav_sort!r}")
    collections = data.get("collections")
    if collections is not None and not isinstance(collections, list | dict):
        fail("collections", "must be a list of names or a mapping of names to settings")
    if isinstance(collections, dict):
        for label, settings in collections.items():
            if settings is not None and not isinstance(settings, dict):
                fail("collections", f"the settings of collection '{label}' must be a mapping")
            if isinstance(settings, dict) and not isinstance(settings.get("permalink", ""), str):
                fail("collections", f"the permalink of collection '{label}' must be text")
    defaults = data.get("defaults")
    if defaults is not None:
        if not isinstance(defaults, list):
            fail("defaults", "must be a list of {scope, values} entries")
        for index, entry in enumerate(defaults, start=1):
            if not isinstance(entry, dict) or not isinstance(entry.get("values", {}), dict):
                fail("defaults", f"entry {index} must be a mapping with a 'values' mapping")
            if entry.get("scope") is not None and not isinstance(entry["scope"], dict):
                fail("defaults", f"entry {index}: 'scope' must be a mapping (path, type)")
    callouts = data.get("callouts")
    if callouts is not None and (
        not isinstance(callouts, dict) or not all(isinstance(v, dict | type(None)) for v in callouts.values())
    ):
        fail("callouts", "must map each callout name to its settings (title, color)")
    aux_links = data.get("aux_links")
    if aux_links is not None and not isinstance(aux_links, dict):
        fail("aux_links", "must map each link text to a list of URLs")
    external = data.get("nav_external_links")
    if external is not None:
        if not isinstance(external, list):
            fail("nav_external_links", "must be a list of {title, url} entries")
        for index, entry in enumerate(external, start=1):
            if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
                fail("nav_external_links", f"entry {index} must be a mapping with a 'url' (text)")
    theme = data.get("just_the_docs")
    if theme is not None and not isinstance(theme, dict):
        fail("just_the_docs", "must be a mapping (collections: ...)")
    theme_collections = (theme or {}).get("collections")
    if theme_collections is not None and (
        not isinstance(theme_collections, dict)
        or not all(isinstance(v, dict | type(None)) for v in theme_collections.values())
    ):
        fail("just_the_docs", "collections must map each collection's label to its settings (name, nav_fold)")
    return data


def read_config_file(path: Path, name: str = CONFIG_NAME) -> tuple[str, dict]:
    """The file's text and parsed config; ConfigError when it cannot be read or parsed."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(name, f"cannot be read: {exc.strerror or exc}") from exc
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(name, f"is {len(data):,} bytes, over the {MAX_CONFIG_BYTES:,}-byte limit")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(name, "is not UTF-8 text", line) from exc
    return text, parse_config(text, name)


# -- the rules ---------------------------------------------------------------------------------------


def _text(value) -> str:
    return "" if value is None else str(value)


def slugify(text: str, *, mode: str = "default", cased: bool = False) -> str:
    """Jekyll's Utils.slugify in its `default` and `pretty` modes."""
    text = unicodedata.normalize("NFC", text or "")
    if mode == "default":  # letters, marks and digits only
        slug = re.sub(r"(?:[^\w]|_)+", "-", text)
    else:  # pretty: also ._~!$&'()+,;=@ (and `_`, as Jekyll's own output keeps it)
        slug = re.sub(r"[^\w._~!$&'()+,;=@]+", "-", text)
    slug = slug.strip("-")
    return slug if cased else slug.lower()


@dataclass(frozen=True)
class Collection:
    label: str
    output: bool
    permalink: str | None
    folder: str  # site-relative folder of its documents, e.g. "_docs" or "my_collections/_docs"


@dataclass(frozen=True)
class NavCollection:
    """A collection Just the Docs lists in the sidebar (`just_the_docs.collections`), in config order."""

    label: str
    name: str  # the heading over its documents ("" : none)
    fold: bool  # `nav_fold: true`: the documents fold away under the heading


@dataclass(frozen=True)
class ExternalLink:
    """One of `nav_external_links`: listed after the pages in the sidebar."""

    title: str
    url: str
    hide_icon: bool
    new_tab: bool


@dataclass(frozen=True)
class EditLink:
    """`gh_edit_link`: where a file's "Edit this page" link points (Just the Docs' footer)."""

    repository: str
    branch: str
    source: str
    view_mode: str
    text: str

    def url(self, path: str) -> str:
        """Just the Docs: repository/view_mode/branch[/source]/page.path."""
        parts = [self.repository.rstrip("/"), self.view_mode, self.branch]
        if self.source:
            parts.append(self.source.strip("/"))
        return "/".join([*parts, path.lstrip("/")])


def _safe_url(url) -> bool:
    return isinstance(url, str) and url.startswith(("https://", "http://", "/")) and url[:2] != "//"


def titleize_slug(slug: str) -> str:
    """Jekyll's Utils.titleize_slug: words split on '-', each capitalised (Ruby's String#capitalize)."""
    words = slug.split("-")
    while words and words[-1] == "":  # Ruby's split drops trailing empty fields
        words.pop()
    return " ".join(word[:1].upper() + word[1:].lower() for word in words)


def document_slug(relative: str) -> str:
    """Jekyll's Document#populate_title slug: the file name without its date prefix and extension,
    trailing dots removed."""
    name = relative.rpartition("/")[2]
    stem = _stem(name)
    match = _DATE_FILE_RE.match(stem)
    if match:
        stem = match.group(2)
    return re.sub(r"\.+\Z", "", stem)


@dataclass(frozen=True)
class Placement:
    """Where a file sits in the site: a page, a document of a collection, or not part of the site."""

    kind: str  # "page", "document", "static", "ignored"
    collection: Collection | None = None
    relative: str = ""  # the path inside the collection folder (documents)
    categories: tuple[str, ...] = ()  # posts: the folders above `_posts`


@dataclass(frozen=True)
class SiteRules:
    """The parts of a site's config that decide which files are pages and what their URLs are."""

    config: dict = field(default_factory=dict)
    has_config: bool = False

    @classmethod
    def from_config(cls, config: dict | None, has_config: bool = True) -> SiteRules:
        return cls(config=dict(config or {}), has_config=has_config)

    # -- plain settings
    @property
    def baseurl(self) -> str:
        value = _text(self.config.get("baseurl")).strip()
        return "" if not value.strip("/") else "/" + value.strip("/")

    @property
    def title(self) -> str:
        return _text(self.config.get("title")).strip()

    @property
    def nav_case_sensitive(self) -> bool | None:
        """Just the Docs sorts text case-sensitively unless `nav_sort: case_insensitive`; None: unset."""
        value = self.config.get("nav_sort")
        return None if value is None else str(value) != "case_insensitive"

    @property
    def search_enabled(self) -> bool:
        """Just the Docs' `search_enabled` (on unless set to false)."""
        return self.config.get("search_enabled") is not False

    @property
    def aux_links(self) -> list[tuple[str, str]]:
        """Just the Docs' `aux_links`: (text, URL) pairs for the header; only http(s) and site paths."""
        links = []
        for text, urls in (self.config.get("aux_links") or {}).items():
            url = urls[0] if isinstance(urls, list) and urls else urls
            if _safe_url(url):
                links.append((str(text), url))
        return links

    @property
    def aux_links_new_tab(self) -> bool:
        return self.config.get("aux_links_new_tab") is True

    @property
    def nav_external_links(self) -> list[ExternalLink]:
        """Just the Docs' `nav_external_links` (http(s) and site paths only), in config order; a link
        opens in a new tab when it says so, else when `nav_external_links_new_tab` is on."""
        links = []
        default_new_tab = self.config.get("nav_external_links_new_tab") is True
        for entry in self.config.get("nav_external_links") or []:
            if not isinstance(entry, dict) or not _safe_url(entry.get("url")):
                continue
            new_tab = entry.get("opens_in_new_tab")
            links.append(
                ExternalLink(
                    title=_text(entry.get("title")),
                    url=entry["url"],
                    hide_icon=entry.get("hide_icon") is True,
                    new_tab=bool(new_tab) if new_tab is not None else default_new_tab,
                )
            )
        return links

    @property
    def nav_collections(self) -> list[NavCollection]:
        """`just_the_docs.collections`: the collections the sidebar lists after the pages, in order.
        Posts are never listed, nor a collection with `nav_exclude: true` or without `output: true`."""
        theme = self.config.get("just_the_docs")
        listed = theme.get("collections") if isinstance(theme, dict) else None
        found = []
        for label, settings in (listed if isinstance(listed, dict) else {}).items():
            settings = settings if isinstance(settings, dict) else {}
            collection = self.collections.get(str(label))
            if collection is None or not collection.output or collection.label == POSTS:
                continue
            if settings.get("nav_exclude") is True:
                continue
            name, fold = _text(settings.get("name")), settings.get("nav_fold") is True
            found.append(NavCollection(str(label), name, fold))
        return found

    @cached_property
    def search_excluded_collections(self) -> frozenset[str]:
        """Collections `just_the_docs.collections` lists with `search_exclude: true`: their documents
        are left out of search, as Just the Docs leaves them out of its search index."""
        theme = self.config.get("just_the_docs")
        listed = theme.get("collections") if isinstance(theme, dict) else None
        return frozenset(
            str(label)
            for label, settings in (listed if isinstance(listed, dict) else {}).items()
            if isinstance(settings, dict) and settings.get("search_exclude") is True
        )

    @property
    def listed_collection_count(self) -> int:
        """How many entries `just_the_docs.collections` has (Just the Docs heads each collection when
        more than one is listed)."""
        theme = self.config.get("just_the_docs")
        listed = theme.get("collections") if isinstance(theme, dict) else None
        return len(listed) if isinstance(listed, dict) else 0

    @property
    def heading_anchors(self) -> bool:
        """Just the Docs' `heading_anchors` (on unless set to false)."""
        return self.config.get("heading_anchors") is not False

    @property
    def back_to_top_text(self) -> str:
        """The "back to top" link's text when `back_to_top` is on, else ""."""
        if self.config.get("back_to_top") is not True:
            return ""
        return _text(self.config.get("back_to_top_text")).strip() or "Back to top"

    @property
    def last_edit_time_format(self) -> str:
        """The strftime format of "Page last modified" when `last_edit_timestamp` is on and a format is
        given (Just the Docs shows nothing without one), else ""."""
        if self.config.get("last_edit_timestamp") is not True:
            return ""
        return _text(self.config.get("last_edit_time_format")).strip()

    @property
    def edit_link(self) -> EditLink | None:
        """`gh_edit_link`, when it and `gh_edit_link_text`, `gh_edit_repository`, `gh_edit_branch` and
        `gh_edit_view_mode` are all set (as Just the Docs' footer asks); else None."""
        config = self.config
        if config.get("gh_edit_link") is not True:
            return None
        values = {
            key: _text(config.get(f"gh_edit_{key}")).strip()
            for key in ("repository", "branch", "source", "view_mode", "link_text")
        }
        if not all(values[key] for key in ("repository", "branch", "view_mode", "link_text")):
            return None
        if not values["repository"].startswith(("https://", "http://")):
            return None
        return EditLink(
            repository=values["repository"], branch=values["branch"], source=values["source"],
            view_mode=values["view_mode"], text=values["link_text"],
        )  # fmt: skip

    @property
    def footer_content(self) -> str:
        return _text(self.config.get("footer_content"))

    @property
    def callouts(self) -> dict[str, dict]:
        """Just the Docs' `callouts`: name → {title, color}, for names that are CSS class names."""
        found = {}
        for name, settings in (self.config.get("callouts") or {}).items():
            if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", str(name)):
                settings = settings if isinstance(settings, dict) else {}
                found[str(name)] = {
                    "title": _text(settings.get("title")),
                    "color": _text(settings.get("color")),
                }
        return found

    @property
    def permalink_style(self) -> str:
        if not self.has_config:
            return QUIRE_STYLE
        value = _text(self.config.get("permalink")).strip()
        return value or "date"

    # -- which files belong to the site
    @cached_property
    def excludes(self) -> list[str]:
        return [*map(str, self.config.get("exclude") or []), *DEFAULT_EXCLUDES]

    @cached_property
    def includes(self) -> list[str]:
        value = self.config.get("include")
        return list(map(str, value)) if value is not None else list(DEFAULT_INCLUDES)

    @property
    def collections_dir(self) -> str:
        return _text(self.config.get("collections_dir")).strip().strip("/")

    @cached_property
    def collections(self) -> dict[str, Collection]:
        raw = self.config.get("collections") or {}
        if isinstance(raw, list):
            raw = {str(label): {} for label in raw}
        found: dict[str, Collection] = {}
        for label, settings in raw.items():
            settings = settings if isinstance(settings, dict) else {}
            label = str(label)
            folder = (
                posixpath.join(self.collections_dir, f"_{label}") if self.collections_dir else f"_{label}"
            )
            output = True if label == POSTS else bool(settings.get("output", False))
            found[label] = Collection(label, output, settings.get("permalink"), folder)
        if POSTS not in found:
            folder = posixpath.join(self.collections_dir, "_posts") if self.collections_dir else "_posts"
            found[POSTS] = Collection(POSTS, True, None, folder)
        return found

    @staticmethod
    def _matcher(patterns: list[str]):
        """Jekyll's glob_include? for a list of patterns: an fnmatch, or the path starting with the
        pattern (as Jekyll compares them), or the folder named by a `dir/` pattern."""
        patterns = [p.strip() for p in patterns if p.strip()]
        globs = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)) if patterns else None
        prefixes = tuple(patterns)
        bare = {p.rstrip("/") for p in patterns}

        def matches(path: str) -> bool:
            return bool(prefixes) and (
                path.startswith(prefixes) or path in bare or bool(globs and globs.match(path))
            )

        return matches

    @cached_property
    def _include_wanted(self):
        return self._matcher([p for p in self.includes if p not in self.excludes])

    @cached_property
    def _include_names(self):
        return self._matcher(self.includes)

    @cached_property
    def _exclude(self):
        return self._matcher([p for p in self.excludes if p not in self.includes])

    @cached_property
    def _kept_entries(self) -> dict[str, bool]:
        return {}

    def _entry_kept_here(self, entry: str, name: str) -> bool | None:
        """False: dropped; True: kept whatever is above; None: kept if its folder is."""
        included = self._include_wanted(entry) or self._include_names(name)
        if self._exclude(entry) and not included:
            return False
        if included:
            return None
        if name.startswith(SPECIAL_LEADING) or name.endswith("~"):
            return False
        return None

    def entry_kept(self, path: str) -> bool:
        """Jekyll's EntryFilter for one path (every folder on the way is checked too; folders are
        remembered, so a site's thousands of files cost one check each)."""
        folder, _, name = path.rpartition("/")
        return (not folder or self._folder_kept(folder)) and self._entry_kept_here(path, name) is not False

    def _folder_kept(self, folder: str) -> bool:
        """`entry_kept` for a folder, remembered (files are many and seen once; folders are few)."""
        cache = self._kept_entries
        if folder not in cache:
            cache[folder] = self.entry_kept(folder)
        return cache[folder]

    @cached_property
    def theme_folders(self) -> dict[str, str]:
        """Folder → what it holds ("layouts", "includes", "sass", "data", "plugins"): Jekyll's own
        folders, named by the config's `layouts_dir` etc. or by default; never pages, even if included."""
        found = {}
        for key, default in THEME_FOLDERS.items():
            value = self.config.get(key)
            folder = (
                str(value).strip().strip("/") if isinstance(value, str) and value.strip("/ ") else default
            )
            found[folder] = key.removesuffix("_dir")
        return found

    def theme_folder_of(self, path: str) -> str | None:
        """What the theme folder holding site-relative `path` is for, or None outside them."""
        for folder, kind in self.theme_folders.items():
            if path == folder or path.startswith(folder + "/"):
                return kind
        return None

    def placement(self, path: str) -> Placement:
        """Where the site-relative `path` sits: a page, a collection's document, a plain file, or ignored."""
        is_markdown = path.lower().endswith(MARKDOWN_SUFFIXES)
        parts = path.split("/")
        if "_drafts" in parts[:-1] or any(part.startswith(".") for part in parts):
            return Placement("ignored")
        if self.theme_folder_of(path):
            return Placement("ignored")
        for collection in self.collections.values():
            prefix = collection.folder + "/"
            if collection.label == POSTS and "_posts" in parts[:-1]:
                index = parts.index("_posts")
                outside = "/".join(parts[:index])
                if outside and not self.entry_kept(outside):
                    return Placement("ignored")
                found = self._document(collection, "/".join(parts[index + 1 :]), is_markdown)
                return Placement(found.kind, found.collection, found.relative, tuple(parts[:index]))
            if path.startswith(prefix):
                return self._document(collection, path[len(prefix) :], is_markdown)
        if not self.entry_kept(path):
            return Placement("ignored")
        return Placement("page" if is_markdown else "static")

    def _document(self, collection: Collection, relative: str, is_markdown: bool) -> Placement:
        if any(part.startswith(SPECIAL_LEADING) for part in relative.split("/")):
            return Placement("ignored")
        if not collection.output:
            return Placement("ignored")
        return Placement("document" if is_markdown else "static", collection, relative)

    # -- front matter defaults
    def defaults_for(self, path: str, kind: str) -> dict:
        """The `defaults:` values that apply to `path` (kind: "pages", "posts" or a collection label),
        the more specific scope winning as in Jekyll (longer path, then a type, then the later entry)."""
        matches = []
        if not self.config.get("defaults"):
            return {}
        for order, entry in enumerate(self.config.get("defaults") or []):
            if not isinstance(entry, dict):
                continue
            scope = entry.get("scope") or {}
            scope_path = _text(scope.get("path")).strip().strip("/")
            if scope_path.startswith("./"):
                scope_path = scope_path[2:]
            if scope_path and "*" in scope_path:
                if not fnmatch.fnmatchcase(path, scope_path) and not fnmatch.fnmatchcase(
                    path, scope_path + "/*"
                ):
                    continue
            elif scope_path and not path.startswith(scope_path):
                continue
            scope_type = scope.get("type")
            if scope_type is not None and str(scope_type) != kind:
                continue
            matches.append(
                (len(scope_path.split("/")) if scope_path else 0, scope_type is not None, order, entry)
            )
        values: dict = {}
        for *_, entry in sorted(matches, key=lambda m: m[:3]):
            values = deep_merge(values, entry.get("values") or {})
        return values

    def kind_of(self, placement: Placement) -> str:
        if placement.kind == "document" and placement.collection:
            return placement.collection.label
        return "pages"

    # -- URLs
    def url(self, path: str, fm: dict, date: dt.datetime | None, placement: Placement | None = None) -> str:
        """The URL Jekyll gives the page or document at site-relative `path` (front matter `fm`, with
        defaults applied); raises ValueError for a permalink Quire cannot use."""
        placement = placement or self.placement(path)
        if placement.kind == "document":
            placeholders = self._document_placeholders(placement, fm, date)
            template = self._document_template(placement.collection)
        else:
            placeholders = self._page_placeholders(path)
            template = self._page_template(path)
        permalink = fm.get("permalink")
        if permalink not in (None, ""):
            if not isinstance(permalink, str):
                raise ValueError(f"permalink must be text, not {type(permalink).__name__}")
            template = permalink
        return expand(template, placeholders)

    def _page_template(self, path: str) -> str:
        if _stem(path.rpartition("/")[2]) == "index":
            return "/:path/"
        style = self.permalink_style
        if style in (QUIRE_STYLE, "pretty"):
            return "/:path/:basename/"
        if style in POST_STYLES:
            return "/:path/:basename:output_ext"
        suffix = "/" if style.endswith("/") else ":output_ext" if style.endswith(":output_ext") else ""
        return "/:path/:basename" + suffix

    def _page_placeholders(self, path: str) -> dict[str, str]:
        parent, _, name = path.rpartition("/")
        return {"path": parent, "basename": _stem(name), "output_ext": ".html"}

    def _document_template(self, collection: Collection) -> str:
        if collection.permalink:
            return POST_STYLES.get(collection.permalink, collection.permalink)
        if collection.label == POSTS:
            style = self.permalink_style
            if style == QUIRE_STYLE:
                return POST_STYLES["pretty"]
            return POST_STYLES.get(style, style)
        style = self.permalink_style
        if style in (QUIRE_STYLE, "pretty"):
            return "/:collection/:path/"
        if style in POST_STYLES or style.endswith(":output_ext"):
            return "/:collection/:path:output_ext"
        return "/:collection/:path" + ("/" if style.endswith("/") else "")

    def _document_placeholders(self, placement: Placement, fm: dict, date: dt.datetime | None) -> dict:
        collection = placement.collection
        relative = PurePosixPath(placement.relative)
        stem = relative.stem
        slug = stem
        match = _DATE_FILE_RE.match(stem)
        if match:
            slug = match.group(2)
            if date is None:
                date = _file_date(match.group(1))
        slug = re.sub(r"\.+\Z", "", slug)
        if fm.get("slug") not in (None, ""):
            slug = str(fm["slug"])
        categories = []
        if collection.label == POSTS:
            categories = list(placement.categories)
        for key in ("category", "categories"):
            value = fm.get(key)
            items = value.split() if isinstance(value, str) else value if isinstance(value, list) else []
            for item in items:
                if str(item) not in categories:
                    categories.append(str(item))
        cleaned = str(relative.with_suffix("")) if relative.suffix else str(relative)
        values = {
            "collection": collection.label,
            "path": cleaned,
            "name": slugify(stem),
            "title": slugify(slug, mode="pretty", cased=True),
            "slug": slugify(slug),
            "categories": "/".join(c.lower() for c in categories),
            "output_ext": ".html",
        }
        day = date or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        values.update(
            year=day.strftime("%Y"), month=day.strftime("%m"), day=day.strftime("%d"),
            i_month=str(day.month), i_day=str(day.day), short_year=day.strftime("%y"),
            hour=day.strftime("%H"), minute=day.strftime("%M"), second=day.strftime("%S"),
            y_day=day.strftime("%j"), short_month=day.strftime("%b"), long_month=day.strftime("%B"),
            week=day.strftime("%V"), w_year=str(day.isocalendar()[0]), w_day=str(day.isoweekday()),
            short_day=day.strftime("%a"), long_day=day.strftime("%A"),
        )  # fmt: skip
        return values


def _stem(name: str) -> str:
    """A file name without its last extension (as PurePosixPath.stem, without the cost)."""
    stem, dot, _ = name.rpartition(".")
    return stem if dot and stem else name


def _file_date(text: str) -> dt.datetime | None:
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return dt.datetime(year, month, day, tzinfo=dt.UTC)
    except ValueError:
        return None


def deep_merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def expand(template: str, placeholders: dict[str, str]) -> str:
    """A URL template with its `:placeholders` filled in, cleaned as Jekyll's URL#sanitize_url does."""

    def fill(match: re.Match) -> str:
        name = match.group(1)
        for key in (name, name.rstrip("_")):
            if key in placeholders:
                return placeholders[key] + (match.group(0)[len(key) + 1 :] if key != name else "")
        raise ValueError(
            f"permalink '{template}' uses :{name}, which this page does not have "
            "(a permalink contains ':' only in placeholders such as :basename)"
        )

    text = template.strip()
    if any(ch in text for ch in "\x00\r\n\t") or "://" in text or text.startswith("//"):
        raise ValueError(f"permalink '{template}' is not a site path such as /docs/page/")
    filled = _PLACEHOLDER_RE.sub(fill, text)
    if any(part == ".." for part in re.split(r"[/\\]", filled)):
        raise ValueError(f"permalink '{template}' contains '..'; paths must stay inside the site")
    url = re.sub(r"/{2,}", "/", "/" + filled.replace("./", "").lstrip("/"))
    return url


NO_CONFIG = SiteRules()
"""The rules of a folder without _config.yml (one shared instance: its caches are kept)."""
