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

import contextlib
import functools
import importlib
import re
from dataclasses import dataclass
from html import escape

from django.db import DatabaseError, connection, connections, router
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from pages.store.base_url import site_url

MAX_TERMS = 10
PER_PAGE_LIMIT = 3
SNIPPET_BEFORE = 60
SNIPPET_LENGTH = 200
_TERM_RE = re.compile(r"\w+", re.UNICODE)

# -- schema: the statements of the migration that makes the index, which `ensure_search_index` runs again --
# A later change to the index is a new migration (a migration's statements stay frozen), named here then.
INDEX_MIGRATION = ("pages", "0002_public_site_search_index")


def install_statements(vendor: str) -> list[str]:
    """The index's statements for this database, as its migration wrote them ([] for another engine)."""
    migration = importlib.import_module(f"{INDEX_MIGRATION[0]}.migrations.{INDEX_MIGRATION[1]}")
    return migration.INSTALL.get(vendor, [])


def _sqlite_insert_trigger() -> str:
    """The SQLite insert trigger's statement, which `indexing_by_batch` drops and puts back."""
    return next(
        sql for sql in install_statements("sqlite") if "TRIGGER IF NOT EXISTS pages_section_fts_insert" in sql
    )


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
    on `pages_pagesection` or `pages_page` would silently stop indexing. Run after every `migrate`
    (`restore_search_index_after_migrate`): when everything is in place it is one cheap query.
    """
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


def restore_search_index_after_migrate(sender, using="default", **kwargs) -> None:
    """`post_migrate` (connected in `PagesConfig.ready`): after any migration, the index is whole again
    (before its migration is applied, or after migrating back past it, there is no index to keep)."""
    recorder = MigrationRecorder(connections[using])
    if recorder.has_table() and INDEX_MIGRATION in recorder.applied_migrations():
        ensure_search_index(using)


# -- bulk writers ---------------------------------------------------------------------------------


@contextlib.contextmanager
def indexing_by_batch():
    """For a bulk writer's transaction: yields `index_sections(page_ids)`, to call after writing those
    pages' sections, instead of the insert trigger indexing them one row at a time.

    SQLite: FTS5 writes out its pending terms at every nested statement, so a trigger that indexes one
    section per statement makes a tiny index segment per section and merges them over and over — at
    10,000 pages, 6.7 s of CPU where one INSERT … SELECT per batch of 200 pages takes 2.7 s. Inside the
    writer's transaction the insert trigger is dropped, and put back before the block ends (a failed
    transaction rolls the drop back anyway); other connections never see it missing. The delete and
    title triggers stay. PostgreSQL's trigger costs the same either way: it is left alone there.
    """
    if connection.vendor != "sqlite":
        yield lambda page_ids: None
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS pages_section_fts_insert")
    try:
        yield _index_sections_of
    except BaseException:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(_sqlite_insert_trigger())
        raise
    with connection.cursor() as cursor:
        cursor.execute(_sqlite_insert_trigger())


_INDEX_SECTIONS_OF_PAGES = """
INSERT INTO pages_section_fts(rowid, title, heading, text)
SELECT s.id, p.title, s.heading, s.text FROM pages_pagesection s JOIN pages_page p ON p.id = s.page_id
WHERE s.page_id IN (%s)
"""


def _index_sections_of(page_ids: list[int]) -> None:
    if page_ids:
        with connection.cursor() as cursor:
            cursor.execute(_INDEX_SECTIONS_OF_PAGES % ", ".join(["%s"] * len(page_ids)), page_ids)


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


MIN_PREFIX_LENGTH = 3


def _is_prefix(terms: list[str], index: int) -> bool:
    """Only the last word, and only from three letters on, matches as a prefix: shorter prefixes
    would match a large share of every section and make each keystroke slow."""
    return index == len(terms) - 1 and len(terms[index]) >= MIN_PREFIX_LENGTH


def fts5_query(terms: list[str]) -> str:
    """All terms, each quoted; the last (three letters or more) also as a prefix, for results while typing."""
    return " ".join(f'"{term}"' + ("*" if _is_prefix(terms, i) else "") for i, term in enumerate(terms))


def tsquery(terms: list[str], weights: str = "") -> str:
    """The same for PostgreSQL's to_tsquery: terms ANDed, the last a prefix; `weights` ("AB": heading
    and title) restricts every term to those parts of a section."""
    parts = []
    for i, term in enumerate(terms):
        if _is_prefix(terms, i):
            parts.append(f"{term}:*{weights}")
        else:
            parts.append(f"{term}:{weights}" if weights else term)
    return " & ".join(parts)


# Both engines answer only "which sections, best first"; snippets are cut from the few winners after.
#
# SQLite: bm25 costs a few microseconds per matching row (plus one pass over all matches to count
# them), so a word found in most sections of a large site would be ranked row by row. Instead only a
# bounded set of candidates is scored, straight from the FTS5 table (no join per match): the first
# CANDIDATES matches in the whole text and the first TITLE_HEADING_CANDIDATES in titles and headings
# (which rank highest; one page of results needs at most 60). Only those candidates are joined to their
# pages to drop what is not public, grouped, ordered by score and cut to the limit, in one statement.
# Below CANDIDATES matches — nearly every real query — the ranking is exact; above it, the cost stays
# bounded and title and heading matches still come first.
CANDIDATES = 500
TITLE_HEADING_CANDIDATES = 100
_SQLITE_CANDIDATES = """
WITH candidates(id, score) AS (
  SELECT * FROM (
    SELECT rowid, bm25(pages_section_fts, 4.0, 8.0, 1.0) FROM pages_section_fts
    WHERE pages_section_fts MATCH %s LIMIT %s)
  UNION ALL
  SELECT * FROM (
    SELECT rowid, bm25(pages_section_fts, 4.0, 8.0, 1.0) FROM pages_section_fts
    WHERE pages_section_fts MATCH %s LIMIT %s)
),
public_matches(id, page_id, score) AS (
  SELECT c.id, s.page_id, min(c.score)
  FROM candidates c
  JOIN pages_pagesection s ON s.id = c.id
  JOIN pages_page p ON p.id = s.page_id
  WHERE p.published AND NOT p.search_exclude AND (p.date IS NULL OR p.date <= %s)
  GROUP BY c.id
),
numbered(id, score, nth) AS (
  SELECT id, score, row_number() OVER (PARTITION BY page_id ORDER BY score, id) FROM public_matches
)
SELECT id FROM numbered WHERE nth <= %s ORDER BY score, id LIMIT %s
"""

# PostgreSQL: the same bounded candidate set — the first CANDIDATES matches found through the GIN
# index, and the first TITLE_HEADING_CANDIDATES whose terms are all in the heading or title (weights A
# and B) — so ts_rank reads and scores a bounded number of rows however common the words are.
_POSTGRES_RANKED = """
WITH candidates(id) AS (
  (SELECT id FROM pages_pagesection WHERE search_document @@ to_tsquery('english', %s) LIMIT %s)
  UNION
  (SELECT id FROM pages_pagesection WHERE search_document @@ to_tsquery('english', %s) LIMIT %s)
),
public_matches(id, page_id, score) AS (
  SELECT s.id, s.page_id, ts_rank(s.search_document, to_tsquery('english', %s))
  FROM candidates c
  JOIN pages_pagesection s ON s.id = c.id
  JOIN pages_page p ON p.id = s.page_id
  WHERE p.published AND NOT p.search_exclude AND (p.date IS NULL OR p.date <= %s)
),
numbered(id, score, nth) AS (
  SELECT id, score, row_number() OVER (PARTITION BY page_id ORDER BY score DESC, id) FROM public_matches
)
SELECT id FROM numbered WHERE nth <= %s ORDER BY score DESC, id LIMIT %s
"""


def postgres_parameters(terms: list[str], now, limit: int, per_page: int = PER_PAGE_LIMIT) -> list:
    """The parameters of `_POSTGRES_RANKED`, in the same order as SQLite's."""
    query = tsquery(terms)
    return [query, CANDIDATES, tsquery(terms, "AB"), TITLE_HEADING_CANDIDATES, query, now, per_page, limit]


def sqlite_parameters(terms: list[str], now, limit: int, per_page: int = PER_PAGE_LIMIT) -> list:
    """The parameters of `_SQLITE_CANDIDATES`: the text pass, the title-and-heading pass, the filter,
    the per-page cap and the limit."""
    match = fts5_query(terms)
    return [
        match,
        CANDIDATES,
        f"{{title heading}} : ({match})",
        TITLE_HEADING_CANDIDATES,
        now,
        per_page,
        limit,
    ]


def read_connection():
    """The connection a search reads from: the replica inside a public view that may read it
    (`pages.site.db_router.public_reads`), else the primary."""
    from pages.models import PageSection

    return connections[router.db_for_read(PageSection)]


def ranked_section_ids(terms: list[str], limit: int, per_page: int = PER_PAGE_LIMIT) -> list[int]:
    """The ids of at most `limit` public sections matching every term, best first, at most `per_page`
    of one page: one statement over the full-text index, ranked, capped and limited in SQL."""
    connection = read_connection()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    if connection.vendor == "sqlite":
        statement, parameters = _SQLITE_CANDIDATES, sqlite_parameters(terms, now, limit, per_page)
    elif connection.vendor == "postgresql":
        statement, parameters = _POSTGRES_RANKED, postgres_parameters(terms, now, limit, per_page)
    else:
        raise NotImplementedError(f"Quire's search supports SQLite and PostgreSQL, not {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute(statement, parameters)
        return [row[0] for row in cursor.fetchall()]


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


@functools.lru_cache(maxsize=256)
def _match_pattern(prefixes: tuple[str, ...]) -> re.Pattern:
    """A word (as `_TERM_RE` splits them) that starts with one of `prefixes`, in any case; a prefix
    shorter than MIN_PREFIX_LENGTH must be the whole word, as it is for the engines."""
    choices = "|".join(
        re.escape(prefix) + (r"\w*" if len(prefix) >= MIN_PREFIX_LENGTH else r"(?!\w)")
        for prefix in sorted(set(prefixes), key=len, reverse=True)
    )
    return re.compile(rf"(?<!\w)(?:{choices})", re.IGNORECASE | re.UNICODE)


def highlight(text: str, terms: list[str]) -> str:
    """`text` as safe HTML, with the words that match a term wrapped in <mark>."""
    parts, position = [], 0
    for word in _match_pattern(_match_prefixes(terms)).finditer(text):
        parts.append(escape(text[position : word.start()]))
        parts.append(f"<mark>{escape(word.group())}</mark>")
        position = word.end()
    parts.append(escape(text[position:]))
    return "".join(parts)


def snippet(text: str, terms: list[str]) -> str:
    """A short window of `text` around its first match, highlighted, as safe HTML."""
    text = " ".join(text.split())
    found = _match_pattern(_match_prefixes(terms)).search(text)
    first = found.start() if found else 0
    start = 0 if first < SNIPPET_BEFORE else text.rfind(" ", 0, first - SNIPPET_BEFORE) + 1
    end = start + SNIPPET_LENGTH
    if end < len(text):
        end = max(text.rfind(" ", start, end), first + 1)
    window = text[start:end]
    return ("… " if start else "") + highlight(window, terms) + (" …" if end < len(text) else "")


_HIT_ROWS = """
SELECT s.id, s.anchor, s.heading, s.level, s.text, p.title, p.url_path
FROM pages_pagesection s JOIN pages_page p ON p.id = s.page_id
WHERE s.id IN (%s)
"""


def search(text: str, limit: int = 20) -> list[SearchHit]:
    """Public sections matching every word of `text`, best first, at most 3 per page."""
    terms = query_terms(text)
    if not terms:
        return []
    ids = ranked_section_ids(terms, limit)
    if not ids:
        return []
    with read_connection().cursor() as cursor:
        cursor.execute(_HIT_ROWS % ", ".join(["%s"] * len(ids)), ids)
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    hits: list[SearchHit] = []
    for section_id in ids:
        row = rows.get(section_id)
        if row is None:  # deleted between the two queries
            continue
        anchor, heading, level, section_text, page_title, url = row
        hits.append(
            SearchHit(
                page_title=page_title,
                url=site_url(f"{url}#{anchor}" if anchor else url),
                heading_html=highlight(heading, terms),
                snippet_html=snippet(section_text, terms),
                level=level,
            )
        )
    return hits
