"""Read paths for the public site: which page a URL shows, the navigation records, page metadata."""

from __future__ import annotations

import contextlib
import functools
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from html import unescape
from types import MappingProxyType
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connections, router
from django.db.models.fields.json import KT
from django.http import HttpRequest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from django.utils.dates import MONTHS
from django.utils.html import strip_tags
from django.utils.timezone import template_localtime

from pages.content.front_matter import parse_date
from pages.content.jekyll_site import SiteRules
from pages.content.nav_tree import NavRecord, NavTree, build_tree
from pages.models import Page, Redirect
from pages.store.base_url import site_url
from pages.store.site_settings import nav_case_sensitive, site_rules_or_default

if TYPE_CHECKING:
    from pages.site.nav_cache import CachedNavigation, SiteNavigation

# Columns a public page view needs; the markdown source and the raw front matter stay in the database.
PAGE_DEFERRED = ("body", "front_matter_raw", "source_format", "render_warnings")
DESCRIPTION_LENGTH = 160
_FIRST_PARAGRAPH_RE = re.compile(r"<p\b[^>]*>(.*?)</p>", re.DOTALL | re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]+>")


def nav_records(rules: SiteRules | None = None) -> list[NavRecord]:
    """Every public page with only the columns navigation needs: one query. Each record names the
    collection its file is a document of (`rules.placement`), "" for pages and pages made in the admin."""
    rows = (
        Page.objects.published()
        .order_by()
        .values_list(
            "id", "title", "url_path", "nav_order", "parent_id", "source_path", "nav_exclude",
            KT("front_matter__child_nav_order"), "front_matter", KT("source_format__site_dir"),
        )
    )  # fmt: skip
    rules = rules or site_rules_or_default()
    return [
        NavRecord(*row[:7], row[7], _sort_values(row[8]), _collection(rules, row[5], row[9])) for row in rows
    ]


def _collection(rules: SiteRules, source_path: str | None, site_dir: str | None) -> str:
    if not source_path:
        return ""
    path = f"{site_dir}/{source_path}" if site_dir else source_path
    folders = tuple(collection.folder + "/" for collection in rules.collections.values())
    if not path.startswith(folders) and "_posts/" not in path:
        return ""  # in no collection's folder: `placement` finds no document here (the common case, quickly)
    placement = rules.placement(path)
    return placement.collection.label if placement.kind == "document" and placement.collection else ""


def _sort_values(front_matter) -> dict | None:
    """The title and nav_order as written (a YAML number sorts as a number, quoted text as text)."""
    if not isinstance(front_matter, dict):
        return None
    return {key: front_matter[key] for key in ("title", "nav_order") if key in front_matter} or None


def nav_tree(case_sensitive: bool | None = None, rules: SiteRules | None = None) -> NavTree:
    """The navigation tree of the public pages, sorted as the site's `nav_sort` says, with the
    collections `just_the_docs.collections` lists after the pages."""
    rules = rules or site_rules_or_default()
    if case_sensitive is None:
        case_sensitive = nav_case_sensitive(rules)
    return build_tree(
        nav_records(rules),
        case_sensitive=case_sensitive,
        collections=rules.nav_collections,
        listed_collections=rules.listed_collection_count,
    )


def public_page(url_path: str) -> Page | None:
    """The public page at exactly this URL, or None."""
    return _one_public_page("url_path", url_path)


def public_page_by_id(page_id: int) -> Page | None:
    return _one_public_page("pk", page_id)


# A value no lookup is made with, to find its place among the compiled SQL's parameters.
_PLACEHOLDERS = {"url_path": "\x00quire-lookup\x00", "pk": -7_230_941_003}


@dataclass(frozen=True)
class _PageQuery:
    """`Page.objects.published().defer(...).filter(<field>=...).first()` compiled for one connection:
    the ORM takes longer to compile the query, and to work out again how to turn its row into a `Page`,
    than the database takes to answer it."""

    sql: str
    params: tuple
    index: int  # of the looked-up value among `params`
    names: tuple[str, ...]  # the model attribute of each selected column
    converters: dict  # the compiler's: {column position: (converter functions, expression)}

    @classmethod
    def compile(cls, connection, alias: str, field: str) -> _PageQuery:
        placeholder = _PLACEHOLDERS[field]
        query = Page.objects.published().defer(*PAGE_DEFERRED).filter(**{field: placeholder})[:1]
        compiler = query.query.get_compiler(using=alias, connection=connection)
        sql, params = compiler.as_sql()
        columns = [column for column, _sql, _alias in compiler.select]
        names = tuple(column.target.attname for column in columns)
        in_model_order = tuple(f.attname for f in Page._meta.concrete_fields if f.attname in names)
        if names != in_model_order:  # Model.from_db reads the values in the model's order
            raise RuntimeError(f"the page query's columns are not in the model's order: {names}")
        return cls(sql, tuple(params), params.index(placeholder), names, compiler.get_converters(columns))

    def page(self, connection, alias: str, value) -> Page | None:
        params = (*self.params[: self.index], value, *self.params[self.index + 1 :])
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = list(row)
            for position, (functions, expression) in self.converters.items():
                cell = row[position]
                for convert in functions:
                    cell = convert(cell, expression, connection)
                row[position] = cell
        return Page.from_db(alias, self.names, row)


# {connection: {field: _PageQuery}}: each connection (one per thread and database) compiles its own.
_page_queries: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _one_public_page(field: str, value) -> Page | None:
    """The public page whose `field` is `value` (the columns a page view needs), or None."""
    alias = router.db_for_read(Page)
    connection = connections[alias]
    queries = _page_queries.get(connection)
    if queries is None:
        queries = _page_queries[connection] = {}
    query = queries.get(field)
    if query is None:
        query = queries[field] = _PageQuery.compile(connection, alias, field)
    return query.page(connection, alias, value)


def home_page(home_id: int | None) -> Page | None:
    """`/`: the navigation's home page (`nav_tree.home_record`), if it is still public."""
    return public_page_by_id(home_id) if home_id is not None else None


def redirect_target(path: str) -> str | None:
    """Where an old URL (a moved page or `redirect_from`) now lives, if its page is public."""
    redirect = (
        Redirect.objects.filter(old_path=path, page__in=Page.objects.published())
        .values_list("page__url_path", flat=True)
        .first()
    )
    return redirect


def alternate_urls(path: str) -> list[str]:
    """The other common forms of a page URL, which answer 301 to the page: `/x/` for `/x.html` and
    back, `/x` for either, `/x/index.html` for `/x/`."""
    if path.endswith("/index.html"):
        return [path[: -len("index.html")]]
    if path.endswith(".html"):
        return [path[: -len(".html")] + "/", path[: -len(".html")]]
    if path.endswith("/"):
        return [path[:-1] + ".html"] if path != "/" else []
    return [path + ".html", path + "/"]


# kramdown's `{:toc}` as the renderer writes it: a list whose id prefixes the ids of its entry links
# (`<ol id="markdown-toc"><li><a href="#a" id="markdown-toc-a">`), or any element of class `toc`. Two
# searches, the second only where "toc" occurs at all: one pattern with both alternatives tried each at
# every tag of the body cost a cold page view 5 % of its time.
_BODY_TOC_LIST_RE = re.compile(r'<(?:ul|ol)\b[^>]*?\bid="([^"]+)"[^>]*>\s*<li>\s*<a\b[^>]*?\bid="\1-')
_BODY_TOC_CLASS_RE = re.compile(r'<[a-z]+\b[^>]*?\bclass="(?:[^"]*\s)?toc(?:\s[^"]*)?"')


def has_own_toc(body_html: str) -> bool:
    """True when the body holds its own table of contents (kramdown's `{:toc}`)."""
    body_html = body_html or ""
    return bool(
        _BODY_TOC_LIST_RE.search(body_html) or ("toc" in body_html and _BODY_TOC_CLASS_RE.search(body_html))
    )


def meta_description(page: Page) -> str:
    """The `description` front matter, else the first paragraph's text, shortened for search engines."""
    text = page.description.strip()
    if not text:
        match = _FIRST_PARAGRAPH_RE.search(page.body_html or "")
        text = unescape(_TAG_RE.sub("", match.group(1))) if match else ""
    text = " ".join(text.split())
    if len(text) > DESCRIPTION_LENGTH:
        text = text[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return text


def side_toc(page: Page) -> list[dict]:
    """The in-page table of contents for the side column: level 2 and 3 headings."""
    return [entry for entry in (page.toc or []) if entry.get("level") in (2, 3) and entry.get("id")]


def split_title_heading(body_html: str) -> tuple[str, str]:
    """Split a body that opens with its own <h1> into (that heading, the rest); else ("", body)."""
    stripped = (body_html or "").lstrip()
    if stripped[:3].lower() != "<h1":
        return "", body_html or ""
    end = stripped.lower().find("</h1>")
    if end < 0:
        return "", body_html
    end += len("</h1>")
    return stripped[:end], stripped[end:]


def last_edited(page: Page, rules: SiteRules) -> dict | None:
    """Just the Docs' "Page last modified" (`last_edit_timestamp` with a `last_edit_time_format`): the
    page's `last_modified_date` front matter, else when it was last saved; None when the site is off."""
    time_format = rules.last_edit_time_format
    if not time_format:
        return None
    when = page.updated_at
    fm = page.front_matter if isinstance(page.front_matter, dict) else {}
    written = fm.get("last_modified_date")
    if written not in (None, ""):
        with contextlib.suppress(ValueError):
            when = parse_date(written)
    if when is None:
        return None
    when = timezone.localtime(when)
    try:
        text = when.strftime(time_format)
    except ValueError:
        text = when.strftime("%b %e %Y at %I:%M %p")
    return {"datetime": when, "text": text}


def file_edit_url(page: Page, rules: SiteRules) -> str:
    """Just the Docs' "Edit this page" link (`gh_edit_link`) for a page that came from a file: the
    repository's URL for the file's path in the site; "" when the site has none or the page no file."""
    link = rules.edit_link
    if link is None or not page.source_path:
        return ""
    site_dir = (page.source_format or {}).get("site_dir", "")
    return link.url(f"{site_dir}/{page.source_path}" if site_dir else page.source_path)


ISO_DATE_FORMAT = "Y-m-d\\TH:i:sO"  # the template's `date:'Y-m-d\TH:i:sO'`
DAY_FORMAT = "j F Y"


def iso_date(value) -> str:
    """`value|date:'Y-m-d\\TH:i:sO'` in a template (the current time zone), without the template
    filter's format parsing where `strftime` writes the same text."""
    local = template_localtime(value)
    offset = local.utcoffset() if timezone.is_aware(local) else None
    if offset is None or offset.seconds % 60 or local.year < 1000:
        return date_filter(local, ISO_DATE_FORMAT)
    return local.strftime("%Y-%m-%dT%H:%M:%S%z")


def day_date(value) -> str:
    """`value|date:"j F Y"` in a template: the day, the month's (translated) name, the year."""
    local = template_localtime(value)
    return f"{local.day} {MONTHS[local.month]} {local.year:04d}"


def page_dates(page: Page) -> dict:
    """The page's dates as its template writes them, each formatted once: `published` and `updated`,
    each with `iso` (Y-m-d\\TH:i:sO) and `day` (j F Y); `published` is None for an undated page."""
    zone, language = timezone.get_current_timezone(), translation.get_language()
    return {
        "published": _formatted_date(page.date, zone, language) if page.date else None,
        "updated": _formatted_date(page.updated_at, zone, language) if page.updated_at else None,
    }


def _formatted_date(value, zone, language) -> Mapping[str, str]:
    # Equal instants in other zones compare equal: their own zone is part of the key too.
    return _formatted_date_of(value, getattr(value, "tzinfo", None), zone, language, settings.USE_TZ)


@functools.lru_cache(maxsize=1024)
def _formatted_date_of(value, own_zone, zone, language, use_tz) -> Mapping[str, str]:
    """`iso` and `day` of `value`, kept per process: the text depends on nothing but the key (the
    instant, its zone, the zone and language it is written in), and formatting it was 4 % of an
    uncached page view."""
    return MappingProxyType({"iso": iso_date(value), "day": day_date(value)})


def page_context(page: Page, navigation: SiteNavigation | CachedNavigation, request: HttpRequest) -> dict:
    """Everything the page template shows around the body, from the page and the site's navigation."""
    from pages.store.site_settings import request_site

    rules = request_site(request).rules
    edit_link = rules.edit_link
    around = navigation.page(page.pk, page.parent_id, with_children=page.has_toc)
    title_html, rest_html = split_title_heading(page.body_html)
    return {
        "page": page,
        "title_text": strip_tags(page.title),
        "dates": page_dates(page),
        "nav_html": around.sidebar,
        "breadcrumbs": around.breadcrumbs,
        "children": around.children,
        "previous_page": around.previous,
        "next_page": around.following,
        "toc": [] if has_own_toc(page.body_html) else side_toc(page),
        "title_html": title_html,
        "body_html": rest_html,
        "meta_description": meta_description(page),
        "canonical_url": request.build_absolute_uri(site_url(page.url_path)),
        "last_edited": last_edited(page, rules),
        "edit_url": file_edit_url(page, rules),
        "edit_link_text": edit_link.text if edit_link else "",
    }
