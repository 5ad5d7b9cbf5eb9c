from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin

from pages.models import Page
from pages.publishing import apply_rendering


@admin.register(Page)
class PageAdmin(MarkdownxModelAdmin):
    list_display = ["title", "url_path", "nav_order", "date", "published", "updated_at"]
    list_filter = ["published", "nav_exclude"]
    search_fields = ["title", "body"]
    fields = [
        "title", "url_path", "parent", "nav_order", "date", "published",
        "nav_exclude", "search_exclude", "has_toc", "description", "body",
    ]  # fmt: skip

    def save_model(self, request, obj, form, change):
        apply_rendering(obj)
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
