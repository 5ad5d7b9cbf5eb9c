"""Page history through django-reversion: record, compare (difflib), restore and recover pages.

Every save path (admin form, actions, reordering, restore, recover) records a revision through
`record_revision`, so the history holds who saved, when, and the full page state.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import reversion
from reversion.models import Version

from pages.content.own_routes import own_route_message
from pages.content.text_diff import DiffRow, diff_rows
from pages.content.urls_from_paths import site_path
from pages.models import Page

# Derived on every save, so not worth storing in each revision.
NOT_RECORDED = ["body_html", "toc", "render_warnings", "synced_text"]
# What a restore or a recovery puts back (the rest is sync or bookkeeping state).
RESTORED_FIELDS = [
    "title",
    "url_path",
    "parent_id",
    "nav_order",
    "date",
    "body",
    "published",
    "nav_exclude",
    "search_exclude",
    "has_toc",
    "description",
    "front_matter",
    "front_matter_raw",
]
COMPARED_FIELDS = [name for name in RESTORED_FIELDS if name != "body"]
IMPORT_COMMENT = "Imported from markdown files."
IMPORT_COMMENT_PREFIX = "Imported from "
_COMMIT_COMMENT_RE = re.compile(r"Imported from markdown files \(git commit (\w+)\)\.")
IMPORT_BATCH = 500

if not reversion.is_registered(Page):
    reversion.register(Page, exclude=NOT_RECORDED)


class RestoreError(ValueError):
    """A revision that cannot be put back as it is (its URL is taken by another page, ...)."""


def record_revision(pages: list[Page], *, user=None, comment: str = "") -> None:
    """Store the current state of the pages as one revision by user (call inside the saving transaction)."""
    with reversion.create_revision(atomic=False):
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment(comment)
        for page in pages:
            reversion.add_to_revision(page)


def record_import_revisions(pages: Iterable[Page], comment: str = IMPORT_COMMENT) -> int:
    """Store the state an import left the pages in, as revisions without a user (one per 500 pages).

    Call inside the import's transaction, after the pages and their parents are written. An editor who
    had one of them open then gets a conflict that shows what the import changed. Returns the count.
    """
    count = 0
    batch: list[Page] = []
    for page in pages:
        batch.append(page)
        if len(batch) == IMPORT_BATCH:
            record_revision(batch, comment=comment)
            count, batch = count + len(batch), []
    if batch:
        record_revision(batch, comment=comment)
    return count + len(batch)


def import_comment(commit: str = "", roots: Iterable[object] = ()) -> str:
    """The history's comment for an import: names the git commit imported, when there is one, else the
    folders it read ("Imported from docs, guides.")."""
    if commit:
        return f"{IMPORT_COMMENT[:-1]} (git commit {commit[:12]})."
    names = sorted({str(root) for root in roots})
    return f"{IMPORT_COMMENT_PREFIX}{', '.join(names)}." if names else IMPORT_COMMENT


def version_author(version: Version) -> str:
    """Who made a stored version: a user name, "import of <folder>" for an import, or "another process"."""
    user = version.revision.user
    if user is not None:
        return user.get_username()
    comment = version.revision.comment or ""
    if comment == IMPORT_COMMENT:
        return "an import"
    commit = _COMMIT_COMMENT_RE.fullmatch(comment)
    if commit:
        return f"import of commit {commit.group(1)}"
    if comment.startswith(IMPORT_COMMENT_PREFIX):
        return "import of " + comment.removeprefix(IMPORT_COMMENT_PREFIX).removesuffix(".")
    return "another process"


def page_versions(page_id: int):
    """The page's stored versions, newest first, with their revision and its user."""
    return (
        Version.objects.get_for_model(Page)
        .filter(object_id=str(page_id))
        .select_related("revision", "revision__user")
        .order_by("-pk")
    )


def deleted_page_versions():
    """The last stored version of every page that no longer exists, newest first."""
    return Version.objects.get_deleted(Page).select_related("revision", "revision__user").order_by("-pk")


def page_state(page: Page) -> dict[str, Any]:
    """The page's fields as a revision stores them (attribute names, e.g. parent_id)."""
    return {name: getattr(page, name) for name in RESTORED_FIELDS}


def version_state(version: Version) -> dict[str, Any]:
    data = version.field_dict
    return {name: data.get(name) for name in RESTORED_FIELDS}


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "hunk" or "same"
    text: str


@dataclass
class PageDiff:
    fields: list[FieldChange] = field(default_factory=list)
    body: list[DiffLine] = field(default_factory=list)
    rows: list[DiffRow] = field(default_factory=list)  # the body for display, with word marks

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.body)


def body_diff(old: str, new: str, *, old_name: str = "before", new_name: str = "after") -> list[DiffLine]:
    """A line-level unified diff of two markdown texts (empty when they are equal)."""
    lines = difflib.unified_diff(
        (old or "").splitlines(), (new or "").splitlines(), old_name, new_name, n=3, lineterm=""
    )
    result = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        kind = {"@": "hunk", "+": "add", "-": "del"}.get(line[:1], "same")
        result.append(DiffLine(kind, line))
    return result


def _display(name: str, value: Any, titles: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if name == "parent_id":
        return titles.get(value, f"deleted page #{value}")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def diff_states(old: dict[str, Any], new: dict[str, Any]) -> PageDiff:
    """What changed from one page state to another: the fields, and the markdown line by line."""
    parent_ids = {old.get("parent_id"), new.get("parent_id")} - {None}
    titles = dict(Page.objects.filter(pk__in=parent_ids).values_list("pk", "title")) if parent_ids else {}
    changes = []
    for name in COMPARED_FIELDS:
        if old.get(name) != new.get(name):
            label = Page._meta.get_field(name.removesuffix("_id")).verbose_name
            changes.append(
                FieldChange(
                    name,
                    str(label),
                    _display(name, old.get(name), titles),
                    _display(name, new.get(name), titles),
                )
            )
    old_body, new_body = old.get("body") or "", new.get("body") or ""
    return PageDiff(fields=changes, body=body_diff(old_body, new_body), rows=diff_rows(old_body, new_body))


def find_version_number(page_id: int, number: int, *, limit: int = 50) -> Version | None:
    """The stored revision in which the page had the given `version` number (None when not kept)."""
    for version in page_versions(page_id)[:limit]:
        if version.field_dict.get("version") == number:
            return version
    return None


def check_url_free(url_path: str, *, exclude_pk: int | None) -> None:
    """The URL an older state (a revision, a pending draft) would give the page back: it must still
    pass the page URL rule (`urls_from_paths.site_path`, as the admin's URL field and the import), not
    be one of Quire's own routes, and be free; RestoreError saying which, nothing changed."""
    try:
        site_path(url_path, "The URL")
    except ValueError as exc:
        raise RestoreError(f"{exc}; it cannot be put back as it is.") from exc
    reserved = own_route_message(url_path)
    if reserved:
        raise RestoreError(reserved[0].upper() + reserved[1:] + ".")
    other = Page.objects.filter(url_path=url_path).exclude(pk=exclude_pk).first()
    if other is not None:
        raise RestoreError(
            f"The URL {url_path} is now used by the page “{other.title}”. "
            "Change that page's URL first, or restore into a new URL by editing after restoring."
        )
