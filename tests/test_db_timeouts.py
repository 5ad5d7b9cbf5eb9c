"""Database time limits: PostgreSQL's connect and statement timeouts, SQLite's statement timeout."""

import pytest
from django.db import OperationalError, connection, connections

from pages.site.db_timeouts import database_options
from tests.servers import (
    base_environment,
    create_postgres_database,
    drop_postgres_database,
    manage,
    postgres_available,
    postgres_url,
)

SLOW_SQLITE = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000000) "
    "SELECT count(*) FROM n"
)


def test_postgresql_gets_connect_and_statement_timeouts():
    config = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"sslmode": "disable"}}
    limited = database_options(config, connect_timeout=3, statement_timeout=2.5)
    assert limited["OPTIONS"] == {
        "sslmode": "disable",
        "connect_timeout": 3,
        "options": "-c statement_timeout=2500",
    }
    assert "options" not in database_options(config, connect_timeout=3, statement_timeout=0)["OPTIONS"]
    sqlite = {"ENGINE": "django.db.backends.sqlite3"}
    assert database_options(sqlite, connect_timeout=3, statement_timeout=2) == sqlite


def test_web_settings_carry_a_statement_timeout(settings):
    assert settings.QUIRE_DB_STATEMENT_TIMEOUT > 0
    assert settings.QUIRE_DB_CONNECT_TIMEOUT > 0


@pytest.mark.django_db
def test_the_running_database_enforces_the_statement_timeout():
    """The connection the tests use has the limit: PostgreSQL reports it, SQLite has the handler."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] != "0"
    else:
        assert any(type(w).__name__ == "_StatementClock" for w in connection.execute_wrappers)


@pytest.mark.django_db
def test_a_long_sqlite_statement_is_interrupted():
    """A statement running past the limit raises OperationalError (then a 503 for readers), and the
    connection still works for the next one."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite statement timeout (PostgreSQL's is its own setting, checked above)")
    limited = connections.create_connection("default")
    limited.settings_dict = {**limited.settings_dict, "QUIRE_STATEMENT_TIMEOUT": 0.2}
    try:
        with pytest.raises(OperationalError, match="interrupted"), limited.cursor() as cursor:
            cursor.execute(SLOW_SQLITE)
        with limited.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        limited.close()


POOL_SCRIPT = (
    "from django.db import connection\n"
    "with connection.cursor() as cursor:\n"
    "    cursor.execute('SHOW statement_timeout')\n"
    "    print(cursor.fetchone()[0], connection.pool is not None, connection.settings_dict['CONN_MAX_AGE'])\n"
)


@pytest.mark.skipif(not postgres_available(), reason="needs PostgreSQL on 127.0.0.1 (.ci/run starts it)")
@pytest.mark.parametrize("pool", ["0", "1"])
def test_postgresql_connections_carry_the_limits_with_or_without_the_pool(pool):
    """A real PostgreSQL connection made from the settings has the statement timeout; QUIRE_DB_POOL=1
    gives it psycopg's pool (and no persistent connection of Django's own)."""
    name = create_postgres_database("timeouts")
    try:
        env = base_environment(
            DATABASE_URL=postgres_url(name), QUIRE_DB_STATEMENT_TIMEOUT="7", QUIRE_DB_POOL=pool
        )
        timeout, pooled, max_age = manage(env, "shell", "-c", POOL_SCRIPT).split()[-3:]
    finally:
        drop_postgres_database(name)
    assert timeout == "7s"
    assert pooled == ("True" if pool == "1" else "False")
    assert (max_age == "0") == (pool == "1")
