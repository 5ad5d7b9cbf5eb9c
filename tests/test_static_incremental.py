"""An incremental `build_site` after a change of any one of its inputs leaves exactly the files a full
build of the same content writes: each shortcut (fingerprints of what a file is made from) is checked
against the whole build."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from pages.models import Page, SiteConfig
from pages.site.static_site import build_site
from pages.store.site_state import bump_content_version
from tests.conftest import SAMPLE_CONTENT

pytestmark = pytest.mark.django_db(transaction=True)

SITE_URL = "https://docs.example.org"


@pytest.fixture
def site(settings, tmp_path):
    """The user guide, a sidebar window small enough for "more pages" ranges, a public template folder
    and a static folder of our own (in front of the project's), two dated pages (in the feed) and a
    page scheduled for tomorrow."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.QUIRE_NAV_WINDOW = 2
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "extra.html").write_text("one")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [templates, *settings.TEMPLATES[0]["DIRS"]]}]
    static = tmp_path / "static"
    (static / "quire").mkdir(parents=True)
    shutil.copyfile(Path(django_settings.BASE_DIR) / "static/quire/site.css", static / "quire/site.css")
    settings.STATICFILES_DIRS = [static, *settings.STATICFILES_DIRS]
    call_command("import_pages", str(SAMPLE_CONTENT), verbosity=0)
    # Dated pages, so the feed has entries (an empty feed's <updated> is the time it is written).
    yesterday, tomorrow = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    Page.objects.filter(url_path__in=["/callouts/", "/editing/"]).update(date=yesterday)
    Page.objects.create(title="Scheduled", url_path="/scheduled/", date=tomorrow, body_html="<p>s</p>")
    return tmp_path


def _files(out: Path) -> dict[str, bytes]:
    found = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    found.pop(".quire-build.json")
    return found


def _page(url: str) -> Page:
    return Page.objects.get(url_path=url)


def _body(site, settings):
    page = _page("/callouts/")
    page.body_html += "<p>One more paragraph.</p>"
    page.save()


def _body_without_a_save(site, settings):  # as a re-render writes it: no new version, no new updated_at
    Page.objects.filter(url_path="/callouts/").update(body_html="<p>Rendered again.</p>")


def _title(site, settings):
    page = _page("/editing/")
    page.title = "Editing pages"
    page.save()


def _parent(site, settings):
    page = _page("/callouts/")
    page.parent = _page("/deployment/")
    page.save()


def _nav_order(site, settings):
    page = _page("/deployment/")
    page.nav_order = "0"
    page.save()


def _new_sibling(site, settings):  # the top level grows: ranges of it change
    Page.objects.create(title="Zebra", url_path="/zebra/", nav_order="99", body_html="<p>z</p>")


def _template(site, settings):
    (site / "templates" / "extra.html").write_text("two")
    (site / "templates" / "pages").mkdir(exist_ok=True)
    base = Path(django_settings.BASE_DIR) / "templates" / "pages" / "page.html"
    text = base.read_text().replace("</article>", "<p>Changed template.</p></article>", 1)
    assert "Changed template." in text
    (site / "templates" / "pages" / "page.html").write_text(text)
    settings.TEMPLATES = [*settings.TEMPLATES]  # as a new process would: no template cached before


def _static_file(site, settings):
    with (site / "static" / "quire" / "site.css").open("a") as handle:
        handle.write("\n.changed { color: red; }\n")


def _site_name(site, settings):
    settings.QUIRE_SITE_NAME = "Other name"


def _site_config(site, settings):
    SiteConfig.objects.update_or_create(
        pk=1,
        defaults={
            "text": "title: Handbook\nfooter_content: Made by us\n",
            "data": {"title": "Handbook", "footer_content": "Made by us"},
            "has_config": True,
        },
    )
    bump_content_version()  # as the import that stores a config does


def _window(site, settings):
    settings.QUIRE_NAV_WINDOW = 3


def _scheduled_page_due(site, settings):  # no row changes: the time passes its date
    Page.objects.filter(url_path="/scheduled/").update(date=timezone.now() - timedelta(minutes=1))


CHANGES = [
    _body, _body_without_a_save, _title, _parent, _nav_order, _new_sibling, _template, _static_file,
    _site_name, _site_config, _window, _scheduled_page_due,
]  # fmt: skip


@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__.strip("_") for change in CHANGES])
@pytest.mark.parametrize("base_url", ["/", "/docs/"])
def test_an_incremental_build_after_one_change_equals_a_full_build(site, settings, change, base_url):
    out = site / "out"
    build_site(out, site_url=SITE_URL, base_url=base_url)
    before = _files(out)
    change(site, settings)
    report = build_site(out, site_url=SITE_URL, base_url=base_url, incremental=True)
    build_site(site / "full", site_url=SITE_URL, base_url=base_url)
    assert _files(out) == _files(site / "full")
    assert report.written and _files(out) != before  # the change is seen in the output
