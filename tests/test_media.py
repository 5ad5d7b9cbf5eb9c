"""Uploaded media: served by Quire from local disk or an S3-compatible store, with hardening headers."""

import io
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from pages.site.media import clean_media_name
from site_project.settings import media_storage
from tests.s3_server import start_s3_server
from tests.servers import Gunicorn, base_environment, manage

UPLOAD = "/markdownx/upload/"


def png_bytes(colour="red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), colour).save(buffer, "PNG")
    return buffer.getvalue()


def png_upload():
    file = io.BytesIO(png_bytes())
    file.name = "photo.png"
    return file


def upload(admin_client) -> str:
    response = admin_client.post(UPLOAD, {"image": png_upload()})
    assert response.status_code == 200, response.content
    code = response.json()["image_code"]
    return code.removeprefix("![](").removesuffix(")")


def assert_hardened_image(response) -> None:
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"].startswith("public, max-age=")


@pytest.fixture
def local_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": media_storage({})}
    return settings.MEDIA_ROOT


# -- local disk --------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_uploaded_image_is_served_by_quire(admin_client, client, local_media):
    """The image an editor uploads is visible to readers at the URL the editor got (was a 404)."""
    url = upload(admin_client)
    assert url.startswith("/media/uploads/")
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert_hardened_image(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("legacy/page.html", b"<script>alert(1)</script>"),
        ("legacy/logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("legacy/notes", b"<html>no extension</html>"),
    ],
)
def test_files_that_are_not_raster_images_are_downloads(client, local_media, name, data):
    """HTML, SVG or an unknown type in the store is never rendered inline."""
    default_storage.save(name, ContentFile(data))
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/media/missing.png", "/media/..%2F..%2Fmanage.py", "/media/a/../../b.png"])
def test_missing_or_escaping_paths_are_404(client, local_media, path):
    (local_media.parent / "b.png").write_bytes(png_bytes())
    assert client.get(path).status_code == 404


def test_media_names_must_stay_inside_the_store():
    assert clean_media_name("uploads/2026/11/a.png") == "uploads/2026/11/a.png"
    for bad in ("../a.png", "/etc/passwd", "a/../../b", "a\\b.png", "", ".", "a/./b.png"):
        assert clean_media_name(bad) is None, bad


@pytest.mark.django_db
def test_media_is_served_under_make_run_settings(client, local_media, settings):
    """DEBUG (make run) serves media through the same view."""
    settings.DEBUG = True
    default_storage.save("uploads/x.png", ContentFile(png_bytes()))
    response = client.get("/media/uploads/x.png")
    assert (response.status_code, response["Content-Type"]) == (200, "image/png")
    assert b"".join(response.streaming_content) == png_bytes()


def test_media_storage_from_the_environment():
    assert media_storage({})["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    s3 = media_storage(
        {"QUIRE_MEDIA_STORAGE": "s3", "QUIRE_S3_BUCKET": "b", "QUIRE_S3_ENDPOINT_URL": "http://127.0.0.1:9"}
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"]["bucket_name"] == "b" and s3["OPTIONS"]["endpoint_url"] == "http://127.0.0.1:9"
    with pytest.raises(ImproperlyConfigured, match="QUIRE_S3_BUCKET"):
        media_storage({"QUIRE_MEDIA_STORAGE": "s3"})
    with pytest.raises(ImproperlyConfigured, match="'ftp'"):
        media_storage({"QUIRE_MEDIA_STORAGE": "ftp"})


# -- an S3-compatible store --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    yield from start_s3_server(tmp_path_factory.mktemp("s3") / "moto.log")


@pytest.fixture
def s3_media(settings, s3_server, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "local-media-unused"
    settings.STORAGES = {**settings.STORAGES, "default": media_storage(s3_server.environment())}
    return s3_server


@pytest.mark.django_db
def test_upload_goes_to_the_object_store_with_its_content_type(admin_client, client, s3_media, settings):
    url = upload(admin_client)
    key = url.removeprefix("/media/")
    head = s3_media.client().head_object(Bucket=s3_media.bucket, Key=key)
    assert head["ContentType"] == "image/png"
    assert not settings.MEDIA_ROOT.exists()  # nothing on this machine's disk
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == png_bytes()
    assert_hardened_image(response)
    assert client.get("/media/uploads/none.png").status_code == 404


@pytest.mark.django_db
def test_an_image_uploaded_on_one_instance_is_visible_from_another(admin_client, s3_media, tmp_path):
    """Uploaded here (this process), served by a separate gunicorn instance with its own empty disk."""
    url = upload(admin_client)
    env = base_environment(
        DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}",
        DJANGO_MEDIA_ROOT=str(tmp_path / "other-instance-media"),
        QUIRE_CACHE_PREFIX=f"media-{uuid.uuid4().hex}",
        **s3_media.environment(),
    )
    manage(env, "migrate", "--noinput")
    other = Gunicorn(env, workers=1, log=tmp_path / "gunicorn.log")
    try:
        response = other.get(url)
        assert response.status == 200 and response.body == png_bytes()
        assert response.headers["Content-Type"] == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert other.get("/media/uploads/none.png").status == 404
    finally:
        other.stop()
    assert not (tmp_path / "other-instance-media").exists()


@pytest.mark.django_db
def test_an_unreachable_object_store_is_a_503(client, settings, s3_server):
    environment = {
        **s3_server.environment(),
        "QUIRE_S3_ENDPOINT_URL": "http://127.0.0.1:1",
        "QUIRE_S3_TIMEOUT": "1",
    }
    settings.STORAGES = {**settings.STORAGES, "default": media_storage(environment)}
    response = client.get("/media/uploads/a.png")
    assert response.status_code == 503 and response["Retry-After"]
