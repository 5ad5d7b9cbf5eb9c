"""Image uploads from the markdown editor: verified raster images only, stored under random names.

Pillow must recognise the file as PNG, JPEG, WebP or GIF; the stored extension comes from the format
Pillow detected (never from the client's file name or content type). SVG is refused (it can carry
scripts), and so are files over the size limit, images over the pixel limit, decompression bombs and
files Pillow cannot decode. Each refusal is a ValidationError with a code and a message for the editor.
"""

from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from pages.media import media_url

EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
ACCEPTED = "PNG, JPEG, WebP or GIF"


@dataclass(frozen=True)
class CheckedImage:
    format: str
    extension: str
    width: int
    height: int


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_image(
    upload: UploadedFile, *, max_bytes: int | None = None, max_pixels: int | None = None
) -> CheckedImage:
    """Verify that upload is an acceptable raster image; raise ValidationError(code=...) when it is not."""
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
    detected extension; return its URL, served by Quire (pages/media.py) whatever the storage."""
    folder = timezone.now().strftime(settings.MARKDOWNX_MEDIA_PATH).strip("/")
    name = f"{folder}/{secrets.token_hex(16)}.{checked.extension}"
    upload.seek(0)
    stored = default_storage.save(name, upload)
    return media_url(stored)
