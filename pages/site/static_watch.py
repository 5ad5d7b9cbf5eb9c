"""`build_site OUT --watch`: build, then build again, incrementally, whenever the content changes.

The content version (`pages.store.site_state`, bumped by every save, import and delete, on any server) is
read every `interval` seconds; when it moved, an incremental build runs. Changes it does not count
(templates, static files, settings) need a build by hand. Ctrl-C stops between two polls or during a
build (a build stopped half-way leaves its manifest as it was: the next build redoes what it had not
recorded).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pages.site.build_lock import BuildBusy
from pages.site.static_site import BuildReport
from pages.store.site_state import DATABASE_ERRORS

# What a watcher waits out instead of stopping on: the database away for a moment, another build
# (the admin's button, a second watcher) writing into the folder. The change is built at a later poll.
PASSING_TROUBLE = (BuildBusy, *DATABASE_ERRORS)


def watch(
    build: Callable[[], BuildReport],
    *,
    interval: float,
    max_rounds: int | None = None,
    report: Callable[[BuildReport], None] = lambda result: None,
    warn: Callable[[str], None] = lambda message: None,
    version: Callable[[], int] | None = None,
    wait: Callable[[float], None] | None = None,
) -> int:
    """Build once, then poll `max_rounds` times (None: until interrupted); returns the builds run.

    A poll or build that meets PASSING_TROUBLE is reported through `warn` and tried again at the next
    poll; anything else (a folder that cannot be written, say) ends the watch."""
    if version is None:
        from pages.store.site_state import content_version as version
    wait = wait or time.sleep
    seen = None  # the version last built; None until a build succeeded
    builds, rounds = 0, 0
    while True:
        try:
            current = version()
            if current != seen:
                report(build())
                builds += 1
                seen = current
        except PASSING_TROUBLE as trouble:
            _drop_broken_connections()
            warn(f"not built this time ({type(trouble).__name__}: {trouble}); trying again in {interval:g} s")
        if max_rounds is not None and rounds >= max_rounds:
            return builds
        wait(interval)
        rounds += 1


def _drop_broken_connections() -> None:
    """Close the connections a database restart broke, so the next poll opens fresh ones (a broken
    connection is never reopened by itself outside a request)."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()
