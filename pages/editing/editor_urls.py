"""The markdown editor's URLs, under the names django-markdownx's widget looks up (plus the library)."""

from django.urls import path

from pages.editing import editor_endpoints

urlpatterns = [
    path("upload/", editor_endpoints.upload_image, name="markdownx_upload"),
    path("markdownify/", editor_endpoints.preview, name="markdownx_markdownify"),
    path("images/", editor_endpoints.image_library, name="quire_image_library"),
]
