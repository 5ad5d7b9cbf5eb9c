"""Image uploads from the markdown editor: verified raster images only, stored under random names.

Pillow must recognise the file as PNG, JPEG, WebP or GIF; the stored extension comes from the format
Pillow detected (never from the client's file name or content type). SVG is refused (it can carry
scripts), and so are files over the size limit, images over the pixel limit, decompression bombs and
files Pillow cannot decode. Each refusal is a ValidationError with a code and a message for the editor.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
ACCEPTED = "PNG, JPEG, WebP or GIF"


@dataclass(frozen=True)
class CheckedImage:
    format: str
    extension: str
    width: int
    height: int


def media_url(name: str) -> str:
    """The public URL of a stored file: always under MEDIA_URL, answered by `pages.site.media.serve_media`."""
    return "/" + settings.MEDIA_URL.strip("/") + "/" + name.lstrip("/")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_image(
    upload: UploadedFile, *, max_bytes: int | None = None, max_pixels: int | None = None
) -> CheckedImage:
    """Verify that upload is an acceptable raster image; raise ValidationError(code=...) when it is not."""
    from PIL import Image, UnidentifiedImageError  # imported here: most processes never check images

    max_bytes = settings.MARKDOWNX_UPLOAD_MAX_SIZE if max_bytes is None else max_bytes
    max_pixels = settings.QUIRE_UPLOAD_MAX_PIXELS if max_pixels is None else max_pixels
    name = upload.name or "the file"
    if not upload.size:
        raise ValidationError(f"{name} is empty.", code="empty")
    if upload.size > max_bytes:
        raise ValidationError(
            f"{name} is {_megabytes(upload.size)}; the largest image accepted is {_megabytes(max_bytes)}.",
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(512).lstrip()
    upload.seek(0)
    if head[:1] == b"<" or b"<svg" in head.lower():
        raise ValidationError(f"{name} is SVG or HTML; only {ACCEPTED} images are accepted.", code="svg")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(upload) as image:
                detected, (width, height) = image.format, image.size
                if detected not in EXTENSIONS:
                    raise ValidationError(
                        f"{name} is a {detected} image; only {ACCEPTED} images are accepted.",
                        code="unsupported_format",
                    )
                if width * height > max_pixels:
                    raise ValidationError(
                        f"{name} is {width}×{height} pixels; the largest image accepted has "
                        f"{max_pixels:,} pixels.",
                        code="too_many_pixels",
                    )
                image.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ValidationError(
                f"{name} is refused: it would expand to too many pixels ({error}).", code="decompression_bomb"
            ) from error
        except UnidentifiedImageError as error:
            raise ValidationError(
                f"{name} is not an image Quire accepts ({ACCEPTED}).", code="not_an_image"
            ) from error
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise ValidationError(
                f"{name} is damaged and cannot be read as an image.", code="corrupt"
            ) from error
        finally:
            upload.seek(0)
    return CheckedImage(format=detected, extension=EXTENSIONS[detected], width=width, height=height)


def store_image(upload: UploadedFile, checked: CheckedImage) -> str:
    """Save a checked upload in the media storage (local disk or S3) under a random name with the
    detected extension; return its URL, served by Quire (pages/site/media.py) whatever the storage."""
    folder = timezone.now().strftime(settings.MARKDOWNX_MEDIA_PATH).strip("/")
    name = f"{folder}/{secrets.token_hex(16)}.{checked.extension}"
    upload.seek(0)
    stored = default_storage.save(name, upload)
    return media_url(stored)


# -- files of an imported site (images, PDFs, ...) ---------------------------------------------------

SITE_FILE_TYPES = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "avif": "image/avif", "ico": "image/vnd.microsoft.icon", "bmp": "image/bmp",
    "svg": "image/svg+xml", "pdf": "application/pdf", "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8", "json": "application/json", "zip": "application/zip",
    "gz": "application/gzip", "tgz": "application/gzip", "woff": "font/woff", "woff2": "font/woff2",
    "ttf": "font/ttf", "otf": "font/otf", "mp4": "video/mp4", "webm": "video/webm", "mp3": "audio/mpeg",
    "ogg": "audio/ogg", "wav": "audio/wav", "cast": "application/octet-stream",
}  # fmt: skip
"""What an imported site may carry besides its markdown, by extension; never HTML, XML or scripts."""
RASTER_IMAGES = {"png", "jpg", "jpeg", "gif", "webp", "bmp"}
_HTML_SIGNS = (b"<!doctype html", b"<html", b"<script", b"<body", b"<head", b"<iframe", b"<object")
_SVG_DANGERS = (
    (b"<script", "a <script> element"),
    (b"<foreignobject", "a <foreignObject> element"),
    (b"javascript:", "a javascript: URL"),
    (b"<!entity", "an XML entity declaration"),
    (b"<iframe", "an <iframe> element"),
    (b"<embed", "an <embed> element"),
)
_EVENT_ATTRIBUTE_RE = re.compile(rb"[\s/]on[a-z]+\s*=", re.IGNORECASE)


def site_file_type(name: str) -> str | None:
    """The content type Quire serves a site file with, or None when its kind is not accepted."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""
    return SITE_FILE_TYPES.get(extension)


def check_site_file(name: str, data: bytes, *, max_bytes: int | None = None) -> str:
    """The content type of an acceptable site file; ValidationError(code=...) saying why it is not.

    Only the kinds in SITE_FILE_TYPES; at most QUIRE_SITE_FILE_MAX_BYTES; never HTML in disguise;
    SVG without scripts, event handlers, javascript: URLs, foreign objects or entities; raster images
    that Pillow decodes within the pixel limit (decompression bombs refused).
    """
    max_bytes = settings.QUIRE_SITE_FILE_MAX_BYTES if max_bytes is None else max_bytes
    content_type = site_file_type(name)
    if content_type is None:
        raise ValidationError(
            f"{name}: this kind of file is not served by Quire (HTML, scripts and unknown types are refused)",
            code="unsupported_type",
        )
    if len(data) > max_bytes:
        raise ValidationError(
            f"{name} is {_megabytes(len(data))}; the largest site file accepted is {_megabytes(max_bytes)}",
            code="too_large",
        )
    head = data[:1024].lstrip().lower()
    extension = name.rsplit(".", 1)[-1].lower()
    if extension == "svg":
        lowered = data.lower()
        for needle, what in _SVG_DANGERS:
            if needle in lowered:
                raise ValidationError(f"{name} is an SVG with {what}; refused", code="svg_script")
        if _EVENT_ATTRIBUTE_RE.search(data):
            raise ValidationError(
                f"{name} is an SVG with an event handler attribute; refused", code="svg_script"
            )
    elif any(sign in head for sign in _HTML_SIGNS):
        raise ValidationError(f"{name} holds HTML; refused", code="html")
    if extension in RASTER_IMAGES:
        from PIL import Image, UnidentifiedImageError

        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                with Image.open(io.BytesIO(data)) as image:
                    width, height = image.size
                    if width * height > settings.QUIRE_UPLOAD_MAX_PIXELS:
                        raise ValidationError(
                            f"{name} is {width}×{height} pixels; the largest image accepted has "
                            f"{settings.QUIRE_UPLOAD_MAX_PIXELS:,} pixels",
                            code="too_many_pixels",
                        )
                    image.verify()
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
                raise ValidationError(
                    f"{name} would expand to too many pixels", code="decompression_bomb"
                ) from error
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
                raise ValidationError(f"{name} is not a readable image", code="corrupt") from error
    return content_type
