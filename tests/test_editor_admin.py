"""The editor's admin: word-level diffs, the page tree, drafts of live pages, images, branding, 404s."""

import io
import re

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse
from PIL import Image
from reversion.models import Revision, Version

from pages.content.text_diff import diff_rows, word_marks
from pages.editing.admin_tree import tree_rows
from pages.editing.drafts import publish_draft, save_draft
from pages.editing.saving import save_page
from pages.models import Page, PageDraft, UploadedImage
from pages.store.revisions import import_comment, page_versions, version_author
from tests.admin_factories import make_editor, make_page
from tests.commits import committed
from tests.sync_helpers import run_import, write_site

pytestmark = pytest.mark.django_db


# Diffs.


def test_word_marks_mark_only_the_changed_words():
    """Within a changed line only the words that differ are marked; the rest is plain escaped text."""
    old, new = word_marks("Run pip install <b>.", "Run uv pip install <b> now.")
    assert old == "Run pip install &lt;b&gt;."
    assert new == "Run<ins> uv</ins> pip install &lt;b&gt;<ins> now</ins>."


def test_a_rewritten_line_is_marked_whole():
    """Lines that share almost nothing are marked as a whole, not as confetti."""
    assert word_marks("Alpha beta gamma.", "Something else entirely") == (
        "<del>Alpha beta gamma.</del>",
        "<ins>Something else entirely</ins>",
    )


def test_diff_rows_pair_changes_fold_unchanged_stretches_and_number_lines():
    """A change is one row (old | new); long unchanged stretches become one gap row."""
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten") + "\nline 21"
    rows = diff_rows(old, new)
    kinds = [row.kind for row in rows]
    assert kinds == ["gap"] + ["same"] * 3 + ["change"] + ["same"] * 3 + ["gap"] + ["same"] * 3 + ["add"]
    assert (rows[0].skipped, rows[8].skipped) == (6, 4)
    change = rows[4]
    assert (change.old_no, change.new_no, change.old_html, change.new_html) == (
        10,
        10,
        "line <del>10</del>",
        "line <ins>ten</ins>",
    )
    assert (rows[-1].new_no, rows[-1].new_html) == (21, "<ins>line 21</ins>")
    assert diff_rows("same", "same") == []


def test_history_shows_the_last_change_previous_against_current(admin_client, admin_user):
    """The history screen opens on what the last save changed, and Compare defaults to the same pair."""
    page = make_page(title="Doc", url_path="/doc/", body="alpha\nbeta\n", user=admin_user)
    page.body = "alpha\nbeta gamma\n"
    save_page(page, user=admin_user)
    html = admin_client.get(reverse("admin:pages_page_history", args=[page.pk])).content.decode()
    assert "Last change: admin" in html and "beta<ins> gamma</ins>" in html
    previous = list(page_versions(page.pk))[1]
    assert re.search(rf'name="from" value="{previous.pk}" checked', html)
    compare = admin_client.get(reverse("admin:pages_page_compare", args=[page.pk]))
    assert compare.context["old_version"] == previous and compare.context["new_version"] is None
    inline = admin_client.get(reverse("admin:pages_page_compare", args=[page.pk]), {"view": "inline"})
    assert "quire-diff-inline" in inline.content.decode()


def test_import_revisions_are_labelled_with_the_folder(tmp_path):
    """A revision written by an import reads "import of <folder>" in the history."""
    site = write_site(tmp_path / "docs", {"a.md": "---\ntitle: A\n---\nOne.\n"})
    run_import(site)
    version = page_versions(Page.objects.get(source_path="a.md").pk).first()
    assert version.revision.get_comment() == import_comment(roots=[site]) == f"Imported from {site}."
    assert version_author(version) == f"import of {site}"
    by_commit = Version(revision=Revision(comment=import_comment("0123456789abcdef", [site])))
    assert version_author(by_commit) == "import of commit 0123456789ab"


# The page tree.


def test_tree_rows_put_children_under_parents_in_nav_order_and_survive_cycles():
    """Depth-first in navigation order; a parent cycle is listed once instead of looping."""
    root = make_page(title="Root", url_path="/r/", nav_order="2")
    first = make_page(title="First", url_path="/f/", nav_order="1")
    kid_b = make_page(title="B", url_path="/r/b/", parent=root, nav_order="2")
    kid_a = make_page(title="A", url_path="/r/a/", parent=root, nav_order="1")
    x = make_page(title="X", url_path="/x/")
    y = make_page(title="Y", url_path="/y/", parent=x)
    Page.objects.filter(pk=x.pk).update(parent=y)  # X -> Y -> X
    rows = tree_rows()
    assert [(r.id, r.depth) for r in rows[:4]] == [(first.pk, 0), (root.pk, 0), (kid_a.pk, 1), (kid_b.pk, 1)]
    assert rows[1].has_children and not rows[2].has_children
    assert sorted(r.id for r in rows[4:]) == [x.pk, y.pk]


# Drafts of live pages.


def test_a_draft_of_a_live_page_is_invisible_to_readers_and_export_until_published(client, tmp_path):
    """Saving a draft leaves the page row (what readers, search and export use) untouched."""
    from pages.sync.page_files import page_file_text

    editor = make_editor()
    live = make_page(title="Live", url_path="/live/", body="Old text.")
    proposed = Page.objects.get(pk=live.pk)
    proposed.body = "New text."
    save_draft(proposed, user=editor)
    assert "Old text." in client.get("/live/").content.decode()
    assert "New text." not in page_file_text(Page.objects.get(pk=live.pk))
    publisher = User.objects.create_superuser("pub", password="pw")
    with committed():
        publish_draft(PageDraft.objects.get(page=live), user=publisher)
    assert "New text." in client.get("/live/").content.decode()
    assert "New text." in page_file_text(Page.objects.get(pk=live.pk))


def test_staff_preview_shows_the_pending_changes_or_an_older_revision(admin_client, admin_user):
    """/_preview/<id>/?draft=1 and ?revision=<id> render the proposed text with its banner."""
    live = make_page(title="Live", url_path="/live/", body="Version one.", user=admin_user)
    live.body = "Version two."
    save_page(live, user=admin_user)
    proposed = Page.objects.get(pk=live.pk)
    proposed.body = "Version three."
    save_draft(proposed, user=make_editor())
    draft_html = admin_client.get(f"/_preview/{live.pk}/", {"draft": "1"}).content.decode()
    assert "Version three." in draft_html and "changes awaiting publication" in draft_html
    oldest = list(page_versions(live.pk))[-1]
    old_html = admin_client.get(f"/_preview/{live.pk}/", {"revision": oldest.pk}).content.decode()
    assert "Version one." in old_html and "older revision" in old_html
    assert admin_client.get(f"/_preview/{live.pk}/", {"revision": "nope"}).status_code == 404
    assert Page.objects.get(pk=live.pk).body == "Version two."


def test_new_page_buttons_save_and_view_or_save_as_draft(admin_client):
    """A new page offers "Save and view" (opens the page) and "Save as draft" (stays in the editor)."""
    html = admin_client.get(reverse("admin:pages_page_add")).content.decode()
    assert 'name="_save_view"' in html and 'name="_save_draft"' in html
    data = {"title": "Fresh", "url_path": "", "parent": "", "nav_order": "", "date_0": "", "date_1": ""}
    data |= {"status": "published", "body": "Hi", "description": "", "extra_front_matter": ""}
    response = admin_client.post(reverse("admin:pages_page_add"), {**data, "_save_view": "1"})
    assert response.status_code == 302 and response["Location"] == "/fresh/"
    response = admin_client.post(
        reverse("admin:pages_page_add"), {**data, "title": "Later", "_save_draft": "1"}
    )
    later = Page.objects.get(title="Later")
    assert later.published is False
    assert response["Location"].endswith(f"/{later.pk}/change/")


def test_the_change_form_offers_the_url_a_move_implies(admin_client):
    """An existing page's URL field carries the parents' URLs for the move offer (editor.js)."""
    page = make_page(title="Doc", url_path="/doc/")
    html = admin_client.get(reverse("admin:pages_page_change", args=[page.pk])).content.decode()
    assert 'data-offer-on-move="1"' in html and "data-parent-urls" in html


# Images.


def _png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_uploads_are_listed_in_the_media_library(admin_client, client, settings, tmp_path):
    """Each upload is recorded; the library lists it (newest first) to page editors only."""
    settings.MEDIA_ROOT = tmp_path
    response = admin_client.post("/markdownx/upload/", {"image": _png("diagram.png")})
    url = response.json()["url"]
    assert response.json()["image_code"] == f"![]({url})"
    image = UploadedImage.objects.get()
    assert (image.url, image.original_name, image.width, image.height) == (url, "diagram.png", 4, 3)
    library = admin_client.get("/markdownx/images/").json()["images"]
    assert library == [{"url": url, "name": "diagram.png", "width": 4, "height": 3}]
    assert client.get("/markdownx/images/").status_code == 403


# Branding, the preview frame, 404s.


def test_admin_is_branded_with_the_site_name_and_a_favicon(admin_client, settings):
    html = admin_client.get("/admin/").content.decode()
    assert f"{settings.QUIRE_SITE_NAME} admin" in html and "Django administration" not in html
    assert 'rel="icon" href="/static/quire/favicon.svg"' in html


def test_preview_frame_uses_the_site_styles_and_may_be_framed_by_the_admin_only(admin_client, client):
    response = admin_client.get(reverse("admin:pages_page_preview_frame"))
    html = response.content.decode()
    assert "quire/site.css" in html and "quire/pygments.css" in html and "<script" not in html
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert client.get(reverse("admin:pages_page_preview_frame")).status_code == 302  # login first
    editor_page = admin_client.get(reverse("admin:pages_page_add"))
    assert editor_page["X-Frame-Options"] == "DENY"


@override_settings(DEBUG=True, QUIRE_DEBUG_TECHNICAL_404=False)
def test_debug_mode_shows_the_themed_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


@override_settings(DEBUG=True, QUIRE_DEBUG_TECHNICAL_404=True)
def test_debug_404_setting_brings_back_djangos_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "404.html" not in [t.name for t in response.templates or []]


def test_staff_opening_a_drafts_url_are_offered_its_preview(client, admin_client):
    """Readers get the plain 404; staff get a pointer to the draft's preview and editor."""
    draft = make_page(title="Secret plan", url_path="/plan/", published=False)
    assert "Secret plan" not in client.get("/plan/").content.decode()
    response = admin_client.get("/plan/")
    html = response.content.decode()
    assert response.status_code == 404
    assert f'href="/_preview/{draft.pk}/"' in html and "Secret plan" in html


def test_tree_reorder_form_only_on_the_whole_tree_and_returns_to_a_local_url(admin_client):
    """Dragging is offered on the unfiltered tree; the reorder POST returns to `next` only when local."""
    first = make_page(title="First", url_path="/first/", nav_order="1")
    second = make_page(title="Second", url_path="/second/", nav_order="2")
    changelist = reverse("admin:pages_page_changelist")
    assert 'id="quire-tree-reorder"' in admin_client.get(changelist).content.decode()
    assert 'id="quire-tree-reorder"' not in admin_client.get(changelist, {"q": "First"}).content.decode()
    assert 'id="quire-tree-reorder"' not in admin_client.get(changelist, {"o": "1"}).content.decode()
    reorder = reverse("admin:pages_page_reorder")
    order = {"parent": "", "order": [second.pk, first.pk]}
    assert admin_client.post(reorder, {**order, "next": changelist})["Location"] == changelist
    assert Page.objects.get(pk=second.pk).nav_order == "1"
    away = admin_client.post(reorder, {**order, "next": "https://elsewhere.example/"})
    assert away["Location"] == reorder
