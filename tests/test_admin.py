"""The page admin: list, search, filters, actions, the edit form, conflicts and permissions."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from pages.editing.saving import save_page
from pages.models import Page, PageDraft, Redirect
from pages.store.revisions import page_versions
from pages.store.site_state import bump_content_version, content_version
from pages.sync.exporting import export_pages
from pages.sync.page_files import content_hash, page_file_text
from tests.admin_factories import make_editor, make_page
from tests.commits import committed
from tests.sync_helpers import run_import, write_site

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:pages_page_changelist")
ADD = reverse("admin:pages_page_add")


def change_url(page):
    return reverse("admin:pages_page_change", args=[page.pk])


def form_data(page=None, **overrides):
    """The POST data of the edit form for page (or an empty new page), with overrides."""
    data = {
        "title": page.title if page else "",
        "url_path": page.url_path if page else "",
        "parent": page.parent_id or "" if page else "",
        "nav_order": page.nav_order if page else "",
        "date_0": "",
        "date_1": "",
        "status": "published" if page and page.published else "draft",
        "base_version": page.version if page else "",
        "body": page.body if page else "",
        "description": page.description if page else "",
        "extra_front_matter": "",
        "has_toc": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def tree(admin_user):
    guide = make_page(title="Guide", url_path="/guide/", nav_order="2", user=admin_user)
    install = make_page(title="Install", url_path="/guide/install/", parent=guide, body="Run pip install.")
    deep = make_page(title="Deep", url_path="/guide/install/deep/", parent=install, published=False)
    soon = make_page(
        title="Soon", url_path="/soon/", date=timezone.now() + dt.timedelta(days=3), body="Coming later."
    )
    return {"guide": guide, "install": install, "deep": deep, "soon": soon}


def rows(response):
    return [str(p) for p in response.context["cl"].result_list]


def _depth_of(html: str, title: str) -> str:
    pattern = r'class="quire-depth quire-depth-(\d)"[^>]*><span class="quire-title">' + title + "<"
    match = re.search(pattern, html)
    return match.group(1) if match else ""


def test_list_indents_titles_by_depth_and_shows_status_and_editor(admin_client, tree):
    """The list indents children, labels draft/scheduled/published and shows who updated a page."""
    html = admin_client.get(CHANGELIST).content.decode()
    assert [_depth_of(html, t) for t in ("Guide", "Install", "Deep", "Soon")] == ["0", "1", "2", "0"]
    assert 'quire-status-draft">draft<' in html
    assert 'quire-status-scheduled">scheduled<' in html
    assert 'quire-status-published">published<' in html
    assert "by admin" in html


def test_list_is_the_site_tree_in_navigation_order(admin_client):
    """Rows follow the navigation: siblings by nav_order (4, 4.5, 6), children under their parent."""
    docs = make_page(title="Docs", url_path="/docs/", nav_order="1")
    for title, order in [("Deployment", "6"), ("Editing", "4"), ("The public site", "4.5")]:
        slug = title.lower().replace(" ", "-")
        make_page(title=title, url_path=f"/docs/{slug}/", nav_order=order, parent=docs)
    make_page(title="About", url_path="/about/", nav_order="2")
    response = admin_client.get(CHANGELIST)
    assert rows(response) == ["Docs", "Editing", "The public site", "Deployment", "About"]
    html = response.content.decode()
    assert f'data-page="{docs.pk}" data-parent="" data-children="1"' in html
    sorted_by_title = admin_client.get(CHANGELIST, {"o": "1"})
    assert rows(sorted_by_title) == ["About", "Deployment", "Docs", "Editing", "The public site"]


def test_search_covers_title_and_body(admin_client, tree):
    """Searching finds pages by words in their markdown body, not only their title."""
    assert rows(admin_client.get(CHANGELIST, {"q": "pip"})) == ["Install"]
    assert rows(admin_client.get(CHANGELIST, {"q": "Guide"})) == ["Guide"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [("scheduled", ["Soon"]), ("draft", ["Deep"]), ("published", ["Guide", "Install"])],
)
def test_status_filter(admin_client, tree, status, expected):
    """The status filter separates published, scheduled (future date) and draft pages."""
    assert sorted(rows(admin_client.get(CHANGELIST, {"status": status}))) == expected


def test_parent_filter_lists_children(admin_client, tree):
    """Filtering by parent shows that parent's children."""
    response = admin_client.get(CHANGELIST, {"parent__id__exact": tree["guide"].pk})
    assert rows(response) == ["Install"]


def test_nav_order_is_editable_in_the_list_through_the_save_path(admin_client, tree):
    """Editing nav_order in the list saves it with a version bump, a revision and a new content version."""
    page = tree["guide"]
    before = content_version()
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(page.pk),
        "form-0-nav_order": "4.5",
        "initial-form-0-nav_order": "2",
        "_save": "Save",
    }
    with committed():
        response = admin_client.post(CHANGELIST + "?q=Guide", data)
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.nav_order == "4.5"
    assert page.version == 2
    assert content_version() > before
    assert Version.objects.get_for_object(page).count() == 2


def list_rows_as_loaded(admin_client, query: str) -> dict[str, str]:
    """The change list's formset fields as the browser would post them back (loaded values included)."""
    return list_rows_as_loaded_from(admin_client.get(CHANGELIST + f"?q={query}").content.decode())


def list_rows_as_loaded_from(html: str) -> dict[str, str]:
    fields = dict(re.findall(r'name="((?:initial-)?form-[^"]+)" value="([^"]*)"', html))
    fields.update(re.findall(r'name="(form-(?:TOTAL|INITIAL)_FORMS)" value="([^"]*)"', html))
    return fields


def test_list_sends_the_loaded_nav_order_with_each_row(admin_client, tree):
    """Each editable row carries the nav_order it was loaded with, next to the input."""
    fields = list_rows_as_loaded(admin_client, "Guide")
    assert (fields["form-0-nav_order"], fields["initial-form-0-nav_order"]) == ("2", "2")


def test_list_save_over_a_nav_order_changed_meanwhile_is_refused(admin_client, tree):
    """A list save over a row whose nav_order changed after loading is refused with a clear message."""
    page = tree["guide"]
    data = {**list_rows_as_loaded(admin_client, "Guide"), "form-0-nav_order": "9", "_save": "Save"}
    page.nav_order = "1"
    save_page(page, comment="Reordered elsewhere.")
    response = admin_client.post(CHANGELIST + "?q=Guide", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "“Guide” was changed while you had this list open: its nav_order is now “1”" in html
    assert "(you loaded “2”). Nothing was saved." in html
    page.refresh_from_db()
    assert (page.nav_order, page.version) == ("1", 2)
    again = {**list_rows_as_loaded_from(html), "form-0-nav_order": "9", "_save": "Save"}
    assert again["initial-form-0-nav_order"] == "1"
    assert admin_client.post(CHANGELIST + "?q=Guide", again).status_code == 302
    page.refresh_from_db()
    assert page.nav_order == "9"


def test_list_save_leaves_rows_the_editor_did_not_change(admin_client, tree):
    """A row the editor did not touch is not saved, so a change made meanwhile stays."""
    page = tree["guide"]
    data = {**list_rows_as_loaded(admin_client, "Guide"), "_save": "Save"}
    page.nav_order = "7"
    save_page(page, comment="Reordered elsewhere.")
    assert admin_client.post(CHANGELIST + "?q=Guide", data).status_code == 302
    page.refresh_from_db()
    assert (page.nav_order, page.version) == ("7", 2)


def test_list_save_without_the_loaded_value_is_refused(admin_client, tree):
    """A list form that does not send the loaded nav_order (an old page) asks for a reload, saving nothing."""
    data = {**list_rows_as_loaded(admin_client, "Guide"), "form-0-nav_order": "5", "_save": "Save"}
    del data["initial-form-0-nav_order"]
    response = admin_client.post(CHANGELIST + "?q=Guide", data)
    assert "missing the loaded nav_order; reload it" in response.content.decode()
    tree["guide"].refresh_from_db()
    assert tree["guide"].nav_order == "2"


def test_publish_and_unpublish_actions(admin_client, tree):
    """The publish action publishes drafts; unpublish makes pages drafts again; both save revisions."""
    deep = tree["deep"]
    admin_client.post(CHANGELIST, {"action": "publish_pages", "_selected_action": [deep.pk]})
    deep.refresh_from_db()
    assert deep.published and deep.version == 2
    admin_client.post(CHANGELIST, {"action": "unpublish_pages", "_selected_action": [deep.pk]})
    deep.refresh_from_db()
    assert not deep.published and deep.version == 3
    assert Version.objects.get_for_object(deep).first().revision.get_comment() == "Unpublished."


def test_publish_actions_need_the_publish_permission(client, tree):
    """An editor without pages.publish_page neither sees nor can run the publish actions."""
    client.force_login(make_editor())
    response = client.get(CHANGELIST)
    actions = [value for value, _ in response.context["action_form"].fields["action"].choices]
    assert "publish_pages" not in actions and "unpublish_pages" not in actions
    assert "export_markdown" in actions
    client.post(CHANGELIST, {"action": "publish_pages", "_selected_action": [tree["deep"].pk]})
    tree["deep"].refresh_from_db()
    assert tree["deep"].published is False


def test_publisher_sees_publish_actions(client, tree):
    """A user with pages.publish_page gets the publish and unpublish actions."""
    client.force_login(make_editor("pub", can_publish=True))
    actions = [v for v, _ in client.get(CHANGELIST).context["action_form"].fields["action"].choices]
    assert {"publish_pages", "unpublish_pages"} <= set(actions)


def test_add_page_renders_once_and_fills_the_url_from_the_title(admin_client, admin_user, tree):
    """A new page gets its URL from parent + title, rendered HTML, sections, version 1 and a revision."""
    before = content_version()
    data = form_data(
        title="Hello World", parent=tree["guide"].pk, body="# Hi\n\nSome *text*.", status="published"
    )
    with committed():
        response = admin_client.post(ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    page = Page.objects.get(title="Hello World")
    assert page.url_path == "/guide/hello-world/"
    assert "<em>text</em>" in page.body_html
    assert (page.version, page.updated_by, page.published) == (1, admin_user, True)
    assert content_version() > before
    version = Version.objects.get_for_object(page).get()
    assert version.revision.user == admin_user and version.field_dict["body"] == page.body


def test_changing_the_url_keeps_the_old_one_as_a_redirect(admin_client, tree):
    """Moving a page makes its old URL a redirect and increments its version."""
    page = tree["soon"]
    response = admin_client.post(change_url(page), form_data(page, url_path="/later/"))
    assert response.status_code == 302
    page.refresh_from_db()
    assert (page.url_path, page.version) == ("/later/", 2)
    assert Redirect.objects.get(old_path="/soon/").page == page


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("//guide/x/", "names another site"),
        ("/guide/a:b/", "contains ':'"),
        ("/guide/../x/", "contains '..'"),
        ("/guide/", "already used by the page “Guide”"),
    ],
)
def test_url_is_validated_with_a_clear_message(admin_client, tree, url, message):
    """A bad or taken URL is refused on the URL field with a message saying why."""
    response = admin_client.post(ADD, form_data(title="New", url_path=url))
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors["url_path"])
    assert not Page.objects.filter(title="New").exists()


def test_url_without_its_leading_slash_is_read_as_the_import_reads_a_permalink(admin_client, tree):
    """“guide/x/” is saved as /guide/x/, as Jekyll reads such a permalink; surrounding spaces are dropped."""
    response = admin_client.post(ADD, form_data(title="New", url_path="  guide/x/ "))
    assert response.status_code == 302
    assert Page.objects.get(title="New").url_path == "/guide/x/"


def test_yaml_error_names_the_line_and_keeps_the_rest_of_the_form(admin_client, tree):
    """Broken YAML is reported on its field with the line; the title and body typed stay in the form."""
    data = form_data(title="Kept title", body="Kept body text", extra_front_matter="layout: page\nbad: [1\n")
    response = admin_client.post(ADD, data)
    errors = response.context["adminform"].form.errors["extra_front_matter"]
    assert re.search(r"Line \d+: ", errors[0])
    html = response.content.decode()
    assert 'value="Kept title"' in html and "Kept body text" in html and "bad: [1" in html


def test_yaml_keys_with_their_own_field_are_refused(admin_client, tree):
    """A `title:` in the extra front matter is refused, pointing at the Title field and its line."""
    data = form_data(title="New", extra_front_matter="layout: page\ntitle: Other\n")
    response = admin_client.post(ADD, data)
    errors = response.context["adminform"].form.errors["extra_front_matter"]
    assert errors == ["Line 2: “title” has its own field above (Title); set it there and remove it here."]


def test_extra_front_matter_is_shown_in_written_order_and_merged(admin_client, tree):
    """The YAML box lists the other keys as written; saving it replaces them and keeps the model keys."""
    page = tree["soon"]
    page.front_matter = {"title": "Soon", "tags": ["a"], "layout": "default"}
    page.front_matter_raw = "title: Soon\ntags: [a]\nlayout: default\n"
    page.save()
    response = admin_client.get(change_url(page))
    assert response.context["adminform"].form["extra_front_matter"].initial == "tags:\n- a\nlayout: default\n"
    admin_client.post(change_url(page), form_data(page, extra_front_matter="layout: wide\nauthor: Ann\n"))
    page.refresh_from_db()
    # Compared as a mapping: PostgreSQL's jsonb does not keep key order (the raw text does).
    assert page.front_matter == {"title": "Soon", "layout": "wide", "author": "Ann"}


IMPORTED = (
    "---\n"
    "# Install guide front matter\n"
    "layout: default   # the theme's layout\n"
    'title: "Install"\n'
    "tags: [setup, pip]\n"
    "nav_order: 2\n"
    "author: 'Ann'  # who answers questions\n"
    "---\n"
    "Run pip install.\n"
)


@pytest.fixture
def imported(tmp_path):
    """A page imported from a file whose front matter has comments, quotes and keys without a field."""
    source = write_site(tmp_path / "site", {"docs/install.md": IMPORTED})
    report = run_import(source)
    assert report.created == ["docs/install.md"]
    return Page.objects.get(source_path="docs/install.md")


def test_yaml_box_edits_reach_the_exported_file_and_nothing_else(admin_client, imported):
    """Changing, adding and removing keys in the YAML box changes exactly those lines of the exported file."""
    box = admin_client.get(change_url(imported)).context["adminform"].form["extra_front_matter"].initial
    assert box == "layout: default\ntags:\n- setup\n- pip\nauthor: Ann\n"
    edited_box = "layout: wide\ntags:\n- setup\n- pip\nsidebar: false\n"
    response = admin_client.post(change_url(imported), form_data(imported, extra_front_matter=edited_box))
    assert response.status_code == 302
    imported.refresh_from_db()
    expected = (
        IMPORTED.replace("layout: default   #", "layout: wide   #")
        .replace("author: 'Ann'  # who answers questions\n", "")
        .replace("nav_order: 2\n", "nav_order: 2\nsidebar: false\n")
    )
    assert page_file_text(imported) == expected
    assert imported.front_matter == {
        "title": "Install",
        "layout": "wide",
        "tags": ["setup", "pip"],
        "nav_order": 2,
        "sidebar": False,
    }


def test_yaml_box_edit_changes_the_content_hash_so_a_changed_file_conflicts(admin_client, imported, tmp_path):
    """An edit made only in the YAML box counts as an admin edit: the file changed on the same line
    is a conflict (on another line, the two edits would be merged)."""
    synced = imported.synced_content_hash
    assert content_hash(imported) == synced
    admin_client.post(change_url(imported), form_data(imported, extra_front_matter="layout: wide\n"))
    imported.refresh_from_db()
    assert content_hash(imported) != synced
    (tmp_path / "site" / "docs" / "install.md").write_text(
        IMPORTED.replace("layout: default", "layout: slim")
    )
    report = run_import(tmp_path / "site")
    assert report.conflicts == ["docs/install.md"]
    imported.refresh_from_db()
    assert imported.front_matter["layout"] == "wide"


def test_yaml_box_edit_exports_and_reimports_unchanged(admin_client, imported, tmp_path):
    """After a YAML box edit, exporting then importing the exported folder reports the page unchanged."""
    admin_client.post(change_url(imported), form_data(imported, extra_front_matter="layout: wide\n"))
    out = tmp_path / "out"
    export_pages(out)
    assert "layout: wide   # the theme's layout\n" in (out / "docs/install.md").read_text()
    report = run_import(out)
    assert report.unchanged == ["docs/install.md"]
    assert (report.updated, report.conflicts) == ([], [])
    imported.refresh_from_db()
    assert imported.front_matter["layout"] == "wide" and "tags" not in imported.front_matter


def test_site_link_is_view_on_site_for_published_and_preview_for_drafts(admin_client, tree):
    """A live page links to its URL; a draft links to the staff preview /_preview/<pk>/."""
    live = admin_client.get(change_url(tree["guide"])).content.decode()
    assert 'href="/guide/"' in live and "View on site" in live
    draft = admin_client.get(change_url(tree["deep"])).content.decode()
    assert f'href="/_preview/{tree["deep"].pk}/"' in draft and "Preview draft" in draft


def test_edit_form_has_no_inline_script_and_loads_the_editor_script(admin_client, tree):
    """The form works under a CSP without 'unsafe-inline': every script is a file (or JSON data)."""
    html = admin_client.get(change_url(tree["guide"])).content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert scripts
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert "quire/admin/editor.js" in html


def test_editor_uses_the_preview_and_hardened_upload_endpoints(admin_client, tree):
    """The markdown editor previews and uploads (drag and drop) through the markdownx endpoints."""
    html = admin_client.get(change_url(tree["guide"])).content.decode()
    assert f'data-upload-url="{reverse("markdownx_upload")}"' in html
    assert f'data-preview-url="{reverse("markdownx_markdownify")}"' in html
    assert f'data-images-url="{reverse("quire_image_library")}"' in html


# No lost updates.


def test_import_between_get_and_post_is_a_conflict_that_keeps_the_editors_text(admin_client, tree):
    """An import that changed the page while the form was open blocks the save and shows the diff."""
    page = tree["install"]
    form = admin_client.get(change_url(page)).context["adminform"].form
    assert form["base_version"].value() == page.version
    # What `import_pages` does to the row meanwhile: a new body and version + 1.
    Page.objects.filter(pk=page.pk).update(
        body="Run uv pip install.", version=page.version + 1, updated_by=None
    )
    response = admin_client.post(change_url(page), form_data(page, body="My careful rewrite."))
    assert response.status_code == 200
    page.refresh_from_db()
    assert page.body == "Run uv pip install."
    html = response.content.decode()
    assert "changed by an import or another process" in html
    assert "My careful rewrite." in html  # the editor's text stays in the form
    assert '<span class="visually-hidden">Removed: </span><del>Run uv pip install</del>.' in html
    assert '<span class="visually-hidden">Added: </span><ins>My careful rewrite</ins>.' in html
    assert response.context["adminform"].form["base_version"].value() == str(page.version)


def test_import_conflict_shows_what_the_import_changed(admin_client, tmp_path):
    """An editor saving over a page an import changed sees the import's changes as a diff."""
    site = write_site(tmp_path / "site", {"docs/install.md": IMPORTED})
    run_import(site)
    page = Page.objects.get(source_path="docs/install.md")
    assert admin_client.get(change_url(page)).status_code == 200
    changed = IMPORTED.replace("Run pip install.", "Run uv pip install.").replace(
        "layout: default", "layout: wide"
    )
    write_site(site, {"docs/install.md": changed})
    assert run_import(site).updated == ["docs/install.md"]
    response = admin_client.post(change_url(page), form_data(page, body="My careful rewrite.\n"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"This page was changed by import of {site} at" in html
    their_changes = response.context["adminform"].form.conflict.their_changes
    assert [(line.kind, line.text) for line in their_changes.body if line.kind != "hunk"] == [
        ("del", "-Run pip install."),
        ("add", "+Run uv pip install."),
    ]
    assert "front_matter_raw" in {change.name for change in their_changes.fields}
    assert "Run<ins> uv</ins> pip install." in html
    page.refresh_from_db()
    assert page.body == "Run uv pip install.\n"


def test_saving_again_after_a_conflict_keeps_the_editors_version(admin_client, tree):
    """After seeing the conflict, saving the form again (now at the new version) stores the editor's text."""
    page = tree["install"]
    Page.objects.filter(pk=page.pk).update(body="Theirs", version=page.version + 1)
    first = admin_client.post(change_url(page), form_data(page, body="Mine"))
    new_version = first.context["adminform"].form["base_version"].value()
    second = admin_client.post(change_url(page), form_data(page, body="Mine", base_version=new_version))
    assert second.status_code == 302
    page.refresh_from_db()
    assert (page.body, page.version) == ("Mine", int(new_version) + 1)


def test_two_editors_second_save_sees_what_the_first_changed(client, admin_client, admin_user, tree):
    """When two staff edit one page, the second sees the first editor's name and their changes."""
    page = tree["install"]
    other = User.objects.create_superuser("ann", password="pw")
    client.force_login(other)
    assert client.post(change_url(page), form_data(page, body="Ann's version.")).status_code == 302
    response = admin_client.post(change_url(page), form_data(page, body="Admin's version."))
    html = response.content.decode()
    assert "changed by ann" in html
    assert "What they changed" in html
    assert "<ins>Ann&#x27;s version.</ins>" in html and "<del>Run pip install.</del>" in html
    page.refresh_from_db()
    assert page.body == "Ann's version."


# Permissions.


def test_editor_creates_drafts_only(client, tree):
    """An editor can add a page; it is a draft even when the POST asks for published."""
    client.force_login(make_editor())
    response = client.post(ADD, form_data(title="Draft by editor", status="published"))
    assert response.status_code == 302
    assert Page.objects.get(title="Draft by editor").published is False


def test_editor_edits_drafts_directly_and_live_pages_as_changes_awaiting_publication(client, tree):
    """An editor's change to a draft is saved; to a live page it becomes a PageDraft readers don't see."""
    client.force_login(make_editor())
    draft = tree["deep"]
    assert client.post(change_url(draft), form_data(draft, body="edited")).status_code == 302
    draft.refresh_from_db()
    assert draft.body == "edited" and draft.published is False
    live = tree["guide"]
    version = live.version
    response = client.post(change_url(live), form_data(live, body="A typo fixed.", title="Guide!"))
    assert response.status_code == 302
    live.refresh_from_db()
    assert (live.body, live.title, live.version) == ("", "Guide", version)
    pending = PageDraft.objects.get(page=live)
    assert (pending.data["body"], pending.data["title"]) == ("A typo fixed.", "Guide!")
    assert pending.author.username == "editor"
    assert "Guide!" not in client.get("/guide/").content.decode()


def test_editor_reopening_a_live_page_continues_the_pending_changes(client, tree):
    """The editor's form starts from the changes awaiting publication, with a note saying so."""
    client.force_login(make_editor())
    live = tree["guide"]
    client.post(change_url(live), form_data(live, body="First pass."))
    response = client.get(change_url(live))
    assert response.context["adminform"].form["body"].value() == "First pass."
    html = response.content.decode()
    assert "Changes awaiting publication" in html and 'name="_save"' in html
    loaded = response.context["adminform"].form["draft_version"].value()
    client.post(change_url(live), form_data(live, body="Second pass.", draft_version=loaded))
    assert PageDraft.objects.get(page=live).data["body"] == "Second pass."


def test_publisher_publishes_or_rejects_changes_awaiting_publication(client, admin_client, tree):
    """The review screen shows the diff; Publish makes it live with a revision, Reject drops it."""
    client.force_login(make_editor())
    live = tree["install"]
    client.post(change_url(live), form_data(live, body="Run uv pip install."))
    assert rows(admin_client.get(CHANGELIST, {"status": "awaiting"})) == ["Install"]
    review = reverse("admin:pages_page_draft", args=[live.pk])
    html = admin_client.get(review).content.decode()
    assert "Run<ins> uv</ins> pip install." in html and "Publish these changes" in html
    assert client.post(review, {"action": "publish"}).status_code == 403  # the editor cannot publish
    assert admin_client.post(review, {"action": "publish"}).status_code == 302
    live.refresh_from_db()
    assert live.body == "Run uv pip install." and not PageDraft.objects.filter(page=live).exists()
    assert "Run uv pip install." in admin_client.get("/guide/install/").content.decode()
    assert page_versions(live.pk).first().revision.get_comment() == "Published the changes drafted by editor."
    client.post(change_url(live), form_data(live, body="Unwanted."))
    assert admin_client.post(review, {"action": "reject"}).status_code == 302
    live.refresh_from_db()
    assert live.body == "Run uv pip install." and not PageDraft.objects.exists()


def test_editor_cannot_publish_through_the_form(client, tree):
    """The status field is disabled for editors and a forged 'published' is ignored."""
    client.force_login(make_editor())
    draft = tree["deep"]
    form = client.get(change_url(draft)).context["adminform"].form
    assert form.fields["status"].disabled
    client.post(change_url(draft), form_data(draft, status="published"))
    draft.refresh_from_db()
    assert draft.published is False


def test_publisher_publishes_through_the_form(client, tree):
    """With pages.publish_page the status field publishes a draft."""
    client.force_login(make_editor("pub", can_publish=True))
    draft = tree["deep"]
    assert client.post(change_url(draft), form_data(draft, status="published")).status_code == 302
    draft.refresh_from_db()
    assert draft.published is True


def test_delete_keeps_a_revision_and_bumps_the_content_version(admin_client, tree):
    """Deleting a page from the admin records its last state (for recovery) and invalidates caches."""
    page = tree["soon"]
    before = content_version()
    with committed():
        response = admin_client.post(reverse("admin:pages_page_delete", args=[page.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Page.objects.filter(pk=page.pk).exists()
    assert content_version() > before
    assert Version.objects.get_deleted(Page).get().revision.get_comment() == "Deleted."


def test_date_filter(admin_client, tree):
    """The date filter keeps pages dated in the range (here: the future-dated one)."""
    tomorrow = timezone.now() + dt.timedelta(days=1)
    response = admin_client.get(CHANGELIST, {"date__gte": tomorrow.isoformat()})
    assert rows(response) == ["Soon"]


def test_list_query_count_does_not_grow_with_pages(admin_client, tree):
    """The list's depth, status and editor columns cost no query per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with committed():
        bump_content_version()  # both lists below are read after a change, its version shared
    with CaptureQueriesContext(connection) as few:
        admin_client.get(CHANGELIST)
    for n in range(8):
        make_page(title=f"Extra {n}", url_path=f"/guide/install/x{n}/", parent=tree["install"], record=False)
    with committed():
        bump_content_version()  # as the write path that adds pages does
    with CaptureQueriesContext(connection) as many:
        admin_client.get(CHANGELIST)
    assert len(many) == len(few)


def test_list_is_in_tree_order(admin_client, tree):
    """Children are listed right under their parent, whatever their URLs."""
    make_page(title="Zed child", url_path="/a-first/", parent=tree["soon"], record=False)
    assert rows(admin_client.get(CHANGELIST)) == ["Guide", "Install", "Deep", "Soon", "Zed child"]


# A live page's old URL (its 301) is not taken by a draft without a publisher's explicit choice.


@pytest.fixture
def moved(admin_client, tree):
    """The published Install page moved from /guide/install/ to /install/: the old URL answers 301."""
    page = tree["install"]
    assert admin_client.post(change_url(page), form_data(page, url_path="/install/")).status_code == 302
    assert Redirect.objects.filter(old_path="/guide/install/").exists()
    return page


def test_an_editors_draft_cannot_take_a_live_pages_old_url(client, moved):
    """The draft is refused on its URL field, naming the page the URL redirects to; the 301 stays."""
    client.force_login(make_editor())
    response = client.post(ADD, form_data(title="Mine", url_path="/guide/install/"))
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["url_path"])
    assert "old address of the published page “Install” (/install/)" in errors
    assert "Only someone who may publish" in errors
    assert not Page.objects.filter(title="Mine").exists()
    assert client.get("/guide/install/").status_code == 301


def test_a_publisher_takes_a_redirected_url_only_when_choosing_to(admin_client, moved, client):
    """Without ticking the choice the form explains; with it, the draft is saved and the 301 keeps
    working until the draft is published, when the URL becomes the new page's."""
    response = admin_client.post(ADD, form_data(title="Mine", url_path="/guide/install/"))
    errors = " ".join(response.context["adminform"].form.errors["url_path"])
    assert "Tick “Take this URL from its redirect”" in errors
    data = form_data(title="Mine", url_path="/guide/install/", replace_redirect="on")
    assert admin_client.post(ADD, data).status_code == 302
    mine = Page.objects.get(title="Mine")
    assert mine.published is False
    assert client.get("/guide/install/")["Location"] == "/install/"
    admin_client.post(CHANGELIST, {"action": "publish_pages", "_selected_action": [mine.pk]})
    assert not Redirect.objects.filter(old_path="/guide/install/").exists()
    assert client.get("/guide/install/").status_code == 200


def test_saving_a_draft_never_removes_another_pages_redirect(moved, client):
    """The rule holds below the form too: a draft saved at a redirected URL leaves the 301 in place."""
    draft = make_page(title="Quiet", url_path="/guide/install/", published=False)
    assert Redirect.objects.get(old_path="/guide/install/").page == moved
    assert client.get("/guide/install/").status_code == 301
    draft.published = True
    save_page(draft)
    assert not Redirect.objects.filter(old_path="/guide/install/").exists()


def test_two_editors_continuing_one_draft_do_not_overwrite_each_other(client, tree):
    """The second editor saving the same changes awaiting publication is stopped and shown the first's."""
    from django.test import Client

    live = tree["install"]
    client.force_login(make_editor())
    other = Client()
    other.force_login(make_editor("ann"))
    loaded = client.get(change_url(live)).context["adminform"].form["draft_version"].value()
    ann_saves = other.post(change_url(live), form_data(live, body="Ann's draft.", draft_version=loaded))
    assert ann_saves.status_code == 302
    response = client.post(change_url(live), form_data(live, body="My draft.", draft_version=loaded))
    assert response.status_code == 200
    html = response.content.decode()
    assert "changes awaiting publication on this page were saved by ann" in html
    assert "<ins>Ann&#x27;s draft.</ins>" in html
    assert PageDraft.objects.get(page=live).data["body"] == "Ann's draft."
    again = response.context["adminform"].form["draft_version"].value()
    mine_again = client.post(change_url(live), form_data(live, body="My draft.", draft_version=again))
    assert mine_again.status_code == 302
    assert PageDraft.objects.get(page=live).data["body"] == "My draft."
