from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"
SEED_PAGE = SHARED / "seed" / "2024-10-27-first-page.md"
CORPUS = SHARED / "corpus"
SAMPLE_CONTENT = PROJECT_ROOT / "fixtures" / "content"
# The part of jekyll/jekyll's docs/_config.yml that decides which files are pages (not in the corpus).
JEKYLL_DOCS_CONFIG = """\
collections:
  docs:
    permalink: "/:collection/:path/"
    output: true
  posts:
    permalink: "/news/:year/:month/:day/:title/"
    output: true
  tutorials:
    output: true
"""


def corpus_site_folder(site: str, tmp_path: Path) -> Path:
    """The folder to import for a corpus site: jekyll-jekyll's docs/ gets its upstream collections
    config (in a copy; the corpus stays read-only), the others are imported in place."""
    import shutil

    if site != "jekyll-jekyll":
        return CORPUS / site
    target = tmp_path / "jekyll-docs"
    shutil.copytree(CORPUS / site / "docs", target)
    (target / "_config.yml").write_text(JEKYLL_DOCS_CONFIG)
    return target


def forget_everything_cached() -> None:
    """Empty every cache and per-process memo a test could see from the test before it."""
    from django.core.cache import caches

    from pages.site import fast_path
    from pages.site.cache_backend import forget_failures
    from pages.site.caching import forget_version_facts
    from pages.site.nav_cache import forget_local_navigation
    from pages.store import site_state
    from pages.store.site_settings import forget_local_site

    for cache in caches.all():
        cache.clear()
    forget_failures()
    forget_local_navigation()
    forget_version_facts()
    forget_local_site()
    fast_path.forget()
    site_state.forget_database_failures()


@pytest.fixture(autouse=True)
def empty_caches():
    """The one cache-clearing fixture: every test starts, and leaves, with empty caches (rolled-back
    tests reuse content version numbers, so a cached page of "version 3" could be another test's)."""
    forget_everything_cached()
    yield
    forget_everything_cached()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path_factory):
    """Stored files (site files, uploads) go to a scratch folder, never into the checkout."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture
def seed_dir(tmp_path):
    """A folder holding only the product's sample page (skipped when ../shared is absent)."""
    if not SEED_PAGE.exists():
        pytest.skip("../shared/seed is not present beside this checkout")
    target = tmp_path / "seed"
    target.mkdir()
    (target / SEED_PAGE.name).write_bytes(SEED_PAGE.read_bytes())
    return target


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    import os

    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium package)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls in tests are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, live_server):
    """A fresh browser tab in its own context; `browser_page.base_url` is the live server."""
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()
