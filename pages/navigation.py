"""Just the Docs' navigation order over plain records. Pure: no ORM."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol, TypeVar


class NavRecord(Protocol):
    title: str
    nav_order: str


T = TypeVar("T", bound=NavRecord)

_NUMBER_RE = re.compile(r"\A[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")


def nav_order_value(raw: str) -> float | str | None:
    """The nav_order as written ('3', '4.5', 'b') as a number, a string, or None when blank."""
    text = (raw or "").strip()
    if not text:
        return None
    if _NUMBER_RE.match(text):
        return float(text)
    return text


def sort_key(record: NavRecord, *, case_sensitive: bool = False):
    value = nav_order_value(record.nav_order)
    title = record.title or ""
    fold = (lambda s: s) if case_sensitive else str.casefold
    path = getattr(record, "source_path", None) or getattr(record, "url_path", "") or ""
    if isinstance(value, float):
        return (0, value, "", fold(title), path)
    if isinstance(value, str):
        return (1, 0.0, fold(value), fold(title), path)
    title_number = nav_order_value(title)
    if isinstance(title_number, float):
        return (2, title_number, "", fold(title), path)
    return (3, 0.0, fold(title), fold(title), path)


def sort_pages(records: Iterable[T], *, case_sensitive: bool | None = None) -> list[T]:
    if case_sensitive is None:
        from django.conf import settings

        case_sensitive = getattr(settings, "QUIRE_NAV_CASE_SENSITIVE", False)
    return sorted(records, key=lambda r: sort_key(r, case_sensitive=case_sensitive))
