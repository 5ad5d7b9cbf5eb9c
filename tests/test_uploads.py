"""Image uploads: Pillow-verified raster images only, named from the detected format, within limits."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from pages.store.uploads import check_image, store_image


def image_bytes(fmt: str, size=(8, 6), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "blue").save(buffer, fmt)
    return buffer.getvalue()


def upload(data: bytes, name="upload.bin", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions (a decompression bomb's calling card)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def refusal(data: bytes, name="upload.bin", **limits) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_image(upload(data, name), **limits)
    return caught.value


@pytest.mark.parametrize(
    ("fmt", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp"), ("GIF", "gif")]
)
def test_accepted_formats_take_the_detected_extension(fmt, extension):
    """PNG, JPEG, WebP and GIF are accepted, with the extension of the format Pillow detected."""
    checked = check_image(upload(image_bytes(fmt), name="whatever.exe"))
    assert (checked.format, checked.extension, checked.width, checked.height) == (fmt, extension, 8, 6)


def test_client_name_and_type_are_ignored():
    """A JPEG named .png with a PNG content type is stored as .jpg."""
    checked = check_image(upload(image_bytes("JPEG"), name="x.png", content_type="image/png"))
    assert checked.extension == "jpg"


def test_svg_is_refused():
    """SVG (which can carry scripts) is refused with a message saying so."""
    error = refusal(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', name="logo.svg")
    assert error.code == "svg" and "logo.svg is SVG" in error.messages[0]


def test_html_disguised_as_an_image_is_refused():
    """HTML with an image name is refused before Pillow sees it."""
    assert refusal(b"<html><script>alert(1)</script></html>", name="x.jpg").code == "svg"


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_other_raster_formats_are_refused(fmt):
    """Formats Pillow reads but Quire does not serve are refused, naming the format."""
    error = refusal(image_bytes(fmt, size=(16, 16)), name=f"x.{fmt.lower()}")
    assert error.code == "unsupported_format" and fmt in error.messages[0]


def test_non_images_are_refused():
    """Bytes Pillow cannot identify are refused as not an image."""
    error = refusal(b"%PDF-1.4 not an image at all" * 10, name="doc.pdf")
    assert error.code == "not_an_image" and "doc.pdf" in error.messages[0]


def test_empty_file_is_refused():
    """An empty file is refused."""
    assert refusal(b"", name="empty.png").code == "empty"


def test_size_limit(settings):
    """A file over MARKDOWNX_UPLOAD_MAX_SIZE is refused with both sizes in the message."""
    settings.MARKDOWNX_UPLOAD_MAX_SIZE = 100
    error = refusal(image_bytes("PNG", size=(64, 64), mode="RGB") + b"\0" * 200, name="big.png")
    assert error.code == "too_large" and "largest image accepted" in error.messages[0]


def test_pixel_limit():
    """An image over the pixel limit is refused with its dimensions."""
    error = refusal(image_bytes("PNG", size=(100, 50)), name="wide.png", max_pixels=4_999)
    assert error.code == "too_many_pixels" and "100×50" in error.messages[0]


def test_decompression_bomb_is_refused_before_decoding():
    """A tiny file claiming 100,000 × 100,000 pixels is refused without being decoded."""
    error = refusal(png_claiming(100_000, 100_000), name="bomb.png", max_pixels=10**12)
    assert error.code == "decompression_bomb"


def test_bomb_within_our_pixel_limit_is_caught_by_our_limit():
    """With the default limit, the same file is refused as too many pixels."""
    assert refusal(png_claiming(100_000, 100_000), name="bomb.png").code in {
        "too_many_pixels",
        "decompression_bomb",
    }


def test_truncated_image_is_refused():
    """An image cut short is refused as damaged."""
    data = image_bytes("JPEG", size=(64, 64))
    assert refusal(data[: len(data) // 2], name="cut.jpg").code == "corrupt"


def test_store_uses_a_random_name_and_the_detected_extension(settings, tmp_path):
    """Stored files get 32 random hex characters and the detected extension, in the dated folder."""
    settings.MEDIA_ROOT = tmp_path
    first = upload(image_bytes("GIF"), name="../../a.html")
    second = upload(image_bytes("GIF"), name="../../a.html")
    urls = [store_image(f, check_image(f)) for f in (first, second)]
    assert urls[0] != urls[1]
    for url in urls:
        name = url.rsplit("/", 1)[1]
        assert url.startswith("/media/uploads/") and name.endswith(".gif") and len(name) == 36
    assert sorted(p.suffix for p in tmp_path.rglob("*.gif")) == [".gif", ".gif"]
