"""Full-text search index for page sections, kept in step by database triggers (SQLite FTS5 / PostgreSQL).

The statements are written out here, frozen as they were when this migration was made: a later change
to the index lives in a new migration, so a fresh database migrates to the same schema as an old one.
`pages.store.search.ensure_search_index` reinstalls the index from these statements (`INSTALL`) when a
schema change dropped its triggers: `pages.store.search.INDEX_MIGRATION` names the migration it reads.
"""

from django.db import migrations

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


def _run(statements: dict[str, list[str]]):
    def operation(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return operation


INSTALL = {"sqlite": SQLITE_INSTALL, "postgresql": POSTGRES_INSTALL}
UNINSTALL = {"sqlite": SQLITE_UNINSTALL, "postgresql": POSTGRES_UNINSTALL}


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]

    operations = [migrations.RunPython(_run(INSTALL), _run(UNINSTALL))]
