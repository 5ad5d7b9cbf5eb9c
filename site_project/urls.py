"""Quire's URLs: the admin, the markdown editor's endpoints, then the public site (last: it owns paths)."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("markdownx/", include("pages.editor_urls")),
    # Uploaded images under `make run` (DEBUG only; empty otherwise): before the pages, which own all paths.
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
    path("", include("pages.urls")),
]

handler404 = "pages.views.page_not_found"
handler500 = "pages.views.server_error"
