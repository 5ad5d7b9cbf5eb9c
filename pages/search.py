"""Full-text search over page sections, in the database's own engine.

SQLite: an FTS5 table (`pages_section_fts`) kept in step with `pages_pagesection` by triggers.
PostgreSQL: a weighted `tsvector` column on `pages_pagesection` kept by a trigger, with a GIN index.

Triggers (not Python signals) keep the index: every way of writing sections — `save()`,
`bulk_create`, raw SQL, a page's title change — updates it in the same transaction, and a query is
always an index lookup, never a scan. The migration `0002_public_site_search_index` installs them.

Ranking favours matches in a section's heading, then in its page's title, then in its text; a hit
links to the section's heading anchor, with a highlighted snippet cut from the section's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.html import escape

from pages.models import PageSection

MAX_TERMS = 10
PER_PAGE_LIMIT = 3
SNIPPET_BEFORE = 60
SNIPPET_LENGTH = 200
_TERM_RE = re.compile(r"\w+", re.UNICODE)

# -- schema (installed by the migration; kept here so tests and docs can name it) --------------------

SQLITE_INSTALL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS pages_section_fts USING fts5("
    "title, heading, text, tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3')",
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


_TRIGGER_CHECKS = {
    "sqlite": (
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
        "('pages_section_fts_insert', 'pages_section_fts_delete', 'pages_section_fts_update', "
        "'pages_section_fts_title')",
        4,
    ),
    "postgresql": (
        "SELECT count(*) FROM pg_trigger WHERE tgname IN "
        "('pages_section_search_document', 'pages_page_title_search')",
        2,
    ),
}


def ensure_search_index(using=None) -> bool:
    """Reinstall the index and its triggers if a schema change dropped them; True when it had to.

    SQLite rebuilds a table to alter it, and its triggers go with the old table; a later migration
    on `pages_pagesection` would silently stop indexing. Safe to call after every `migrate`
    (e.g. from a `post_migrate` handler): when everything is in place it is one cheap query.
    """
    from django.db import connections

    conn = connections[using or "default"]
    check = _TRIGGER_CHECKS.get(conn.vendor)
    if check is None:
        return False
    with conn.cursor() as cursor:
        cursor.execute(check[0])
        if cursor.fetchone()[0] == check[1]:
            return False
        for statement in install_statements(conn.vendor):
            cursor.execute(statement)
    return True


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


# Both engines answer only "which sections, best first"; snippets are cut from the few winners after.
#
# SQLite: bm25 costs a few microseconds per matching row, so a word found in most sections of a large
# site would be ranked row by row. Instead at most CANDIDATES matches are scored: the first ones in
# the whole text, and the first ones in titles and headings (which rank highest), merged in Python.
# Below CANDIDATES matches — nearly every real query — the ranking is exact; above it, the cost stays
# bounded and title and heading matches still come first.
CANDIDATES = 2000
_SQLITE_CANDIDATES = """
SELECT s.id, bm25(pages_section_fts, 4.0, 8.0, 1.0)
FROM pages_section_fts
JOIN pages_pagesection s ON s.id = pages_section_fts.rowid
JOIN pages_page p ON p.id = s.page_id
WHERE pages_section_fts MATCH %s
  AND p.published AND NOT p.search_exclude AND (p.date IS NULL OR p.date <= %s)
LIMIT %s
"""

_POSTGRES_RANKED = """
SELECT s.id
FROM pages_pagesection s
JOIN pages_page p ON p.id = s.page_id
CROSS JOIN to_tsquery('english', %s) AS query
WHERE s.search_document @@ query
  AND p.published AND NOT p.search_exclude AND (p.date IS NULL OR p.date <= %s)
ORDER BY ts_rank(s.search_document, query) DESC, s.id
LIMIT %s
"""


def _sqlite_ranked(terms: list[str], now, limit: int) -> list[int]:
    match = fts5_query(terms)
    scores: dict[int, float] = {}
    with connection.cursor() as cursor:
        for query in (match, f"{{title heading}} : ({match})"):
            cursor.execute(_SQLITE_CANDIDATES, [query, now, CANDIDATES])
            scores.update(cursor.fetchall())
    return sorted(scores, key=lambda section_id: (scores[section_id], section_id))[:limit]


def ranked_section_ids(terms: list[str], limit: int) -> list[int]:
    """The ids of the public sections matching every term, best first (indexed full-text lookups)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    if connection.vendor == "sqlite":
        return _sqlite_ranked(terms, now, limit)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_POSTGRES_RANKED, [tsquery(terms), now, limit])
            return [row[0] for row in cursor.fetchall()]
    raise NotImplementedError(f"Quire's search supports SQLite and PostgreSQL, not {connection.vendor}")


def _match_prefixes(terms: list[str]) -> tuple[str, ...]:
    """What a word must start with to count as a match: each term, less a common English ending."""
    prefixes = []
    for term in terms:
        for ending in ("ing", "ed", "es", "s"):
            if term.endswith(ending) and len(term) - len(ending) >= 3:
                term = term[: -len(ending)]
                break
        prefixes.append(term)
    return tuple(prefixes)


def highlight(text: str, terms: list[str]) -> str:
    """`text` as safe HTML, with the words that match a term wrapped in <mark>."""
    prefixes = _match_prefixes(terms)
    parts, position = [], 0
    for word in _TERM_RE.finditer(text):
        if word.group().lower().startswith(prefixes):
            parts.append(escape(text[position : word.start()]))
            parts.append(f"<mark>{escape(word.group())}</mark>")
            position = word.end()
    parts.append(escape(text[position:]))
    return "".join(parts)


def snippet(text: str, terms: list[str]) -> str:
    """A short window of `text` around its first match, highlighted, as safe HTML."""
    text = " ".join(text.split())
    prefixes = _match_prefixes(terms)
    first = next((w.start() for w in _TERM_RE.finditer(text) if w.group().lower().startswith(prefixes)), 0)
    start = 0 if first < SNIPPET_BEFORE else text.rfind(" ", 0, first - SNIPPET_BEFORE) + 1
    end = start + SNIPPET_LENGTH
    if end < len(text):
        end = max(text.rfind(" ", start, end), first + 1)
    window = text[start:end]
    return ("… " if start else "") + highlight(window, terms) + (" …" if end < len(text) else "")


def search(text: str, limit: int = 20) -> list[SearchHit]:
    """Public sections matching every word of `text`, best first, at most 3 per page."""
    terms = query_terms(text)
    if not terms:
        return []
    ids = ranked_section_ids(terms, limit * PER_PAGE_LIMIT)
    rows = {
        row["id"]: row
        for row in PageSection.objects.filter(id__in=ids).values(
            "id", "page_id", "anchor", "heading", "level", "text", "page__title", "page__url_path"
        )
    }
    hits: list[SearchHit] = []
    per_page: dict[int, int] = {}
    for section_id in ids:
        row = rows.get(section_id)
        if row is None or per_page.get(row["page_id"], 0) >= PER_PAGE_LIMIT:
            continue
        per_page[row["page_id"]] = per_page.get(row["page_id"], 0) + 1
        url = row["page__url_path"]
        hits.append(
            SearchHit(
                page_title=row["page__title"],
                url=f"{url}#{row['anchor']}" if row["anchor"] else url,
                heading_html=highlight(row["heading"], terms),
                snippet_html=snippet(row["text"], terms),
                level=row["level"],
            )
        )
        if len(hits) == limit:
            break
    return hits
