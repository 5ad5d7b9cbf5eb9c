"""A page's field values as Jekyll / Just the Docs read them from front matter and the file path. Pure.

The import and the export share `derive_fields`: the import stores what it returns, the export compares
it with the page's current fields to find what an editor changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pages.front_matter import parse_date, parse_date_loosely
from pages.jekyll_site import NO_CONFIG, SiteRules, deep_merge, document_slug, titleize_slug
from pages.urls_from_paths import date_from_text, page_url, site_path, title_from_path

NAV_FIELDS = ("parent", "grand_parent", "ancestor")
MAX_LENGTHS = {"title": 500, "nav_order": 100, "permalink": 1000}
"""Longest values the Page columns hold (title, nav_order, url_path)."""


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


def derive_fields(fm: dict, path: str, rules: SiteRules | None = None, site_dir: str = "") -> DerivedFields:
    """Field values from front matter (parsed YAML or its JSON form) and the root-relative path.

    `rules` are the site's config (its permalink style and front matter defaults; none: Quire's own
    pretty URLs); `site_dir` is where the imported folder lies under the folder holding `_config.yml`.
    Raises FieldErrors listing every unacceptable value at once.
    """
    rules = rules or NO_CONFIG
    site_file = f"{site_dir.strip('/')}/{path}" if site_dir.strip("/") else path
    placement = rules.placement(site_file)
    fm = effective_front_matter(fm, site_file, rules, placement)
    problems: list[FieldProblem] = []
    notes: list[str] = []

    def flag(key: str, default: bool) -> bool:
        value = fm.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        problems.append(FieldProblem(key, f"must be true or false, not {value!r}"))
        return default

    def text(key: str) -> str | None:
        value = fm.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        problems.append(FieldProblem(key, f"must be text, not {_type_name(value)}"))
        return None

    title_value = fm.get("title")
    has_title = title_value is not None
    if has_title and isinstance(title_value, list | dict):
        problems.append(FieldProblem("title", f"must be text, not {_type_name(title_value)}"))
        has_title = False
    # Numbers, true/false and dates are titles too (Just the Docs sorts numbers as numbers); the
    # front matter keeps them as written, so export writes them back unchanged.
    title = title_text(title_value) if has_title else title_from_path(path)
    if not has_title and placement.kind == "document":
        # Jekyll gives every document a title: its file name, titleized (Document#populate_title).
        title, has_title = titleize_slug(document_slug(placement.relative)) or title, True

    nav_value = fm.get("nav_order")
    if isinstance(nav_value, bool | list | dict | dt.date):
        problems.append(FieldProblem("nav_order", f"must be a number or text, not {_type_name(nav_value)}"))
        nav_value = None

    date = None
    if fm.get("date") is not None:
        try:
            date = parse_date(fm["date"])
        except ValueError as exc:
            try:
                date = parse_date_loosely(fm["date"]) if isinstance(fm["date"], str) else None
            except ValueError:
                date = None
            if date is None:
                problems.append(FieldProblem("date", str(exc)))
            else:
                notes.append(f"date '{fm['date']}' is not in a standard form; read as {date.isoformat(' ')}")
    if date is None:
        date = date_from_text(path.rsplit("/", 1)[-1]) or (date_from_text(title) if has_title else None)

    url_path = ""
    try:
        url_path = page_url(fm.get("permalink"), site_file, rules, fm, date, placement)
    except ValueError as exc:
        problems.append(FieldProblem("permalink", str(exc)))

    redirects: list[str] = []
    raw_redirects = fm.get("redirect_from")
    if raw_redirects is not None:
        items = [raw_redirects] if isinstance(raw_redirects, str) else raw_redirects
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            problems.append(FieldProblem("redirect_from", "must be a path or a list of paths"))
        else:
            for item in items:
                try:
                    redirects.append(site_path(item, "redirect_from"))
                except ValueError as exc:
                    problems.append(FieldProblem("redirect_from", str(exc)))

    for key, value in (("title", title), ("nav_order", nav_order_text(nav_value)), ("permalink", url_path)):
        if len(value) > MAX_LENGTHS[key]:
            problems.append(
                FieldProblem(key, f"is {len(value)} characters long; at most {MAX_LENGTHS[key]} fit")
            )

    nav = {key: text(key) for key in NAV_FIELDS}
    description = text("description") or ""
    fields = DerivedFields(
        title=title,
        has_title=has_title,
        url_path=url_path,
        nav_order=nav_order_text(nav_value),
        date=date,
        published=flag("published", True),
        nav_exclude=flag("nav_exclude", False) or not has_title,
        search_exclude=flag("search_exclude", _collection_search_excluded(rules, placement)),
        has_toc=flag("has_toc", True),
        description=description,
        redirect_from=tuple(redirects),
        notes=tuple(notes),
        **nav,
    )
    for key in ("has_children",):
        flag(key, True)
    if problems:
        raise FieldErrors(problems)
    return fields
