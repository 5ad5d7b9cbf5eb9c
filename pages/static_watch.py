"""`build_site OUT --watch`: build, then build again, incrementally, whenever the content changes.

The content version (`pages.site_state`, bumped by every save, import and delete, on any server) is
read every `interval` seconds; when it moved, an incremental build runs. Changes it does not count
(templates, static files, settings) need a build by hand. Ctrl-C stops between two polls or during a
build (a build stopped half-way leaves its manifest as it was: the next build redoes what it had not
recorded).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pages.static_site import BuildReport


def watch(
    build: Callable[[], BuildReport],
    *,
    interval: float,
    max_rounds: int | None = None,
    report: Callable[[BuildReport], None] = lambda result: None,
    version: Callable[[], int] | None = None,
    wait: Callable[[float], None] | None = None,
) -> int:
    """Build once, then poll `max_rounds` times (None: until interrupted); returns the builds run."""
    if version is None:
        from pages.site_state import content_version as version
    wait = wait or time.sleep
    seen = version()
    report(build())
    builds, rounds = 1, 0
    while max_rounds is None or rounds < max_rounds:
        wait(interval)
        rounds += 1
        current = version()
        if current != seen:
            seen = current
            report(build())
            builds += 1
    return builds
