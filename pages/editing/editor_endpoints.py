"""The markdown editor's endpoints (live preview, image upload, media library), for page editors only.

django-markdownx's own views answer anyone; these replace them under the same URL names. Anonymous
and non-staff requests get 403 and nothing is rendered or written; CSRF is enforced.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from pages.content.render_limits import RenderRefused, bounded_render, check_size
from pages.models import UploadedImage
from pages.store.page_derivation import site_source_index
from pages.store.site_settings import site_baseurl
from pages.store.uploads import check_image, store_image

EDIT_PERMISSIONS = ("pages.change_page", "pages.add_page")
LIBRARY_SIZE = 60


def may_use_editor(user) -> bool:
    """Active staff who may change (or add) pages."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and any(user.has_perm(permission) for permission in EDIT_PERMISSIONS)
    )


def editor_only(view):
    """403 for anyone who may not edit pages; CSRF checked; POST only; never cached."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs):
        if not may_use_editor(request.user):
            return JsonResponse({"error": "Only staff who may edit pages can use the editor."}, status=403)
        return view(request, *args, **kwargs)

    return csrf_protect(never_cache(require_POST(guarded)))


@editor_only
def preview(request: HttpRequest) -> HttpResponse:
    """The live preview: the same rendering and sanitising readers get, size-limited and time-bounded
    (`pages.content.render_limits`). A refusal is an HTML notice (the editor shows it in the preview pane)
    with a 4xx/5xx status."""
    content = request.POST.get("content")
    if content is None:
        return JsonResponse({"error": "The request has no 'content' field."}, status=400)
    content = content.replace("\r\n", "\n").replace("\r", "\n")  # form encoding sends CRLF line ends
    try:
        check_size(content)
        html = bounded_render(content, site_source_index(), site_baseurl())
    except RenderRefused as refused:
        notice = f'<p class="quire-preview-refused" role="alert">{escape(refused.message)}</p>'
        return HttpResponse(notice, status=refused.status, content_type="text/html; charset=utf-8")
    return HttpResponse(html, content_type="text/html; charset=utf-8")


@editor_only
def upload_image(request: HttpRequest) -> JsonResponse:
    """Store one verified image and answer the markdown that shows it (markdownx's JSON shape)."""
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"image": ["No image was sent (the form field is 'image')."]}, status=400)
    try:
        checked = check_image(upload)
    except ValidationError as error:
        return JsonResponse({"image": error.messages}, status=400)
    url = store_image(upload, checked)
    UploadedImage.objects.create(
        url=url,
        original_name=(upload.name or "")[:255],
        width=checked.width,
        height=checked.height,
        uploaded_by=request.user,
    )
    return JsonResponse({"image_code": f"![]({url})", "url": url, "name": upload.name or ""})


@never_cache
def image_library(request: HttpRequest) -> JsonResponse:
    """The editor's media library: the most recent uploads (GET), for staff who may edit pages."""
    if not may_use_editor(request.user):
        return JsonResponse({"error": "Only staff who may edit pages can use the editor."}, status=403)
    images = UploadedImage.objects.all()[:LIBRARY_SIZE]
    return JsonResponse(
        {
            "images": [
                {"url": i.url, "name": i.original_name, "width": i.width, "height": i.height} for i in images
            ]
        }
    )
