"""Database time limits, so that a slow or hung database cannot hold a worker until gunicorn kills it.

- Connect timeout (QUIRE_DB_CONNECT_TIMEOUT, seconds, default 3): PostgreSQL's `connect_timeout`.
  SQLite opens a local file; its lock wait (busy timeout) is QUIRE_SQLITE_BUSY_TIMEOUT.
- Statement timeout (QUIRE_DB_STATEMENT_TIMEOUT, seconds, default 10; 0 = none): PostgreSQL's
  `statement_timeout`, set when connecting (`database_options`). SQLite has no such setting: a progress
  handler installed on each new connection (`limit_sqlite_statements`) interrupts a statement running
  longer, and SQLite raises OperationalError("interrupted").

`manage.py` runs commands without a statement timeout unless one is set in the environment: an import or
a migration of a large site legitimately runs long statements. Web processes (gunicorn, `runserver`
excepted) keep the default.
"""

from __future__ import annotations

import time

from django.db.backends.signals import connection_created

# SQLite calls the progress handler every this many virtual machine steps (well under a millisecond).
SQLITE_PROGRESS_STEPS = 20_000


def database_options(config: dict, *, connect_timeout: int, statement_timeout: float) -> dict:
    """`config` (one DATABASES entry) with the time limits added to its OPTIONS (PostgreSQL)."""
    if "postgresql" not in config.get("ENGINE", ""):
        return config
    options = dict(config.get("OPTIONS") or {})
    options.setdefault("connect_timeout", max(1, int(connect_timeout)))
    if statement_timeout > 0 and "statement_timeout" not in options.get("options", ""):
        limit = f"-c statement_timeout={int(statement_timeout * 1000)}"
        options["options"] = f"{options.get('options', '')} {limit}".strip()
    return {**config, "OPTIONS": options}


class _StatementClock:
    """Started by each statement (an execute wrapper); read by SQLite's progress handler."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.deadline: float | None = None

    def __call__(self, execute, sql, params, many, context):
        self.deadline = time.monotonic() + self.limit
        return execute(sql, params, many, context)

    def expired(self) -> int:
        deadline = self.deadline
        return 1 if deadline is not None and time.monotonic() > deadline else 0


def limit_sqlite_statements(sender, connection, **kwargs) -> None:
    """connection_created: give a new SQLite connection the statement timeout from its settings."""
    if connection.vendor != "sqlite":
        return
    limit = float(connection.settings_dict.get("QUIRE_STATEMENT_TIMEOUT") or 0)
    if limit <= 0:
        return
    clock = _StatementClock(limit)
    wrappers = connection.execute_wrappers
    wrappers[:] = [wrapper for wrapper in wrappers if not isinstance(wrapper, _StatementClock)]
    wrappers.insert(0, clock)  # innermost, and never what an `execute_wrapper()` block pops at its end
    connection.connection.set_progress_handler(clock.expired, SQLITE_PROGRESS_STEPS)


def connect_timeouts() -> None:
    connection_created.connect(limit_sqlite_statements, dispatch_uid="quire-sqlite-statement-timeout")
