"""Full-text search index for page sections, kept in step by database triggers (SQLite FTS5 / PostgreSQL)."""

from django.db import migrations

from pages.search import install_statements, uninstall_statements


def install(apps, schema_editor):
    for statement in install_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    for statement in uninstall_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
