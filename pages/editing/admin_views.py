"""The page admin's extra screens: reorder, history with diffs, restore, recover deleted pages.

Thin views: the work is done by pages.editing.ordering, pages.editing.restoring and pages.store.revisions.
Each takes the PageAdmin so that it checks the same permissions and renders inside the admin's layout.
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
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from reversion.models import Version

from pages.content.markdown_io import normalise_newlines
from pages.editing import drafts
from pages.editing.editor_endpoints import may_use_editor
from pages.editing.ordering import ReorderError, reorder_children
from pages.editing.page_text import PageTextError, resolve_conflict
from pages.editing.restoring import recover_page, restore_revision
from pages.editing.sync_status import changed_files, unexported_pages
from pages.models import Page, PageDraft, SyncConflict
from pages.site.content_security import HEADER, policy_text
from pages.store.revisions import (
    RestoreError,
    body_diff,
    deleted_page_versions,
    diff_states,
    page_state,
    page_versions,
    version_author,
    version_state,
)
from pages.store.site_settings import in_site_nav_order
from pages.sync.git_sync import GitError, export_and_commit
from pages.sync.sync_state import conflict_sides, recorded_site_root

REORDER_TEMPLATE = "admin/pages/page/reorder.html"
HISTORY_TEMPLATE = "admin/pages/page/history.html"
COMPARE_TEMPLATE = "admin/pages/page/compare.html"
RESTORE_TEMPLATE = "admin/pages/page/restore.html"
RECOVER_LIST_TEMPLATE = "admin/pages/page/recover_list.html"
PREVIEW_FRAME_TEMPLATE = "admin/pages/page/preview_frame.html"
DRAFT_TEMPLATE = "admin/pages/page/draft.html"
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
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            return HttpResponseRedirect(back)  # the page tree, when the order came from dragging there
        return HttpResponseRedirect(here)
    children = in_site_nav_order(Page.objects.filter(parent=parent))
    parents = Page.objects.filter(children__isnull=False).distinct().order_by("url_path")
    return TemplateResponse(
        request,
        REORDER_TEMPLATE,
        _context(
            model_admin, request, title="Reorder pages", parent=parent, children=children, parents=parents
        ),
    )


def history_view(model_admin, request, page: Page):
    """Every revision of a page, newest first, with a form to compare any two, and what the last save
    changed (the previous revision against the current page). Template: history.html."""
    versions = list(page_versions(page.pk))
    entries = [{"version": v, "author": version_author(v)} for v in versions]
    previous = versions[1] if len(versions) > 1 else None
    last_change = diff_states(version_state(previous), page_state(page)) if previous else None
    return TemplateResponse(
        request,
        HISTORY_TEMPLATE,
        _context(
            model_admin,
            request,
            title=f"History: {page.title}",
            original=page,
            object=page,
            entries=entries,
            previous=previous,
            last_change=last_change,
            **_layout(request),
            can_restore=model_admin.has_change_permission(request, page),
        ),
    )


def _layout(request) -> dict:
    """The diff layout from ?view=: "split" (before | after, the default) or "inline", and the links
    that switch it (keeping the other query parameters)."""
    view = "inline" if request.GET.get("view") == "inline" else "split"
    links = {}
    for name in ("split", "inline"):
        query = request.GET.copy()
        query["view"] = name
        links[name] = f"?{query.urlencode()}"
    return {"view": view, "layout_links": links}


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
    """The field and markdown differences between two revisions (or one and the current page).

    Without `from`, the revision before the newest one is compared with the current page."""
    from_id = request.GET.get("from")
    if not from_id:
        previous = list(page_versions(page.pk)[1:2])
        from_id = str(previous[0].pk) if previous else "current"
    old_version, old_state = _version_or_current(page, from_id, "from")
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
            old_author=version_author(old_version) if old_version else "",
            new_author=version_author(new_version) if new_version else "",
            diff=diff_states(old_state, new_state),
            **_layout(request),
        ),
    )


@answers_bad_parameters
def restore_view(model_admin, request, page: Page, version_id: str):
    """GET: what restoring would change; POST: restore the revision as a new one. Template: restore.html."""
    if not model_admin.has_change_permission(request, page):
        raise PermissionDenied
    version, state = _version_or_current(page, version_id)
    can_publish = model_admin.has_publish_permission(request)
    as_draft = drafts.needs_draft(page, can_publish=can_publish)
    if request.method == "POST":
        try:
            if as_draft:
                drafts.save_revision_as_draft(page, version, user=request.user)
            else:
                restore_revision(page, version, user=request.user, can_publish=can_publish)
        except RestoreError as exc:
            messages.error(request, str(exc))
        else:
            if as_draft:
                messages.success(
                    request,
                    f"The revision is saved as changes awaiting publication on “{page.title}”; "
                    "readers see the published version until a publisher publishes it.",
                )
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
            author=version_author(version) if version else "",
            as_draft=as_draft,
            diff=diff_states(page_state(page), state),
            **_layout(request),
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


def preview_frame_view(model_admin, request):
    """The editor's preview frame: an empty page body styled with the public site's stylesheets.

    The editor's script writes the rendered preview into it. Framed by the admin only (same origin).
    """
    if not may_use_editor(request.user):
        raise PermissionDenied
    response = TemplateResponse(request, PREVIEW_FRAME_TEMPLATE, {})
    directives = same_origin_frame_directives()
    response[HEADER] = policy_text(directives)  # so the site-wide middleware leaves it alone
    return response


def same_origin_frame_directives() -> dict[str, list[str]]:
    """The site's Content-Security-Policy, except that the admin (same origin) may frame the response."""
    from django.conf import settings

    return {**settings.CSP_DIRECTIVES, "frame-ancestors": ["'self'"]}


def draft_view(model_admin, request, page: Page):
    """Changes awaiting publication: the diff from the live page; publishers publish or reject them."""
    draft = get_object_or_404(PageDraft.objects.select_related("author", "page"), page=page)
    can_publish = model_admin.has_publish_permission(request)
    if request.method == "POST":
        if not can_publish:
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "publish":
            try:
                drafts.publish_draft(draft, user=request.user)
            except RestoreError as exc:
                messages.error(request, str(exc))
                return redirect("admin:pages_page_draft", page.pk)
            messages.success(request, f"Published the changes to “{page.title}”: readers see them now.")
            return redirect("admin:pages_page_change", page.pk)
        if action == "reject":
            drafts.reject_draft(draft)
            messages.success(request, f"Rejected the changes to “{page.title}”; the live page is unchanged.")
            return redirect("admin:pages_page_change", page.pk)
        messages.error(request, "Choose Publish or Reject.")
    return TemplateResponse(
        request,
        DRAFT_TEMPLATE,
        _context(
            model_admin,
            request,
            title=f"Changes awaiting publication: {page.title}",
            original=page,
            draft=draft,
            author=drafts.author_name(draft),
            stale=draft.base_version != page.version,
            can_publish=can_publish,
            diff=drafts.draft_diff(draft),
            **_layout(request),
        ),
    )


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
