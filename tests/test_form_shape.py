"""Form saves keep the file's shape: line endings, blank lines, honest revision comments, grand_parent,
and imports credited to "import"."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from pages.editing.admin_forms import extra_front_matter_text
from pages.models import Page
from pages.store.revisions import page_versions
from pages.sync.exporting import export_pages
from tests.sync_helpers import page, run_import, write_site
from tests.test_admin import change_url

pytestmark = pytest.mark.django_db

TABLES = "---\ntitle: Tables\nnav_order: 2\nlayout: default\n---\n\n# Tables\n{: .no_toc }\n\nSome text.\n\n"


def browser_post(page_obj: Page, **overrides) -> dict:
    """The form as a browser sends it: every textarea with CRLF line endings."""
    data = {
        "title": page_obj.title,
        "url_path": page_obj.url_path,
        "parent": page_obj.parent_id or "",
        "nav_order": page_obj.nav_order,
        "date_0": "",
        "date_1": "",
        "status": "published" if page_obj.published else "draft",
        "base_version": page_obj.version,
        "body": page_obj.body,
        "description": page_obj.description,
        "extra_front_matter": extra_front_matter_text(page_obj.front_matter, page_obj.front_matter_raw),
        "has_toc": "on" if page_obj.has_toc else "",
    }
    data.update(overrides)
    return {k: v.replace("\n", "\r\n") if isinstance(v, str) else v for k, v in data.items()}


@pytest.fixture
def tables(tmp_path):
    root = write_site(tmp_path / "site", {"docs/tables.md": TABLES})
    run_import(root)
    return root


def test_title_only_save_from_a_browser_changes_only_the_title_line(admin_client, tables):
    tables_page = page("docs/tables.md")
    response = admin_client.post(change_url(tables_page), browser_post(tables_page, title="Data tables"))
    assert response.status_code == 302
    saved = page("docs/tables.md")
    assert saved.body == TABLES.split("---\n", 2)[2]  # the blank lines before and after are kept
    assert "\r" not in saved.body
    assert page_versions(saved.pk).first().revision.comment == "Changed title."
    export_pages(tables)
    assert (tables / "docs/tables.md").read_text() == TABLES.replace("title: Tables", "title: Data tables")


def test_crlf_body_is_stored_with_lf_and_renders_attribute_lists(admin_client, tables):
    tables_page = page("docs/tables.md")
    body = tables_page.body + "More text.\n"
    response = admin_client.post(change_url(tables_page), browser_post(tables_page, body=body))
    assert response.status_code == 302
    saved = page("docs/tables.md")
    assert saved.body == body
    assert "{: .no_toc }" not in saved.body_html and "no_toc" in saved.body_html
    assert page_versions(saved.pk).first().revision.comment == "Changed body."


def test_crlf_file_keeps_crlf_after_a_browser_save(admin_client, tmp_path):
    root = write_site(tmp_path / "site", {"a.md": TABLES.replace("\n", "\r\n")})
    run_import(root)
    a = page("a.md")
    response = admin_client.post(change_url(a), browser_post(a, body=a.body.replace("Some", "Some more")))
    assert response.status_code == 302
    export_pages(root)
    assert (root / "a.md").read_bytes() == TABLES.replace("\n", "\r\n").replace("Some", "Some more").encode()


def test_unchanged_save_says_no_fields_changed(admin_client, tables):
    tables_page = page("docs/tables.md")
    admin_client.post(change_url(tables_page), browser_post(tables_page))
    assert page_versions(tables_page.pk).first().revision.comment == "No fields changed."
    export_pages(tables)
    assert (tables / "docs/tables.md").read_text() == TABLES


def test_a_parent_with_an_ambiguous_title_is_written_with_grand_parent(admin_client, tmp_path):
    root = write_site(
        tmp_path / "site",
        {
            "guide.md": "---\ntitle: Guide\n---\n",
            "reference.md": "---\ntitle: Reference\n---\n",
            "guide/setup.md": "---\ntitle: Setup\nparent: Guide\n---\n",
            "reference/setup.md": "---\ntitle: Setup\nparent: Reference\n---\n",
            "tips.md": "---\ntitle: Tips\n---\nTips.\n",
        },
    )
    run_import(root)
    tips = page("tips.md")
    target = page("reference/setup.md")
    admin_client.post(change_url(tips), browser_post(tips, parent=target.pk))
    export_pages(root)
    text = (root / "tips.md").read_text()
    assert text == "---\ntitle: Tips\nparent: Setup\ngrand_parent: Reference\n---\nTips.\n"
    report = run_import(root)
    assert not any("ambiguous" in w for ws in report.warnings.values() for w in ws)
    assert page("tips.md").parent_id == target.pk


def test_imports_stamp_updated_at_and_import_as_author(admin_client, tables):
    ann = User.objects.create_user("ann", password="pw")
    tables_page = page("docs/tables.md")
    tables_page.updated_by = ann
    tables_page.save()
    before = tables_page.updated_at
    (tables / "docs/tables.md").write_text(TABLES.replace("Some text.", "Other text."))
    run_import(tables)
    imported = page("docs/tables.md")
    assert imported.updated_by is None and imported.updated_at > before
    listing = admin_client.get("/admin/pages/page/").content.decode()
    assert "by import" in listing
