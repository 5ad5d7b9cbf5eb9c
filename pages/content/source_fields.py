"""A page's field values as Jekyll / Just the Docs read them from front matter and the file path. Pure.

The import and the export share `derive_fields`: the import stores what it returns, the export compares
it with the page's current fields to find what an editor changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pages.content.column_limits import PAGE_NAV_ORDER, PAGE_TITLE, PAGE_URL
from pages.content.front_matter import parse_date, parse_date_loosely
from pages.content.jekyll_site import NO_CONFIG, SiteRules, deep_merge, document_slug, titleize_slug
from pages.content.urls_from_paths import date_from_text, page_url, site_path, title_from_path

NAV_FIELDS = ("parent", "grand_parent", "ancestor")
MAX_LENGTHS = {"title": PAGE_TITLE, "nav_order": PAGE_NAV_ORDER, "permalink": PAGE_URL}
"""Longest values the Page columns hold (title, nav_order, url_path), by front-matter key."""


@dataclass(frozen=True)
class FieldProblem:
    """A front-matter value Quire cannot accept; `key` lets the caller point at its line."""

    key: str
    message: str

    def describe(self) -> str:
        """The message naming its key once: `key: message` unless the message already starts with it."""
        return self.message if self.message.startswith(self.key) else f"{self.key}: {self.message}"


class FieldErrors(ValueError):
    def __init__(self, problems: list[FieldProblem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.key}: {p.message}" for p in problems))


@dataclass(frozen=True)
class DerivedFields:
    title: str
    has_title: bool
    url_path: str
    nav_order: str
    date: dt.datetime | None
    published: bool
    nav_exclude: bool
    search_exclude: bool
    has_toc: bool
    description: str
    parent: str | None
    grand_parent: str | None
    ancestor: str | None
    redirect_from: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def model_values(self) -> dict:
        """The values that go straight onto Page columns."""
        return {
            "title": self.title,
            "url_path": self.url_path,
            "nav_order": self.nav_order,
            "date": self.date,
            "published": self.published,
            "nav_exclude": self.nav_exclude,
            "search_exclude": self.search_exclude,
            "has_toc": self.has_toc,
            "description": self.description,
        }


def _type_name(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dt.date | dt.datetime):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _as_written(value) -> str:
    """A YAML value shown the way it was probably written: 2024-10-27, true, 1.5."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat(" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def nav_order_text(value) -> str:
    """nav_order as written: 3 → '3', 4.5 → '4.5', 'b' → 'b', absent → ''."""
    if value is None:
        return ""
    return str(value)


def title_text(value) -> str:
    """A title as Jekyll shows it: text as written; `9`, `1.5`, `true`, `2024-10-27` as written."""
    return value if isinstance(value, str) else _as_written(value)


def effective_front_matter(fm: dict, site_path: str, rules: SiteRules, placement=None) -> dict:
    """The page's front matter over the config's `defaults:` for its path (front matter wins)."""
    if not rules.config.get("defaults"):
        return fm
    defaults = rules.defaults_for(site_path, rules.kind_of(placement or rules.placement(site_path)))
    return deep_merge(defaults, fm) if defaults else fm


def _collection_search_excluded(rules: SiteRules, placement) -> bool:
    """A document of a collection listed with `search_exclude: true` is out of search by default."""
    collection = placement.collection if placement.kind == "document" else None
    return collection is not None and collection.label in rules.search_excluded_collections


class _FrontMatterReader:
    """Reads one page's front matter, collecting every unacceptable value and every note on the way."""

    def __init__(self, fm: dict):
        self.fm = fm
        self.problems: list[FieldProblem] = []
        self.notes: list[str] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(FieldProblem(key, message))

    def flag(self, key: str, default: bool) -> bool:
        """A true/false value; absent or unacceptable: `default`."""
        value = self.fm.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        self.problem(key, f"must be true or false, not {value!r}")
        return default

    def text(self, key: str) -> str | None:
        """A text value (a number as written); absent or unacceptable: None."""
        value = self.fm.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self.problem(key, f"must be text, not {_type_name(value)}")
        return None


def derive_fields(fm: dict, path: str, rules: SiteRules | None = None, site_dir: str = "") -> DerivedFields:
    """Field values from front matter (parsed YAML or its JSON form) and the root-relative path.

    `rules` are the site's config (its permalink style and front matter defaults; none: Quire's own
    pretty URLs); `site_dir` is where the imported folder lies under the folder holding `_config.yml`.
    Raises FieldErrors listing every unacceptable value at once.
    """
    rules = rules or NO_CONFIG
    site_file = f"{site_dir.strip('/')}/{path}" if site_dir.strip("/") else path
    placement = rules.placement(site_file)
    read = _FrontMatterReader(effective_front_matter(fm, site_file, rules, placement))
    title, has_title = _title(read, path, placement)
    nav_order = _nav_order(read)
    date = _date(read, path, title if has_title else None)
    url_path = _url_path(read, site_file, rules, date, placement)
    redirects = _redirects(read)
    _check_lengths(read, title=title, nav_order=nav_order, permalink=url_path)
    nav = {key: read.text(key) for key in NAV_FIELDS}
    description = read.text("description") or ""
    flags = _flags(read, has_title, _collection_search_excluded(rules, placement))
    fields = DerivedFields(
        title=title,
        has_title=has_title,
        url_path=url_path,
        nav_order=nav_order,
        date=date,
        description=description,
        redirect_from=redirects,
        notes=tuple(read.notes),
        **nav,
        **flags,
    )
    if read.problems:
        raise FieldErrors(read.problems)
    return fields


def _title(read: _FrontMatterReader, path: str, placement) -> tuple[str, bool]:
    """The page's title and whether it has one of its own (a page without one stays out of the nav).

    Numbers, true/false and dates are titles too (Just the Docs sorts numbers as numbers); the front
    matter keeps them as written, so export writes them back unchanged. Without a title: one made
    from the path, except that Jekyll gives every document its file name, titleized
    (Document#populate_title)."""
    value = read.fm.get("title")
    has_title = value is not None
    if has_title and isinstance(value, list | dict):
        read.problem("title", f"must be text, not {_type_name(value)}")
        has_title = False
    title = title_text(value) if has_title else title_from_path(path)
    if not has_title and placement.kind == "document":
        title, has_title = titleize_slug(document_slug(placement.relative)) or title, True
    return title, has_title


def _nav_order(read: _FrontMatterReader) -> str:
    """nav_order as written (a number or text); a boolean, list, mapping or date is a problem."""
    value = read.fm.get("nav_order")
    if isinstance(value, bool | list | dict | dt.date):
        read.problem("nav_order", f"must be a number or text, not {_type_name(value)}")
        value = None
    return nav_order_text(value)


def _date(read: _FrontMatterReader, path: str, title: str | None) -> dt.datetime | None:
    """The front matter's `date`, else a date at the start of the file name, else of the title."""
    value = read.fm.get("date")
    date = _front_matter_date(read, value) if value is not None else None
    if date is None:
        date = date_from_text(path.rsplit("/", 1)[-1]) or (
            date_from_text(title) if title is not None else None
        )
    return date


def _front_matter_date(read: _FrontMatterReader, value) -> dt.datetime | None:
    """A date as Jekyll reads it; one in a looser form is read too, with a note saying how."""
    try:
        return parse_date(value)
    except ValueError as exc:
        date = _loose_date(value)
        if date is None:
            read.problem("date", str(exc))
        else:
            read.notes.append(f"date '{value}' is not in a standard form; read as {date.isoformat(' ')}")
        return date


def _loose_date(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_date_loosely(value)
    except ValueError:
        return None


def _url_path(read: _FrontMatterReader, site_file: str, rules: SiteRules, date, placement) -> str:
    """The page's URL from its permalink, or from the site's permalink style and its path."""
    try:
        return page_url(read.fm.get("permalink"), site_file, rules, read.fm, date, placement)
    except ValueError as exc:
        read.problem("permalink", str(exc))
        return ""


def _redirects(read: _FrontMatterReader) -> tuple[str, ...]:
    """`redirect_from`: one path or a list of them, each a path on the site."""
    raw = read.fm.get("redirect_from")
    if raw is None:
        return ()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        read.problem("redirect_from", "must be a path or a list of paths")
        return ()
    redirects: list[str] = []
    for item in items:
        try:
            redirects.append(site_path(item, "redirect_from"))
        except ValueError as exc:
            read.problem("redirect_from", str(exc))
    return tuple(redirects)


def _check_lengths(read: _FrontMatterReader, **values: str) -> None:
    """Each value must fit its Page column (`MAX_LENGTHS`)."""
    for key, value in values.items():
        if len(value) > MAX_LENGTHS[key]:
            read.problem(key, f"is {len(value)} characters long; at most {MAX_LENGTHS[key]} fit")


def _flags(read: _FrontMatterReader, has_title: bool, search_excluded: bool) -> dict[str, bool]:
    """The true/false fields; a page without a title stays out of the navigation. `has_children`
    (older Just the Docs) is checked but not stored: the navigation finds children by their parent."""
    flags = {
        "published": read.flag("published", True),
        "nav_exclude": read.flag("nav_exclude", False) or not has_title,
        "search_exclude": read.flag("search_exclude", search_excluded),
        "has_toc": read.flag("has_toc", True),
    }
    read.flag("has_children", True)
    return flags
