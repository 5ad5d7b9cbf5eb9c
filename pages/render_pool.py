"""Rendering many page bodies for an import: in this process, or over a process pool for large runs.

Rendering dominates a first import, and each body renders independently, so large runs spread it over
the machine's cores. Workers get the run's link resolver once, when they start.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context

from pages.rendering import RenderContext, Rendered, render
from pages.urls_from_paths import SourceIndex

_worker_index: SourceIndex | None = None
_worker_baseurl = ""


def _init_worker(index: SourceIndex, baseurl: str) -> None:
    global _worker_index, _worker_baseurl
    _worker_index, _worker_baseurl = index, baseurl
    from django.apps import apps

    if not apps.ready:  # a spawned worker (no fork on this platform)
        import django

        django.setup()


def _render_in_worker(item: tuple[str, str] | tuple[str, str, int]) -> Rendered | str:
    body, path, line_offset = (*item, 0) if len(item) == 2 else item
    context = RenderContext(
        source_path=path, resolve_source=_worker_index, baseurl=_worker_baseurl, line_offset=line_offset
    )
    try:
        return render(body, context)
    except Exception as exc:  # reported per file, the run decides
        return f"could not render: {type(exc).__name__}: {exc}"


class Renderer:
    """Renders bodies in this process, or over a process pool for large runs."""

    def __init__(self, index: SourceIndex, baseurl: str = "", *, jobs: int = 0, parallel: bool = False):
        """`jobs` processes (0: one per core) when `parallel`, else rendering stays in this process."""
        self.index, self.baseurl = index, baseurl
        jobs = jobs or os.cpu_count() or 1
        self.pool = None
        if parallel and jobs > 1:
            method = "fork" if "fork" in get_all_start_methods() else "spawn"
            self.pool = ProcessPoolExecutor(
                max_workers=jobs,
                mp_context=get_context(method),
                initializer=_init_worker,
                initargs=(index, baseurl),
            )

    def render_all(self, items: list[tuple]) -> list[Rendered | str]:
        """Rendered results in the order of `items`; a string for a failure.

        Each item is (body, source path) or (body, source path, lines before the body in the file), the
        last so that render warnings name lines of the file.
        """
        if self.pool is not None:
            return list(self.pool.map(_render_in_worker, items, chunksize=8))
        _init_worker(self.index, self.baseurl)
        return [_render_in_worker(item) for item in items]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
