"""The stored site configuration: one place that import, export, views and the admin read it from.

`site_rules()` is the `SiteRules` of the `_config.yml` the last import read (an empty config when none
was read). Public requests read it through `request_site` (once per content version per process, like
the navigation); a database that cannot answer gives the defaults, never an error for a reader.
An import or export run pins the rules it works with (`using_rules`), so each page does not ask again.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError

from pages.content.jekyll_site import NO_CONFIG, ConfigError, SiteRules, parse_config
from pages.content.navigation import sort_pages
from pages.models import SiteConfig

SITE_CONFIG_ID = 1
T = TypeVar("T")
_pinned: ContextVar[SiteRules | None] = ContextVar("quire_site_rules", default=None)


@dataclass(frozen=True)
class SiteInfo:
    """What public pages need from the config: the site name, base URL and Just the Docs' settings."""

    rules: SiteRules
    baseurl: str

    @property
    def name(self) -> str:
        return self.rules.title or settings.QUIRE_SITE_NAME

    @property
    def footer_html(self) -> str:
        """Just the Docs' `footer_content` (HTML), sanitised like a page body."""
        from pages.content.sanitising import sanitise

        return sanitise(self.rules.footer_content) if self.rules.footer_content else ""


def stored_config() -> SiteConfig | None:
    return SiteConfig.objects.filter(pk=SITE_CONFIG_ID).first()


def _rules_of(row: SiteConfig | None) -> SiteRules:
    if row is None:
        return NO_CONFIG
    data = row.data if isinstance(row.data, dict) else {}
    if row.text:
        # PostgreSQL's jsonb keeps no key order, and order is meaning here (`just_the_docs.collections`,
        # `aux_links`, `callouts` are listed as written): the same settings, in the file's order.
        ordered = _config_in_written_order(row.text)
        if ordered is not None and ordered == data:
            data = ordered
    return SiteRules.from_config(data, row.has_config)


@functools.lru_cache(maxsize=8)
def _config_in_written_order(text: str) -> dict | None:
    from pages.content.markdown_io import json_safe

    try:
        return json_safe(parse_config(text))
    except ConfigError:
        return None


def stored_rules() -> SiteRules:
    """The rules of the config the last import stored (an empty config before any)."""
    return _rules_of(stored_config())


def site_rules() -> SiteRules:
    """The rules in force: those pinned by the running import/export, else the stored ones."""
    pinned = _pinned.get()
    return pinned if pinned is not None else _rules_of(stored_config())


def site_rules_or_default() -> SiteRules:
    """`site_rules()`, or the defaults when the database cannot answer."""
    try:
        return site_rules()
    except DatabaseError:
        return NO_CONFIG


@contextlib.contextmanager
def using_rules(rules: SiteRules):
    token = _pinned.set(rules)
    try:
        yield rules
    finally:
        _pinned.reset(token)


def in_site_nav_order(records: Iterable[T]) -> list[T]:
    """Sibling pages in the site's navigation order (its `nav_sort`)."""
    return sort_pages(records, case_sensitive=nav_case_sensitive())


def nav_case_sensitive(rules: SiteRules | None = None) -> bool:
    """Just the Docs' `nav_sort`: case-sensitive unless `case_insensitive`; without a `nav_sort` in
    the config, the QUIRE_NAV_CASE_SENSITIVE setting (default on, as in Just the Docs)."""
    if rules is None:
        try:
            rules = site_rules()
        except DatabaseError:
            rules = NO_CONFIG
    configured = rules.nav_case_sensitive
    return configured if configured is not None else bool(getattr(settings, "QUIRE_NAV_CASE_SENSITIVE", True))


def site_baseurl() -> str:
    """The base URL body links are rendered with (admin saves, re-rendering, the editor preview):
    the one the last import stored, else the QUIRE_BASEURL setting."""
    row = stored_config()
    return normal_baseurl(row.baseurl) if row is not None and row.baseurl else default_baseurl()


def default_baseurl() -> str:
    return normal_baseurl(getattr(settings, "QUIRE_BASEURL", ""))


def normal_baseurl(value: str | None) -> str:
    """'/docs/' → '/docs'; '', '/' → ''."""
    text = (value or "").strip().strip("/")
    return "/" + text if text else ""


def site_info() -> SiteInfo:
    """The config for public pages; the defaults when the database cannot answer."""
    try:
        row = stored_config()
    except DatabaseError:
        row = None
    baseurl = normal_baseurl(row.baseurl) if row is not None and row.baseurl else default_baseurl()
    return SiteInfo(_rules_of(row), baseurl)


_local: tuple[int, SiteInfo] | None = None


def request_site(request=None) -> SiteInfo:
    """`site_info()` once per content version in this process (the version is read once per request)."""
    global _local
    from pages.store.site_state import request_content_version

    try:
        version = request_content_version(request)
    except DatabaseError:
        return SiteInfo(NO_CONFIG, default_baseurl())
    local = _local
    if local is not None and local[0] == version:
        return local[1]
    info = site_info()
    _local = (version, info)
    return info


def forget_local_site() -> None:
    global _local
    _local = None


def save_config(
    *, text: str, data: dict, has_config: bool, source: str, baseurl: str, file_hash: str
) -> bool:
    """Store the config the import read; True when anything changed."""
    row = stored_config()
    values = {
        "text": text, "data": data, "has_config": has_config, "source": source,
        "baseurl": baseurl, "file_hash": file_hash,
    }  # fmt: skip
    if row is not None and all(getattr(row, k) == v for k, v in values.items()):
        return False
    SiteConfig.objects.update_or_create(pk=SITE_CONFIG_ID, defaults=values)
    return True
