"""The body editor's widget: a textarea with a toolbar, a live preview frame and an image dialog.

It replaces django-markdownx's widget (whose script inserts images without alt text, cannot be
extended, and previews with the admin's styles) but keeps markdownx's field and endpoint URL names.
The behaviour lives in static/quire/admin/editor.js; the preview is a same-origin frame styled with
the public site's stylesheet (pages.editing.admin_views.preview_frame_view).
"""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

TEMPLATE = "admin/pages/widgets/markdown_editor.html"


class MarkdownEditor(forms.Textarea):
    """A markdown textarea inside Quire's editor (toolbar, Write / Preview, word count, images)."""

    def __init__(self, attrs=None):
        base = {"rows": 24, "class": "quire-editor-text", "spellcheck": "true"}
        super().__init__({**base, **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        textarea = super().render(name, value, attrs, renderer)
        context = {
            "textarea": textarea,
            "field_id": (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}",
            "preview_url": reverse("markdownx_markdownify"),
            "upload_url": reverse("markdownx_upload"),
            "frame_url": reverse("admin:pages_page_preview_frame"),
            "images_url": reverse("quire_image_library"),
        }
        return mark_safe(render_to_string(TEMPLATE, context))  # noqa: S308 - the template escapes
