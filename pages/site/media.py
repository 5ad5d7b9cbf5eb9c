"""Uploaded files at MEDIA_URL, served by Quire from the media storage (local disk or S3), hardened.

The same view answers under `make run` and in production, whatever the storage (settings.STORAGES
["default"], from QUIRE_MEDIA_STORAGE): every instance reads the shared store, so an image uploaded on
one machine is visible from all of them. Each answer:

- has the `Content-Type` of its extension from a short list of raster image types (the extension is
  the one `pages.store.uploads` chose from the format Pillow detected); anything else — HTML, SVG, scripts,
  files of unknown type — is sent as `application/octet-stream` with `Content-Disposition: attachment`,
  so it is never rendered inline by the browser;
- has `X-Content-Type-Options: nosniff` and its own Content-Security-Policy (`default-src 'none'`,
  `sandbox`), so even a file opened directly cannot run anything;
- is public and cacheable for QUIRE_MEDIA_MAX_AGE seconds (upload names are random, never reused).

Paths are normalised and may not climb out of the store (`..`, absolute paths, backslashes: 404).
A store that cannot be reached gives 503 with Retry-After.
"""

from __future__ import annotations

import logging
import posixpath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger("quire.media")

INLINE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
DOWNLOAD_TYPE = "application/octet-stream"
MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def clean_media_name(raw: str) -> str | None:
    """The storage name for a requested path, or None if it is not a plain relative path."""
    if not raw or "\\" in raw or "\x00" in raw or raw.startswith("/"):
        return None
    name = posixpath.normpath(raw)
    if name != raw.rstrip("/") or name.startswith(("..", "/")) or "/../" in f"/{name}/" or name == ".":
        return None
    return name


def content_type_for(name: str) -> str | None:
    """The inline Content-Type of a stored file, or None when it must be a download."""
    return INLINE_TYPES.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None


def hardened(response: HttpResponse, name: str, inline_type: str | None) -> HttpResponse:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-site"
    if inline_type is None:
        filename = posixpath.basename(name).replace('"', "")
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    max_age = int(getattr(settings, "QUIRE_MEDIA_MAX_AGE", 86400))
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


@require_safe
def serve_media(request: HttpRequest, name: str) -> HttpResponse:
    """One stored file (see the module docstring)."""
    from pages.site.outage import unavailable_page

    cleaned = clean_media_name(name)
    if cleaned is None:
        raise Http404("no such file")
    try:
        handle = default_storage.open(cleaned, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, SuspiciousFileOperation) as error:
        raise Http404("no such file") from error
    except Exception as error:  # the store is unreachable (S3 down, a network error)
        logger.warning("Media storage unavailable for %s (%s: %s)", cleaned, type(error).__name__, error)
        response = unavailable_page()
        response._has_been_logged = True
        return response
    inline_type = content_type_for(cleaned)
    response = FileResponse(handle, content_type=inline_type or DOWNLOAD_TYPE)
    return hardened(response, cleaned, inline_type)
