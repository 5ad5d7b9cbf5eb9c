"""`import_pages --watch`: when to import again, from file-system events (the watchfiles library).

Yields once at the start and then once per burst of changes to markdown files (or `_config.yml`), so
the caller imports right away and again within a second of each save. Editors' swap and backup files,
dot-folders, `_site` and `node_modules` are ignored, as the import ignores them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from watchfiles import DefaultFilter, watch

DEBOUNCE_MS = 150  # changes within this time are one run (an editor's save writes several events)
WATCHED_SUFFIXES = (".md", ".markdown")


class MarkdownFilter(DefaultFilter):
    """Markdown files and `_config.yml`, outside the folders the import skips."""

    def __init__(self) -> None:
        super().__init__(ignore_dirs=(*DefaultFilter.ignore_dirs, "_site", "node_modules"))

    def __call__(self, change, path: str) -> bool:
        name = Path(path).name
        if name.startswith("."):
            return False
        # A new folder counts too: files saved in it at once may come before its own watch does.
        wanted = name == "_config.yml" or name.lower().endswith(WATCHED_SUFFIXES) or Path(path).is_dir()
        return wanted and super().__call__(change, path)


def watch_runs(directories: list[Path], *, stop_event=None) -> Iterator[set]:
    """Yield an empty set at once, then the changes of each burst, until interrupted or stopped."""
    yield set()
    try:
        yield from watch(
            *directories,
            watch_filter=MarkdownFilter(),
            debounce=DEBOUNCE_MS,
            step=50,
            stop_event=stop_event,
            raise_interrupt=False,
        )
    except KeyboardInterrupt:
        return
