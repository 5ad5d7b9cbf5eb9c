"""The page admin's extra screens: reorder, history with diffs, restore, recover deleted pages.

Thin views: the work is done by pages.ordering and pages.revisions. Each takes the PageAdmin so that
it checks the same permissions and renders inside the admin's layout.
"""

from __future__ import annotations

import re
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from reversion.models import Version

from pages.git_sync import GitError, export_and_commit
from pages.markdown_io import normalise_newlines
from pages.models import Page, SyncConflict
from pages.navigation import sort_pages
from pages.ordering import ReorderError, reorder_children
from pages.page_text import PageTextError
from pages.revisions import (
    RestoreError,
    body_diff,
    deleted_page_versions,
    diff_states,
    page_state,
    page_versions,
    recover_page,
    restore_revision,
    version_state,
)
from pages.sync_state import conflict_sides, recorded_site_root, resolve_conflict
from pages.sync_status import changed_files, unexported_pages

REORDER_TEMPLATE = "admin/pages/page/reorder.html"
HISTORY_TEMPLATE = "admin/pages/page/history.html"
COMPARE_TEMPLATE = "admin/pages/page/compare.html"
RESTORE_TEMPLATE = "admin/pages/page/restore.html"
RECOVER_LIST_TEMPLATE = "admin/pages/page/recover_list.html"
CONFLICT_LIST_TEMPLATE = "admin/pages/page/conflict_list.html"
CONFLICT_TEMPLATE = "admin/pages/page/conflict.html"
SYNC_STATUS_TEMPLATE = "admin/pages/page/sync_status.html"
_ID_RE = re.compile(r"[1-9][0-9]{0,17}")  # a positive integer every database column holds


class BadParameter(ValueError):
    """A query or form parameter that cannot be what the screen expects; answered 400 with the message."""


def id_parameter(value: str | None, name: str) -> int | None:
    """A page or revision id from the query or form (None when absent); anything else is BadParameter."""
    if value is None or value == "":
        return None
    if not _ID_RE.fullmatch(value):
        raise BadParameter(f"The parameter “{name}” must be an id (a whole number), not {value[:40]!r}.")
    return int(value)


def answers_bad_parameters(view):
    """A 400 whose text names the parameter, instead of a 500, when the view meets a bad parameter."""

    @wraps(view)
    def checked(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except BadParameter as exc:
            return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")

    return checked


def _context(model_admin, request, **extra):
    opts = model_admin.model._meta
    return {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "app_label": opts.app_label,
        **extra,
    }


@answers_bad_parameters
def reorder_view(model_admin, request):
    """Drag-and-drop (or keyboard) ordering of one parent's children. Template: reorder.html."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    parent_id = id_parameter(request.POST.get("parent") or request.GET.get("parent"), "parent")
    parent = get_object_or_404(Page, pk=parent_id) if parent_id else None
    here = reverse("admin:pages_page_reorder") + (f"?{urlencode({'parent': parent.pk})}" if parent else "")
    if request.method == "POST":
        try:
            reorder_children(parent, request.POST.getlist("order"), request.user)
        except (ReorderError, ValueError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "The new order is saved.")
        return HttpResponseRedirect(here)
    children = sort_pages(Page.objects.filter(parent=parent))
    parents = Page.objects.filter(children__isnull=False).distinct().order_by("url_path")
    return TemplateResponse(
        request,
        REORDER_TEMPLATE,
        _context(
            model_admin, request, title="Reorder pages", parent=parent, children=children, parents=parents
        ),
    )


def history_view(model_admin, request, page: Page):
    """Every revision of a page, newest first, with a form to compare any two. Template: history.html."""
    versions = list(page_versions(page.pk))
    return TemplateResponse(
        request,
        HISTORY_TEMPLATE,
        _context(
            model_admin,
            request,
            title=f"History: {page.title}",
            original=page,
            object=page,
            versions=versions,
            can_restore=model_admin.has_change_permission(request, page),
        ),
    )


def _version_or_current(page: Page, version_id: str | int | None, name: str = "version"):
    if not version_id or version_id == "current":
        return None, page_state(page)
    version_id = id_parameter(str(version_id), name)
    version = get_object_or_404(Version, pk=version_id, object_id=str(page.pk))
    if version.content_type.model_class() is not Page:
        raise PermissionDenied
    return version, version_state(version)


@answers_bad_parameters
def compare_view(model_admin, request, page: Page):
    """The field and markdown differences between two revisions (or one and the current page)."""
    old_version, old_state = _version_or_current(page, request.GET.get("from"), "from")
    new_version, new_state = _version_or_current(page, request.GET.get("to"), "to")
    return TemplateResponse(
        request,
        COMPARE_TEMPLATE,
        _context(
            model_admin,
            request,
            title=f"Compare revisions: {page.title}",
            original=page,
            old_version=old_version,
            new_version=new_version,
            diff=diff_states(old_state, new_state),
        ),
    )


@answers_bad_parameters
def restore_view(model_admin, request, page: Page, version_id: str):
    """GET: what restoring would change; POST: restore the revision as a new one. Template: restore.html."""
    if not model_admin.has_change_permission(request, page):
        raise PermissionDenied
    version, state = _version_or_current(page, version_id)
    if request.method == "POST":
        try:
            restore_revision(
                page, version, user=request.user, can_publish=model_admin.has_publish_permission(request)
            )
        except RestoreError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, f"Restored “{page.title}” to the revision you chose; the history keeps all."
            )
            return redirect("admin:pages_page_change", page.pk)
    return TemplateResponse(
        request,
        RESTORE_TEMPLATE,
        _context(
            model_admin,
            request,
            title=f"Restore: {page.title}",
            original=page,
            version=version,
            diff=diff_states(page_state(page), state),
        ),
    )


def recover_list_view(model_admin, request):
    """Deleted pages, each with its last revision, and a button to bring it back."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    return TemplateResponse(
        request,
        RECOVER_LIST_TEMPLATE,
        _context(model_admin, request, title="Recover deleted pages", deleted=list(deleted_page_versions())),
    )


def recover_view(model_admin, request, version_id: str):
    """POST: recreate a deleted page from its last revision, then open it in the editor."""
    if not model_admin.has_add_permission(request) or request.method != "POST":
        raise PermissionDenied
    version = get_object_or_404(deleted_page_versions(), pk=version_id)
    try:
        page = recover_page(
            version, user=request.user, can_publish=model_admin.has_publish_permission(request)
        )
    except RestoreError as exc:
        messages.error(request, str(exc))
        return redirect("admin:pages_page_recoverlist")
    messages.success(request, f"Recovered “{page.title}”.")
    return redirect("admin:pages_page_change", page.pk)


def conflict_list_view(model_admin, request):
    """The pages edited in the admin and in their file on the same lines. Template: conflict_list.html."""
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    conflicts = SyncConflict.objects.select_related("page").order_by("page__url_path")
    return TemplateResponse(
        request,
        CONFLICT_LIST_TEMPLATE,
        _context(model_admin, request, title="Sync conflicts", conflicts=list(conflicts)),
    )


def conflict_view(model_admin, request, page: Page):
    """GET: the base, the file's and the admin's text, and git's merge with conflict markers.
    POST `choice` = file | admin | merged (with `text`): saves that text as the page (a revision) and
    records the file as synced. Template: conflict.html."""
    conflict = get_object_or_404(SyncConflict.objects.select_related("page"), page=page)
    if not model_admin.has_change_permission(request, page):
        raise PermissionDenied
    sides = conflict_sides(conflict)
    text = sides.merged
    if request.method == "POST":
        choice = request.POST.get("choice")
        chosen = {"file": sides.file, "admin": sides.admin}.get(choice)
        if choice == "merged":
            chosen = normalise_newlines(request.POST.get("text", ""))
            text = chosen
        if chosen is None:
            messages.error(request, "Choose the file's text, the admin's text or the merged text.")
        else:
            try:
                resolve_conflict(conflict, chosen, user=request.user)
            except PageTextError as exc:
                messages.error(request, f"Nothing was saved: {exc}")
            else:
                messages.success(
                    request,
                    f"Saved “{page.title}”; the next export writes it to {page.source_path}.",
                )
                return redirect("admin:pages_page_conflicts")
    return TemplateResponse(
        request,
        CONFLICT_TEMPLATE,
        _context(
            model_admin,
            request,
            title=f"Sync conflict: {page.title}",
            original=page,
            conflict=conflict,
            sides=sides,
            text=text,
            file_diff=body_diff(sides.base, sides.file, old_name="base", new_name="file"),
            admin_diff=body_diff(sides.base, sides.admin, old_name="base", new_name="admin"),
        ),
    )


def sync_status_view(model_admin, request):
    """What changed since the last sync: pages edited in Quire (with their diffs) and the site folder's
    changed, new and deleted files. Template: sync_status.html."""
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    root = recorded_site_root()
    return TemplateResponse(
        request,
        SYNC_STATUS_TEMPLATE,
        _context(
            model_admin,
            request,
            title="What changed since the last sync",
            site_root=root,
            unexported=unexported_pages(),
            files=changed_files(root),
            conflicts=SyncConflict.objects.count(),
        ),
    )


def export_and_commit_messages(page_ids: set[int]) -> list[tuple[int, str]]:
    """Export the pages to the recorded site folder and commit them per editor; the admin's messages."""
    root = recorded_site_root()
    if root is None:
        return [(messages.ERROR, "No site folder is recorded yet: import the site once first.")]
    try:
        result, commits = export_and_commit(root, only=page_ids)
    except GitError as exc:
        return [(messages.ERROR, f"Nothing committed: {exc}.")]
    found = [(messages.SUCCESS, f"{result.summary()}. Made {len(commits)} commit(s).")]
    for label, paths in (
        ("conflict (file left alone; see Sync conflicts)", result.conflicts),
        ("changed on disk, left alone (import it)", result.newer_on_disk),
        ("deleted on disk, not written back", result.missing),
    ):
        if paths:
            found.append((messages.WARNING, f"{', '.join(paths)}: {label}."))
    for error in result.errors:
        found.append((messages.ERROR, error))
    return found
