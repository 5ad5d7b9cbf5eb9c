"""rerender_pages: every stored page re-rendered in batches, the content version bumped."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pages.models import Page, PageSection
from pages.store.site_state import bump_content_version, content_version


@pytest.fixture
def stale_pages(db):
    """Pages whose stored HTML was made by an older renderer (or is simply out of date)."""
    target = Page.objects.create(title="Target", url_path="/docs/target/", source_path="docs/target.md")
    pages = [
        Page.objects.create(
            title=f"P{i}",
            url_path=f"/p{i}/",
            source_path=f"docs/p{i}.md",
            body=f"## Part {i}\n\nSee [target](target.md).\n\n{{% include x.html %}}\n",
            body_html="<p>old <script>alert(1)</script></p>",
        )
        for i in range(5)
    ]
    return target, pages


@pytest.mark.django_db(transaction=True)  # each batch commits: its bump runs then
def test_every_page_is_re_rendered(stale_pages):
    """Stored HTML, toc, warnings and sections are replaced with the current renderer's output."""
    _, pages = stale_pages
    bump_content_version()  # the version's row exists (a transactional test starts without it)
    before_version = content_version()
    out = StringIO()
    call_command("rerender_pages", batch_size=2, stdout=out)
    page = Page.objects.get(pk=pages[3].pk)
    assert "<script" not in page.body_html and 'href="/docs/target/"' in page.body_html
    assert page.toc == [{"level": 2, "id": "part-3", "name": "Part 3"}]
    assert page.render_warnings == [
        "line 5: Liquid tag {% include x.html %} is not supported by Quire; removed"
    ]
    sections = list(PageSection.objects.filter(page=page).values_list("anchor", "text"))
    assert sections == [("part-3", "See target.")]
    assert content_version() == before_version + 3  # one bump per batch of 2 (6 pages)
    assert (
        out.getvalue().strip() == "Re-rendered 6 page(s): 5 changed, 5 with render warnings."
    )  # the empty target is unchanged


def test_re_rendering_keeps_edit_version_and_timestamps(stale_pages):
    """Rendering changes no one's content: the editing version and updated_at stay as they were."""
    _, pages = stale_pages
    before = Page.objects.values_list("pk", "version", "updated_at").get(pk=pages[0].pk)
    call_command("rerender_pages", stdout=StringIO())
    assert Page.objects.values_list("pk", "version", "updated_at").get(pk=pages[0].pk) == before


def test_second_run_changes_nothing(stale_pages):
    """Re-rendering up-to-date pages reports them unchanged."""
    call_command("rerender_pages", stdout=StringIO())
    out = StringIO()
    call_command("rerender_pages", stdout=out)
    assert "0 changed" in out.getvalue()


def test_progress_at_verbosity_two(stale_pages):
    """-v 2 prints progress after each batch."""
    out = StringIO()
    call_command("rerender_pages", batch_size=4, verbosity=2, stdout=out)
    assert out.getvalue().splitlines()[:2] == ["4/6 pages", "6/6 pages"]


def test_bad_batch_size_is_an_error(db):
    """A batch size below 1 is refused with a clear message."""
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        call_command("rerender_pages", batch_size=0)
