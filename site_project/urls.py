"""Quire's URLs: the admin, the markdown editor's endpoints, then the public site (last: it owns paths)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("markdownx/", include("pages.editing.editor_urls")),
    path("", include("pages.urls")),
]

handler404 = "pages.site.views.page_not_found"
handler500 = "pages.site.views.server_error"
