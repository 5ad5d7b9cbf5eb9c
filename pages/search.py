"""Full-text search over page sections, in the database's own engine.

SQLite: an FTS5 table (`pages_section_fts`) kept in step with `pages_pagesection` by triggers.
PostgreSQL: a weighted `tsvector` column on `pages_pagesection` kept by a trigger, with a GIN index.

Triggers (not Python signals) keep the index: every way of writing sections — `save()`,
`bulk_create`, raw SQL, a page's title change — updates it in the same transaction, and a query is
always an index lookup, never a scan. The migration `0002_public_site_search_index` installs them.

Ranking favours matches in a section's heading, then in its page's title, then in its text; a hit
links to the section's heading anchor, with a highlighted snippet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.html import escape

MAX_TERMS = 10
PER_PAGE_LIMIT = 3
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
_TERM_RE = re.compile(r"\w+", re.UNICODE)

# -- schema (installed by the migration; kept here so tests and docs can name it) --------------------

SQLITE_INSTALL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS pages_section_fts USING fts5("
    "title, heading, text, tokenize = 'porter unicode61 remove_diacritics 2')",
    # Column weights for FTS5's bm25 rank: title, heading, text.
    "INSERT INTO pages_section_fts(pages_section_fts, rank) VALUES('rank', 'bm25(4.0, 8.0, 1.0)')",
    """CREATE TRIGGER IF NOT EXISTS pages_section_fts_insert AFTER INSERT ON pages_pagesection BEGIN
         INSERT INTO pages_section_fts(rowid, title, heading, text)
         SELECT new.id, p.title, new.heading, new.text FROM pages_page p WHERE p.id = new.page_id;
       END""",
    """CREATE TRIGGER IF NOT EXISTS pages_section_fts_delete AFTER DELETE ON pages_pagesection BEGIN
         DELETE FROM pages_section_fts WHERE rowid = old.id;
       END""",
    """CREATE TRIGGER IF NOT EXISTS pages_section_fts_update AFTER UPDATE ON pages_pagesection BEGIN
         DELETE FROM pages_section_fts WHERE rowid = old.id;
         INSERT INTO pages_section_fts(rowid, title, heading, text)
         SELECT new.id, p.title, new.heading, new.text FROM pages_page p WHERE p.id = new.page_id;
       END""",
    """CREATE TRIGGER IF NOT EXISTS pages_section_fts_title AFTER UPDATE OF title ON pages_page
       WHEN old.title IS NOT new.title BEGIN
         UPDATE pages_section_fts SET title = new.title
         WHERE rowid IN (SELECT id FROM pages_pagesection WHERE page_id = new.id);
       END""",
    "DELETE FROM pages_section_fts",
    """INSERT INTO pages_section_fts(rowid, title, heading, text)
       SELECT s.id, p.title, s.heading, s.text
       FROM pages_pagesection s JOIN pages_page p ON p.id = s.page_id""",
]
SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS pages_section_fts_insert",
    "DROP TRIGGER IF EXISTS pages_section_fts_delete",
    "DROP TRIGGER IF EXISTS pages_section_fts_update",
    "DROP TRIGGER IF EXISTS pages_section_fts_title",
    "DROP TABLE IF EXISTS pages_section_fts",
]

POSTGRES_INSTALL = [
    "ALTER TABLE pages_pagesection ADD COLUMN IF NOT EXISTS search_document tsvector",
    """CREATE OR REPLACE FUNCTION pages_section_search_document() RETURNS trigger AS $$
       BEGIN
         NEW.search_document :=
           setweight(to_tsvector('english', coalesce(NEW.heading, '')), 'A') ||
           setweight(to_tsvector('english', coalesce(
             (SELECT title FROM pages_page WHERE id = NEW.page_id), '')), 'B') ||
           setweight(to_tsvector('english', coalesce(NEW.text, '')), 'D');
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS pages_section_search_document ON pages_pagesection",
    """CREATE TRIGGER pages_section_search_document BEFORE INSERT OR UPDATE ON pages_pagesection
       FOR EACH ROW EXECUTE FUNCTION pages_section_search_document()""",
    """CREATE OR REPLACE FUNCTION pages_page_title_search() RETURNS trigger AS $$
       BEGIN
         UPDATE pages_pagesection SET heading = heading WHERE page_id = NEW.id;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS pages_page_title_search ON pages_page",
    """CREATE TRIGGER pages_page_title_search AFTER UPDATE OF title ON pages_page
       FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title)
       EXECUTE FUNCTION pages_page_title_search()""",
    "CREATE INDEX IF NOT EXISTS pages_pagesection_search_gin "
    "ON pages_pagesection USING GIN (search_document)",
    "UPDATE pages_pagesection SET heading = heading",
]
POSTGRES_UNINSTALL = [
    "DROP TRIGGER IF EXISTS pages_page_title_search ON pages_page",
    "DROP TRIGGER IF EXISTS pages_section_search_document ON pages_pagesection",
    "DROP FUNCTION IF EXISTS pages_page_title_search()",
    "DROP FUNCTION IF EXISTS pages_section_search_document()",
    "DROP INDEX IF EXISTS pages_pagesection_search_gin",
    "ALTER TABLE pages_pagesection DROP COLUMN IF EXISTS search_document",
]


def install_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_INSTALL, "postgresql": POSTGRES_INSTALL}.get(vendor, [])


def uninstall_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_UNINSTALL, "postgresql": POSTGRES_UNINSTALL}.get(vendor, [])


# -- queries --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    """One matching section: where it links to, and its highlighted heading and snippet (safe HTML)."""

    page_title: str
    url: str
    heading_html: str
    snippet_html: str
    level: int


def query_terms(text: str) -> list[str]:
    """The words of a reader's query (anything else is dropped, so no query syntax leaks through)."""
    return _TERM_RE.findall(text.lower())[:MAX_TERMS]


def fts5_query(terms: list[str]) -> str:
    """All terms, each quoted; the last one also as a prefix, for results while typing."""
    quoted = [f'"{term}"' for term in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


def tsquery(terms: list[str]) -> str:
    """The same for PostgreSQL's to_tsquery: terms ANDed, the last a prefix."""
    return " & ".join(terms) + ":*"


def marked_to_html(text: str) -> str:
    """Escape engine output and turn its match markers into <mark> elements."""
    return escape(text).replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


_SQLITE_SEARCH = """
SELECT p.title, p.url_path, s.anchor, s.level, s.page_id,
       highlight(pages_section_fts, 1, %s, %s),
       snippet(pages_section_fts, 2, %s, %s, '…', 24)
FROM pages_section_fts
JOIN pages_pagesection s ON s.id = pages_section_fts.rowid
JOIN pages_page p ON p.id = s.page_id
WHERE pages_section_fts MATCH %s
  AND p.published AND NOT p.search_exclude AND (p.date IS NULL OR p.date <= %s)
ORDER BY pages_section_fts.rank
LIMIT %s
"""

_POSTGRES_SEARCH = """
SELECT title, url_path, anchor, level, page_id,
       ts_headline('english', heading, query, %s),
       ts_headline('english', text, query, %s)
FROM (
  SELECT p.title, p.url_path, s.anchor, s.level, s.page_id, s.heading, s.text, q.query,
         ts_rank(s.search_document, q.query) AS score
  FROM pages_pagesection s
  JOIN pages_page p ON p.id = s.page_id
  CROSS JOIN (SELECT to_tsquery('english', %s) AS query) q
  WHERE s.search_document @@ q.query
    AND p.published AND NOT p.search_exclude AND (p.date IS NULL OR p.date <= %s)
  ORDER BY score DESC, s.id
  LIMIT %s
) hits
ORDER BY score DESC
"""
_HEADLINE_ALL = f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, HighlightAll=true"
_HEADLINE_SNIPPET = f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords=30, MinWords=12, MaxFragments=1"


def _rows(terms: list[str], fetch: int) -> list[tuple]:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            params = [MARK_OPEN, MARK_CLOSE, MARK_OPEN, MARK_CLOSE, fts5_query(terms), now, fetch]
            cursor.execute(_SQLITE_SEARCH, params)
        elif connection.vendor == "postgresql":
            cursor.execute(_POSTGRES_SEARCH, [_HEADLINE_ALL, _HEADLINE_SNIPPET, tsquery(terms), now, fetch])
        else:
            message = f"Quire's search supports SQLite and PostgreSQL, not {connection.vendor}"
            raise NotImplementedError(message)
        return cursor.fetchall()


def search(text: str, limit: int = 20) -> list[SearchHit]:
    """Public sections matching every word of `text`, best first, at most 3 per page."""
    terms = query_terms(text)
    if not terms:
        return []
    hits: list[SearchHit] = []
    per_page: dict[int, int] = {}
    for title, url_path, anchor, level, page_id, heading, snippet in _rows(terms, limit * PER_PAGE_LIMIT):
        if per_page.get(page_id, 0) >= PER_PAGE_LIMIT:
            continue
        per_page[page_id] = per_page.get(page_id, 0) + 1
        hits.append(
            SearchHit(
                page_title=title,
                url=f"{url_path}#{anchor}" if anchor else url_path,
                heading_html=marked_to_html(heading or ""),
                snippet_html=marked_to_html(snippet or ""),
                level=level,
            )
        )
        if len(hits) == limit:
            break
    return hits
