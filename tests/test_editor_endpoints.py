"""The markdown editor's preview and upload endpoints: staff who may edit pages only, CSRF enforced."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from pages.editing.editor_endpoints import may_use_editor
from pages.models import Page

PREVIEW = "/markdownx/markdownify/"
UPLOAD = "/markdownx/upload/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, "PNG")
    return buffer.getvalue()


def png_upload(name="photo.png"):
    file = io.BytesIO(png_bytes())
    file.name = name
    return file


def make_user(username, *, staff, permissions=()):
    user = get_user_model().objects.create_user(username, password="pw-123456789", is_staff=staff)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="pages"))
    return get_user_model().objects.get(pk=user.pk)


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.django_db
def test_anonymous_preview_is_refused(client):
    """An anonymous preview request gets 403 and no rendered HTML."""
    response = client.post(PREVIEW, {"content": "# Secret"})
    assert response.status_code == 403
    assert b"<h1" not in response.content


@pytest.mark.django_db
def test_staff_without_page_permission_is_refused(client):
    """Staff who may not change or add pages get 403."""
    client.force_login(make_user("viewer", staff=True, permissions=["view_page"]))
    assert client.post(PREVIEW, {"content": "x"}).status_code == 403


@pytest.mark.django_db
def test_non_staff_with_permission_is_refused(client):
    """A user with the permission but no staff status gets 403."""
    client.force_login(make_user("outsider", staff=False, permissions=["change_page"]))
    assert client.post(PREVIEW, {"content": "x"}).status_code == 403


@pytest.mark.django_db
def test_editor_preview_renders_like_the_site(client):
    """Staff with change permission get the sanitised HTML readers will see."""
    client.force_login(make_user("editor", staff=True, permissions=["change_page"]))
    response = client.post(PREVIEW, {"content": "## Hi\n\n<script>alert(1)</script>"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 id="hi">Hi' in html and "script" not in html
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_preview_resolves_links_to_imported_pages(admin_client):
    """The preview resolves {% link %} through the pages in the database."""
    Page.objects.create(title="Install", url_path="/docs/install/", source_path="docs/install.md")
    response = admin_client.post(PREVIEW, {"content": "[i]({% link docs/install.md %})"})
    assert 'href="/docs/install/"' in response.content.decode()


@pytest.mark.django_db
def test_preview_without_content_is_a_clear_error(admin_client):
    """A preview request without the content field gets 400 naming the field."""
    response = admin_client.post(PREVIEW, {})
    assert response.status_code == 400 and "content" in response.json()["error"]


@pytest.mark.django_db
def test_get_is_not_allowed(admin_client):
    """The endpoints accept POST only."""
    assert admin_client.get(PREVIEW).status_code == 405
    assert admin_client.get(UPLOAD).status_code == 405


@pytest.mark.django_db
def test_csrf_is_enforced(admin_user):
    """Without a CSRF token, even an editor's POST is refused with 403."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(PREVIEW, {"content": "x"}).status_code == 403
    assert client.post(UPLOAD, {"image": png_upload()}).status_code == 403


@pytest.mark.django_db
def test_csrf_token_lets_the_editor_through(admin_user):
    """With the CSRF cookie and header (as the editor's script sends them) the preview works."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    client.get("/admin/")
    token = client.cookies["csrftoken"].value
    response = client.post(PREVIEW, {"content": "*x*"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and "<em>x</em>" in response.content.decode()


@pytest.mark.django_db
def test_anonymous_upload_writes_nothing(client, media_root):
    """An anonymous upload gets 403 and no file is stored."""
    response = client.post(UPLOAD, {"image": png_upload()})
    assert response.status_code == 403
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_non_staff_upload_writes_nothing(client, media_root):
    """A logged-in non-staff user's upload gets 403 and no file is stored."""
    client.force_login(make_user("reader", staff=False))
    assert client.post(UPLOAD, {"image": png_upload()}).status_code == 403
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_editor_upload_answers_markdown_for_the_image(admin_client, media_root):
    """An editor's PNG is stored under a random name with .png and the answer is image markdown."""
    response = admin_client.post(UPLOAD, {"image": png_upload("../../evil.html")})
    assert response.status_code == 200
    code = response.json()["image_code"]
    assert code.startswith("![](/media/uploads/") and code.endswith(".png)")
    (stored,) = stored_files(media_root)
    assert stored.suffix == ".png" and "evil" not in stored.name and len(stored.stem) == 32
    assert default_storage.exists(str(stored.relative_to(media_root)))


@pytest.mark.django_db
def test_refused_upload_is_a_clear_json_error(admin_client, media_root):
    """A refused upload answers 400 with the reason under 'image' and stores nothing."""
    file = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>")
    file.name = "x.png"
    response = admin_client.post(UPLOAD, {"image": file})
    assert response.status_code == 400
    assert "SVG" in response.json()["image"][0]
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_upload_without_a_file_is_a_clear_error(admin_client):
    """An upload request without the image field says which field is missing."""
    response = admin_client.post(UPLOAD, {})
    assert response.status_code == 400 and "'image'" in response.json()["image"][0]


@pytest.mark.django_db
def test_may_use_editor_rules():
    """Active staff with change or add permission may edit; inactive staff may not."""
    assert may_use_editor(make_user("adder", staff=True, permissions=["add_page"]))
    inactive = make_user("gone", staff=True, permissions=["change_page"])
    inactive.is_active = False
    assert not may_use_editor(inactive)
