"""The page admin: a declarative list and form; edits go through pages.editing.saving's one save path."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, F, IntegerField, Q, Value, When
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.clickjacking import xframe_options_sameorigin

from pages.content.jekyll_site import SiteRules
from pages.editing import admin_static_build, admin_views, drafts
from pages.editing.admin_export import export_zip
from pages.editing.admin_forms import NavOrderListForm, PageAdminForm, change_comment
from pages.editing.admin_tree import tree_rows
from pages.editing.saving import delete_pages, save_page, set_published
from pages.editing.sync_status import changed_files, unexported_page_ids
from pages.models import Page, PageDraft, SiteConfig, SiteFile, SyncConflict
from pages.store.base_url import site_url
from pages.store.site_settings import nav_case_sensitive
from pages.sync.sync_state import recorded_site_root

admin.site.site_header = f"{settings.QUIRE_SITE_NAME} admin"
admin.site.site_title = f"{settings.QUIRE_SITE_NAME} admin"
admin.site.index_title = "Site administration"
admin.site.site_url = "/"

PREVIEW_URL = "/_preview/{pk}/"
MAX_SHOWN_DEPTH = 3

_HOPS = ["", "parent__", "parent__parent__", "parent__parent__parent__"]


def _depth_is(depth: int) -> Q:
    """The page is exactly `depth` levels below a top-level page (for depth < MAX_SHOWN_DEPTH)."""
    return Q(**{f"{_HOPS[depth]}parent__isnull": True})


def depth_expression() -> Case:
    """How deep a page sits (0 = top level), counted up to MAX_SHOWN_DEPTH, in SQL."""
    return Case(
        *(When(_depth_is(d), then=Value(d)) for d in range(MAX_SHOWN_DEPTH)),
        default=Value(MAX_SHOWN_DEPTH),
        output_field=IntegerField(),
    )


def tree_order() -> list:
    """Depth-first tree order in SQL: sort by the ancestors' URLs from the root down, then the own URL.

    Key number `position` is the URL of the ancestor at that level; a page less deep than `position`
    has '' there, so a parent sorts right before its children.
    """
    keys = []
    for position in range(MAX_SHOWN_DEPTH + 1):
        cases = [When(_depth_is(d), then=Value("")) for d in range(min(position, MAX_SHOWN_DEPTH))]
        cases += [
            When(_depth_is(d), then=F(f"{_HOPS[d - position]}url_path"))
            for d in range(position, MAX_SHOWN_DEPTH)
        ]
        default = F(f"{_HOPS[MAX_SHOWN_DEPTH - position]}url_path")
        keys.append(Case(*cases, default=default, output_field=CharField()).asc())
    return keys


def site_link(page: Page) -> tuple[str, str]:
    """(label, URL): "View on site" for a live page, the staff preview for drafts and scheduled pages."""
    if page.status == Page.PUBLISHED:
        return "View on site", site_url(page.url_path)
    return "Preview draft", PREVIEW_URL.format(pk=page.pk)


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            (Page.PUBLISHED, "Published"),
            (Page.SCHEDULED, "Scheduled"),
            (Page.DRAFT, "Draft"),
            ("awaiting", "Changes awaiting publication"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "awaiting":
            return queryset.filter(pending_draft__isnull=False)
        if self.value() == Page.PUBLISHED:
            return queryset.published()
        if self.value() == Page.SCHEDULED:
            return queryset.scheduled()
        if self.value() == Page.DRAFT:
            return queryset.drafts()
        return queryset


class TreeChangeList(ChangeList):
    """The page list in the site's navigation order (depth first), unless a column sort is chosen.

    Rows carry their depth and whether they have children (for indentation and collapsing); the
    result list stays a QuerySet (its cache holds the rows in tree order) for the nav_order formset.
    """

    def get_results(self, request):
        if ORDER_VAR in self.params:
            super().get_results(request)
            self.tree = None
            return
        rows = tree_rows()
        wanted = set(self.queryset.order_by().values_list("pk", flat=True))
        ordered = [row for row in rows if row.id in wanted]
        paginator = self.model_admin.get_paginator(request, ordered, self.list_per_page)
        result_count = paginator.count
        show_full = self.model_admin.show_full_result_count
        full_result_count = self.root_queryset.count() if show_full else None
        can_show_all = result_count <= self.list_max_show_all
        multi_page = result_count > self.list_per_page
        everything = (self.show_all and can_show_all) or not multi_page
        shown = list(ordered if everything else paginator.page(self.page_num))
        pages = self.queryset.filter(pk__in=[row.id for row in shown])
        by_id = {page.pk: page for page in pages}
        result = []
        for row in shown:
            page = by_id.get(row.id)
            if page is not None:
                page.depth, page.tree_parent_id = row.depth, row.parent_id
                page.has_children = row.has_children
                result.append(page)
        pages._result_cache = result
        pages._prefetch_done = True
        self.result_count = result_count
        self.show_full_result_count = self.model_admin.show_full_result_count
        self.show_admin_actions = not self.show_full_result_count or bool(full_result_count)
        self.full_result_count = full_result_count
        self.result_list = pages
        self.can_show_all = can_show_all
        self.multi_page = multi_page
        self.paginator = paginator
        self.tree = True


class SyncFilter(admin.SimpleListFilter):
    """Pages not yet in the files (edited in Quire since their last sync, or never exported), pages
    whose file changed or was deleted since the last import (when the site folder is known), and pages
    in an open sync conflict."""

    title = "sync"
    parameter_name = "sync"

    def lookups(self, request, model_admin):
        return [
            ("unexported", "Changed since the last export"),
            ("file_changed", "File changed since the last import"),
            ("conflict", "Sync conflict"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "unexported":
            return queryset.filter(pk__in=unexported_page_ids())
        if self.value() == "file_changed":
            changes = changed_files(recorded_site_root())
            return queryset.filter(pk__in=[change.page_id for change in changes if change.page_id])
        if self.value() == "conflict":
            return queryset.filter(sync_conflict__isnull=False)
        return queryset


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    form = PageAdminForm
    list_display = ["indented_title", "nav_order", "status", "updated"]
    list_display_links = ["indented_title"]
    list_editable = ["nav_order"]
    list_filter = [StatusFilter, SyncFilter, ("parent", admin.RelatedOnlyFieldListFilter), "date"]
    list_select_related = ["updated_by", "pending_draft"]
    search_fields = ["title", "body"]
    ordering = tree_order()
    view_on_site = False
    actions = ["publish_pages", "unpublish_pages", "export_markdown", "export_and_commit"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "url_path",
                    "replace_redirect",
                    "parent",
                    "nav_order",
                    "date",
                    "status",
                    "base_version",
                ]
            },
        ),
        ("Body", {"fields": ["body"]}),
        (
            "More front matter",
            {
                "classes": ["collapse"],
                "fields": ["nav_exclude", "search_exclude", "has_toc", "description", "extra_front_matter"],
            },
        ),
    ]

    class Media:
        css = {"all": ["quire/admin/admin.css"]}
        js = ["quire/admin/editor.js", "quire/admin/page_list.js"]

    # Permissions: editors add and change pages; a change to a published page by someone without
    # publish_page is saved as a draft of it (pages.editing.drafts) that a publisher publishes or rejects.

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("pages.publish_page")

    # The list.

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(depth=depth_expression())

    def get_changelist(self, request, **kwargs):
        return TreeChangeList

    @admin.display(description="Title", ordering="title")
    def indented_title(self, page: Page):
        depth = min(getattr(page, "depth", 0), 6)
        return format_html(
            '<span class="quire-depth quire-depth-{}" data-page="{}" data-parent="{}" data-children="{}">'
            '<span class="quire-title">{}</span> <span class="quire-url">{}</span></span>',
            depth,
            page.pk,
            getattr(page, "tree_parent_id", None) or "",
            "1" if getattr(page, "has_children", False) else "",
            page.title,
            page.url_path,
        )

    @admin.display(description="Status")
    def status(self, page: Page):
        state = page.status
        awaiting = hasattr(page, "pending_draft")
        extra = ""
        if awaiting:
            extra = format_html(' <span class="quire-awaiting">{}</span>', "changes awaiting publication")
        return format_html('<span class="quire-status quire-status-{}">{}</span>{}', state, state, extra)

    @admin.display(description="Last change", ordering="updated_at")
    def updated(self, page: Page):
        local = timezone.localtime(page.updated_at)
        who = page.updated_by.get_username() if page.updated_by else "import"
        return format_html(
            '<time datetime="{}">{}</time> <span class="quire-who">by {}</span>',
            local.isoformat(),
            local.strftime("%Y-%m-%d %H:%M"),
            who,
        )

    def get_changelist_form(self, request, **kwargs):
        return NavOrderListForm

    def changelist_view(self, request, extra_context=None):
        extra = {
            "sync_conflicts": SyncConflict.objects.count(),
            "quire_can_reorder": self.has_change_permission(request),
            "quire_can_build_static": admin_static_build.can_build(self, request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)

    # The form.

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.can_publish = self.has_publish_permission(request)
        return form

    def get_object(self, request, object_id, from_field=None):
        """The page; for someone who may not publish, with its pending draft's changes applied."""
        page = super().get_object(request, object_id, from_field)
        if page is not None and not self.has_publish_permission(request):
            draft = PageDraft.objects.filter(page=page).first()
            if draft is not None:
                drafts.apply_draft(page, draft)
        return page

    def change_view(self, request, object_id, form_url="", extra_context=None):
        page = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if page is not None:
            extra["site_link"] = site_link(page)
            extra["pending_draft"] = PageDraft.objects.select_related("author").filter(page=page).first()
            extra["can_publish"] = self.has_publish_permission(request)
            extra["edits_go_to_draft"] = drafts.needs_draft(page, can_publish=extra["can_publish"])
        return super().change_view(request, object_id, form_url, extra)

    def save_model(self, request, obj, form, change):
        if isinstance(form, PageAdminForm):
            comment = change_comment(form) if change else "Created."
            form.apply_to_instance()
            if "_save_draft" in request.POST and not change:
                obj.published = False
            expected = form.cleaned_data.get("base_version")
            old_url = form.initial.get("url_path") if change else None
        else:
            comment = f"Changed {', '.join(form.changed_data)}." if change else "Created."
            expected, old_url = obj.version, None
        if change and drafts.needs_draft(obj, can_publish=self.has_publish_permission(request)):
            drafts.save_draft(obj, user=request.user, base_version=expected)
            request.quire_saved_as_draft = True
            return
        save_page(obj, user=request.user, expected_version=expected, old_url=old_url, comment=comment)

    def response_change(self, request, obj):
        if getattr(request, "quire_saved_as_draft", False):
            self.message_user(
                request,
                f"Your changes to “{obj.title}” are saved as changes awaiting publication. Readers see "
                "the published version until someone with the publish permission publishes them.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(request.path)
        if "_save_view" in request.POST:
            return HttpResponseRedirect(site_link(obj)[1])
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if "_save_view" in request.POST:
            self.message_user(request, f"Saved “{obj.title}”.", messages.SUCCESS)
            return HttpResponseRedirect(site_link(obj)[1])
        if "_save_draft" in request.POST:
            self.message_user(request, f"Saved “{obj.title}” as a draft; keep editing.", messages.SUCCESS)
            return HttpResponseRedirect(f"../{obj.pk}/change/")
        return super().response_add(request, obj, post_url_continue)

    def delete_model(self, request, obj):
        delete_pages([obj], user=request.user)

    def delete_queryset(self, request, queryset):
        delete_pages(queryset, user=request.user)

    # Actions.

    @admin.action(description="Publish selected pages", permissions=["publish"])
    def publish_pages(self, request, queryset):
        count = set_published(queryset, True, user=request.user)
        self.message_user(request, f"Published {count} page(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected pages (make them drafts)", permissions=["publish"])
    def unpublish_pages(self, request, queryset):
        count = set_published(queryset, False, user=request.user)
        self.message_user(request, f"Unpublished {count} page(s).", messages.SUCCESS)

    @admin.action(description="Export selected pages as a zip of markdown files", permissions=["view"])
    def export_markdown(self, request, queryset):
        response = HttpResponse(export_zip(queryset.select_related("parent")), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="quire-pages.zip"'
        return response

    @admin.action(
        description="Export selected pages to the site folder and commit (git)", permissions=["publish"]
    )
    def export_and_commit(self, request, queryset):
        for level, message in admin_views.export_and_commit_messages(
            set(queryset.values_list("pk", flat=True))
        ):
            self.message_user(request, message, level)

    # Extra screens: reorder, history, compare, restore, recover.

    def get_urls(self):
        wrap = self.admin_site.admin_view
        extra = [
            path("reorder/", wrap(self.reorder_view), name="pages_page_reorder"),
            path(
                "preview-frame/",
                xframe_options_sameorigin(wrap(self.preview_frame_view)),
                name="pages_page_preview_frame",
            ),
            path("<int:object_id>/draft/", wrap(self.draft_view), name="pages_page_draft"),
            path("conflicts/", wrap(self.conflict_list_view), name="pages_page_conflicts"),
            path("sync/", wrap(self.sync_status_view), name="pages_page_sync"),
            path("build-static/", wrap(self.build_static_view), name="pages_page_build_static"),
            path("<int:object_id>/conflict/", wrap(self.conflict_view), name="pages_page_conflict"),
            path("recover/", wrap(self.recover_list_view), name="pages_page_recoverlist"),
            path("recover/<int:version_id>/", wrap(self.recover_view), name="pages_page_recover"),
            path("<int:object_id>/history/compare/", wrap(self.compare_view), name="pages_page_compare"),
            path(
                "<int:object_id>/history/<int:version_id>/restore/",
                wrap(self.restore_view),
                name="pages_page_restore",
            ),
        ]
        return extra + super().get_urls()

    def build_static_view(self, request):
        return admin_static_build.build_static_view(self, request)

    def _page_for_history(self, request, object_id) -> Page:
        page = get_object_or_404(Page, pk=object_id)
        if not self.has_view_or_change_permission(request, page):
            raise PermissionDenied
        return page

    def history_view(self, request, object_id, extra_context=None):
        return admin_views.history_view(self, request, self._page_for_history(request, object_id))

    def compare_view(self, request, object_id):
        return admin_views.compare_view(self, request, self._page_for_history(request, object_id))

    def restore_view(self, request, object_id, version_id):
        return admin_views.restore_view(self, request, self._page_for_history(request, object_id), version_id)

    def reorder_view(self, request):
        return admin_views.reorder_view(self, request)

    def preview_frame_view(self, request):
        return admin_views.preview_frame_view(self, request)

    def draft_view(self, request, object_id):
        return admin_views.draft_view(self, request, self._page_for_history(request, object_id))

    def sync_status_view(self, request):
        return admin_views.sync_status_view(self, request)

    def conflict_list_view(self, request):
        return admin_views.conflict_list_view(self, request)

    def conflict_view(self, request, object_id):
        return admin_views.conflict_view(self, request, self._page_for_history(request, object_id))

    def recover_list_view(self, request):
        return admin_views.recover_list_view(self, request)

    def recover_view(self, request, version_id):
        return admin_views.recover_view(self, request, version_id)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: the import writes these rows from the site's folder."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SiteConfig)
class SiteConfigAdmin(ReadOnlyAdmin):
    """The `_config.yml` the last import read (export never writes it back)."""

    list_display = ["__str__", "baseurl", "has_config", "updated_at"]
    fields = ["source", "has_config", "baseurl", "settings_summary", "text", "updated_at"]
    readonly_fields = fields

    @admin.display(description="What Quire uses")
    def settings_summary(self, obj: SiteConfig):
        rules = SiteRules.from_config(obj.data if isinstance(obj.data, dict) else {}, obj.has_config)
        rows = [
            ("Site name", rules.title or "(the QUIRE_SITE_NAME setting)"),
            ("Permalink style", rules.permalink_style),
            ("Navigation sort", "case-sensitive" if nav_case_sensitive(rules) else "case-insensitive"),
            (
                "Output collections",
                ", ".join(sorted(c.label for c in rules.collections.values() if c.output)),
            ),
            ("Search", "on" if rules.search_enabled else "off"),
        ]
        return format_html_join("", "<p><strong>{}:</strong> {}</p>", rows)


@admin.register(SiteFile)
class SiteFileAdmin(ReadOnlyAdmin):
    """Images, PDFs and other files the import brought along with the pages."""

    list_display = ["path", "url_path", "content_type", "size", "updated_at"]
    search_fields = ["path"]
    fields = ["path", "url_path", "content_type", "size", "sha256", "storage_name", "updated_at"]
    readonly_fields = fields
