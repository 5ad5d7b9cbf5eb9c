"""Full-text search over sections, on whichever database runs the tests (SQLite FTS5 or PostgreSQL)."""

import datetime as dt
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from pages.models import Page, PageSection
from pages.store import search

pytestmark = pytest.mark.django_db


def make(title, url_path, sections, **fields):
    """A page with its sections, written the way `page_derivation.save_sections` writes them (bulk insert)."""
    page = Page.objects.create(title=title, url_path=url_path, **fields)
    PageSection.objects.bulk_create(
        PageSection(page=page, position=i, anchor=anchor, heading=head, level=2 if anchor else 1, text=body)
        for i, (anchor, head, body) in enumerate(sections)
    )
    return page


@pytest.fixture
def site():
    make("Deployment", "/deployment/", [
        ("", "", "Run Quire in production."),
        ("gunicorn", "Running gunicorn", "Start two workers behind a proxy. Workers share the cache."),
        ("static", "Static files", "WhiteNoise serves compressed files with far-future headers."),
    ])  # fmt: skip
    make("Caching", "/caching/", [
        ("", "", "Quire caches whole pages."),
        ("redis", "Redis", "Point REDIS_URL at your server so that every gunicorn worker shares one cache."),
    ])  # fmt: skip
    make("Glossary", "/glossary/", [("terms", "Terms", "A worker is a process; gunicorn runs several.")])


def urls(hits):
    return [hit.url for hit in hits]


def test_hits_are_sections_linking_to_their_heading_anchor(site):
    """A match inside a section links to that section's heading anchor."""
    hits = search.search("whitenoise")
    assert urls(hits) == ["/deployment/#static"]
    assert hits[0].page_title == "Deployment"
    assert hits[0].heading_html == "Static files"


def test_text_before_the_first_heading_links_to_the_page(site):
    """The section before any heading links to the page itself."""
    assert urls(search.search("production")) == ["/deployment/"]


def test_heading_and_title_matches_rank_above_text_matches(site):
    """A heading match ranks first, then a title match, then matches in the text only."""
    hits = urls(search.search("gunicorn"))
    assert hits[0] == "/deployment/#gunicorn"
    assert set(hits[1:]) == {"/caching/#redis", "/glossary/#terms"}
    caching = urls(search.search("caching"))
    assert caching[0].startswith("/caching/")


def test_every_word_must_match_and_the_last_is_a_prefix(site):
    """All words must appear; the last one matches as a prefix (results while typing)."""
    assert urls(search.search("redis serv")) == ["/caching/#redis"]
    assert urls(search.search("redis whitenoise")) == []
    assert urls(search.search("depl"))[0].startswith("/deployment/")


def test_short_last_words_are_whole_words_not_prefixes(site):
    """A last word under three letters must match whole (no one- or two-letter prefix scans)."""
    assert search.fts5_query(["redis", "se"]) == '"redis" "se"'
    assert search.fts5_query(["redis", "ser"]) == '"redis" "ser"*'
    assert search.tsquery(["redis", "se"]) == "redis & se"
    assert search.tsquery(["redis", "ser"], "AB") == "redis:AB & ser:*AB"
    assert search.highlight("Go to the server", ["go", "ser"]) == "<mark>Go</mark> to the <mark>server</mark>"
    assert search.highlight("Gone", ["go"]) == "Gone"
    assert urls(search.search("redis se")) == []
    assert urls(search.search("redis ser")) == ["/caching/#redis"]


def test_stemming_finds_other_forms_of_a_word(site):
    """'worker' finds 'workers' (both engines stem English)."""
    assert "/deployment/#gunicorn" in urls(search.search("worker"))


def test_snippets_highlight_matches_and_escape_text():
    """Snippets wrap matches in <mark> and never pass the section's text through as markup."""
    make("Markup", "/markup/", [("xss", "Tags <b>", "Write <script>alert(1)</script> if a < b & c, zebra.")])
    hit = search.search("zebra")[0]
    assert "<mark>zebra</mark>" in hit.snippet_html
    assert "alert(1)" in hit.snippet_html
    assert "<script>" not in hit.snippet_html
    assert "a &lt; b &amp; c" in hit.snippet_html
    assert hit.heading_html == "Tags &lt;b&gt;"


def test_query_syntax_in_the_reader_input_is_harmless(site):
    """Quotes, operators and brackets in a query never raise; only the words count."""
    hostile = ['"gunicorn', "gunicorn AND (", "NEAR(gunicorn", "gunicorn*", "-gunicorn", "' OR 1=1", ":*&|!"]
    for query in hostile:
        search.search(query)
    assert urls(search.search('"gunicorn" (*'))[0] == "/deployment/#gunicorn"
    assert search.search("   ") == []


def test_excluded_drafts_and_future_pages_never_appear(site):
    """search_exclude pages, drafts and future-dated pages are never found."""
    make("Hidden", "/hidden/", [("", "", "quokka in excluded page")], search_exclude=True)
    make("Draft", "/draft/", [("", "", "quokka in draft")], published=False)
    make("Later", "/later/", [("", "", "quokka in the future")], date=timezone.now() + dt.timedelta(days=1))
    assert search.search("quokka") == []
    make("Public", "/public/", [("", "", "quokka in public")], date=timezone.now() - dt.timedelta(days=1))
    assert urls(search.search("quokka")) == ["/public/"]


def test_at_most_three_sections_per_page():
    """One page cannot flood the results: at most three of its sections are listed."""
    make("Llamas", "/llamas/", [(f"s{i}", f"Llama {i}", "llama facts") for i in range(6)])
    make("Farm", "/farm/", [("", "", "a llama lives here")])
    hits = urls(search.search("llama"))
    assert sum(url.startswith("/llamas/") for url in hits) == 3
    assert "/farm/" in hits


def test_index_follows_section_updates_and_deletes(site):
    """Rewriting and deleting sections (as a re-render does) updates the index at once."""
    section = PageSection.objects.get(anchor="static")
    section.text = "Served by nginx now."
    section.save()
    assert search.search("whitenoise") == []
    assert urls(search.search("nginx")) == ["/deployment/#static"]
    PageSection.objects.filter(page__url_path="/deployment/").delete()
    assert search.search("nginx") == []


def test_index_follows_a_page_title_change(site):
    """Renaming a page makes its sections findable by the new title."""
    page = Page.objects.get(url_path="/glossary/")
    page.title = "Vocabulary"
    page.save()
    assert urls(search.search("vocabulary")) == ["/glossary/#terms"]


def test_search_is_an_indexed_query():
    """The query plan uses the full-text index (FTS5 table / GIN index), not a scan of sections."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN QUERY PLAN " + search._SQLITE_CANDIDATES,
                search.sqlite_parameters(["xyz"], "2100-01-01", 10),
            )
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "VIRTUAL TABLE INDEX" in plan
        assert not re.search(r"\bSCAN (s|p)\b", plan), plan
    else:
        with connection.cursor() as cursor:
            # A test site is tiny: make the planner choose as it would on a big one (no table scans,
            # no walking the pages first).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute(
                "EXPLAIN " + search._POSTGRES_RANKED,
                search.postgres_parameters(["xyz"], "2100-01-01", 10),
            )
            plan = " ".join(row[0] for row in cursor.fetchall())
        assert "pages_pagesection_search_gin" in plan, plan
        assert "Seq Scan on pages_pagesection" not in plan, plan


def test_search_page_lists_highlighted_results(client, site):
    """/search/?q= shows section-level results with highlighted snippets."""
    html = client.get("/search/", {"q": "whitenoise"}).content.decode()
    assert 'href="/deployment/#static"' in html
    assert "<mark>WhiteNoise</mark>" in html
    assert "1 result for" in html


def test_search_page_says_when_nothing_matches(client, site):
    """A query without matches says so."""
    html = client.get("/search/", {"q": "xylophone"}).content.decode()
    assert "No results for" in html


def test_live_search_endpoint_returns_json(client, site):
    """/search.json answers the header's live search with titles, links and snippets."""
    response = client.get("/search.json", {"q": "redis"})
    data = json.loads(response.content)
    assert response["Content-Type"] == "application/json"
    assert data["results"][0]["url"] == "/caching/#redis"
    assert data["results"][0]["title"] == "Caching"
    assert "<mark>" in data["results"][0]["heading"]


def test_common_words_rank_a_bounded_candidate_set_with_headings_first(site, monkeypatch):
    """Past the candidate cap, a heading match found late still ranks above the many text matches."""
    monkeypatch.setattr(search, "CANDIDATES", 3)
    for i in range(6):
        make(f"Fruit {i}", f"/fruit-{i}/", [("", "", "a kiwi in the text")])
    make("Orchard", "/orchard/", [("kiwi", "Kiwi", "Growing them.")])
    hits = urls(search.search("kiwi"))
    assert hits[0] == "/orchard/#kiwi"


def test_ensure_search_index_restores_dropped_triggers(site):
    """If a schema change dropped the triggers, ensure_search_index reinstalls and refills the index."""
    assert search.ensure_search_index() is False
    drop = {
        "sqlite": ["DROP TRIGGER pages_section_fts_insert"],
        "postgresql": ["DROP TRIGGER pages_section_search_document ON pages_pagesection"],
    }[connection.vendor]
    with connection.cursor() as cursor:
        for statement in drop:
            cursor.execute(statement)
    make("Late", "/late/", [("", "", "written while the trigger was missing: pangolin")])
    assert search.search("pangolin") == []
    if connection.vendor == "postgresql":  # as after a migration: no deferred checks pending
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert search.ensure_search_index() is True
    assert urls(search.search("pangolin")) == ["/late/"]
    assert urls(search.search("whitenoise")) == ["/deployment/#static"]


def drop_the_insert_trigger():
    statement = {
        "sqlite": "DROP TRIGGER pages_section_fts_insert",
        "postgresql": "DROP TRIGGER pages_section_search_document ON pages_pagesection",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(statement)


def test_every_migrate_puts_dropped_triggers_back(site):
    """`migrate` (here with nothing to apply, as after any migration) ends with the index whole again:
    the pages app's post_migrate runs ensure_search_index."""
    drop_the_insert_trigger()
    make("Late", "/late/", [("", "", "written while the trigger was missing: pangolin")])
    assert search.search("pangolin") == []
    if connection.vendor == "postgresql":  # as after a migration: no deferred checks pending
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("migrate", verbosity=0, interactive=False)
    assert urls(search.search("pangolin")) == ["/late/"]
    assert search.ensure_search_index() is False


def test_no_index_is_put_back_before_its_migration_is_applied(site, monkeypatch):
    """Migrated back past the index's migration (or not yet up to it), the database has no index to keep."""
    calls = []
    monkeypatch.setattr(search, "ensure_search_index", lambda using=None: calls.append(using))
    monkeypatch.setattr(MigrationRecorder, "applied_migrations", lambda self: {})
    search.restore_search_index_after_migrate(sender=None, using="default")
    assert calls == []
    monkeypatch.undo()
    monkeypatch.setattr(search, "ensure_search_index", lambda using=None: calls.append(using))
    search.restore_search_index_after_migrate(sender=None, using="default")
    assert calls == ["default"]


def test_the_index_reinstalled_by_ensure_search_index_is_the_one_the_migrations_made():
    """`ensure_search_index` reinstalls exactly the statements the index's migration ran."""
    import importlib

    frozen = importlib.import_module("pages.migrations.0002_public_site_search_index")
    for vendor in ("sqlite", "postgresql"):
        assert search.install_statements(vendor) == frozen.INSTALL[vendor]
