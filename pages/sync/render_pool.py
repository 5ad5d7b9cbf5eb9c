"""Rendering many page bodies for an import: in this process, or shared with worker processes.

Rendering dominates a first import, and each body renders independently, so large runs spread it over
the machine's cores. This process is one of the renderers: with `jobs` cores it starts `jobs - 1`
workers, queues a batch's bodies in small chunks, and, when it asks for the batch's results, renders
itself every chunk no worker has taken yet (from the back of the queue while the workers eat from the
front). So while this process writes batch N to the database the workers render batch N + 1, and while
it waits it renders instead of idling: no core waits for another, and one process fewer holds a copy of
Django and the link index in memory.

The workers are started as fresh interpreters (multiprocessing's spawn) when the Renderer is made, so
they load while this process hashes and parses the files. Rendering is pure (no settings, models or
database), so a worker imports the renderer alone, never Django's app registry: 36 MB resident instead
of the 70 MB a forked copy of this process holds (all of which counts in each process's RSS). Each
worker gets the run's link index once, through a queue, before its first chunk.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context

from pages.content.rendering import RenderContext, Rendered, load_engine, render
from pages.content.urls_from_paths import SourceIndex

CHUNK = 4  # bodies per queued task: small enough to share a batch evenly, large enough to pickle cheaply

_worker_index: SourceIndex | None = None
_worker_baseurl = ""
_index_queue = None  # in a worker: where its copy of the run's link index arrives


def _init_worker(baseurl: str, index_queue) -> None:
    global _worker_index, _worker_baseurl, _index_queue
    _worker_index, _worker_baseurl, _index_queue = None, baseurl, index_queue
    load_engine()  # now, while this process parses the files, not at the first chunk


def _render_one(item: tuple) -> Rendered | str:
    """(body, path[, line_offset[, page_url]]) rendered with the run's link index and base URL."""
    body, path, line_offset, page_url = (*item, 0, None, None)[:4] if len(item) < 4 else item
    context = RenderContext(
        source_path=path,
        resolve_source=_worker_index,
        baseurl=_worker_baseurl,
        line_offset=line_offset or 0,
        page_url=page_url,
    )
    try:
        return render(body, context)
    except Exception as exc:  # reported per file, the run decides
        return f"could not render: {type(exc).__name__}: {exc}"


def _render_chunk(items: list[tuple]) -> list[Rendered | str]:
    global _worker_index
    if _worker_index is None and _index_queue is not None:
        _worker_index = _index_queue.get()  # once per worker, before its first chunk
    return [_render_one(item) for item in items]


def _started() -> bool:
    return True


class PendingRenders:
    """A batch of bodies queued for rendering; `results()` finishes it, rendering what is left here."""

    def __init__(self, chunks: list[list[tuple]], futures: list[Future] | None, renderer: Renderer):
        self.chunks, self.futures, self.renderer = chunks, futures, renderer
        self.done: list[list | None] = [None] * len(chunks)
        self._untaken = len(chunks) if futures is not None else 0  # chunks[:_untaken] may be untaken

    def steal_one(self) -> bool:
        """Render here the last chunk no worker has taken yet; False when the workers have them all.

        Workers take chunks first-in first-out, so once a chunk is taken every earlier one is too.
        """
        while self._untaken:
            self._untaken -= 1
            if self.futures[self._untaken].cancel():
                self.done[self._untaken] = _render_chunk(self.chunks[self._untaken])
                return True
            self._untaken = 0
        return False

    def results(self) -> list[Rendered | str]:
        """Rendered results in the order the items were given; a string for a failure."""
        try:
            if self.futures is None:
                return [result for chunk in self.chunks for result in _render_chunk(chunk)]
            while self.steal_one():
                pass
            for i, future in enumerate(self.futures):
                if self.done[i] is None:
                    while not future.done() and self.renderer.steal_from_later(self):
                        pass  # a worker still renders this chunk: render a later batch's meanwhile
                    self.done[i] = future.result()
            return [result for chunk in self.done for result in chunk]
        finally:
            self.renderer.outstanding.remove(self)


class Renderer:
    """Renders bodies in this process, alone or with worker processes for large runs.

    Create it early (the workers start at once and load while the run reads its files), give it the
    run's link index with `use_index`, then `start` batches and take their `results()`.
    """

    def __init__(self, baseurl: str = "", *, jobs: int = 0, parallel: bool = False):
        """`jobs` rendering processes, this one included (0: one per core) when `parallel`, else this
        process renders alone."""
        global _worker_index, _worker_baseurl, _index_queue
        _worker_index, _worker_baseurl, _index_queue = None, baseurl, None  # this process renders too
        jobs = jobs or os.cpu_count() or 1
        self.workers = jobs - 1 if parallel and jobs > 1 else 0
        self.pool = None
        self.outstanding: list[PendingRenders] = []  # started, results not yet taken; oldest first
        if self.workers:
            context = get_context("spawn")  # see the module docstring
            self._index_queue = context.Queue()
            # A copy no worker took (a run that failed before rendering) must not keep this process
            # from exiting while the queue's feeder thread waits to write it.
            self._index_queue.cancel_join_thread()
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_init_worker,
                initargs=(baseurl, self._index_queue),
            )
            self.pool.submit(_started)  # start the worker now (it loads while this process parses)

    def use_index(self, index: SourceIndex) -> None:
        """The run's link index, for this process and (one copy each, through a queue) every worker."""
        global _worker_index
        _worker_index = index
        for _ in range(self.workers):
            self._index_queue.put(index)

    def start(self, items: list[tuple]) -> PendingRenders:
        """Queue items for the workers (if any) and return at once.

        Each item is (body, source path) or (body, source path, lines before the body in the file), the
        last so that render warnings name lines of the file.
        """
        chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
        futures = None if self.pool is None else [self.pool.submit(_render_chunk, c) for c in chunks]
        pending = PendingRenders(chunks, futures, self)
        self.outstanding.append(pending)
        return pending

    def steal_from_later(self, current: PendingRenders) -> bool:
        """Render here one untaken chunk of a batch queued after `current`; False if there is none."""
        later = self.outstanding[self.outstanding.index(current) + 1 :]
        return any(pending.steal_one() for pending in reversed(later))

    def render_all(self, items: list[tuple]) -> list[Rendered | str]:
        """Rendered results in the order of `items`; a string for a failure."""
        return self.start(items).results()

    def close(self) -> None:
        """Stop the workers (safe to call twice). They exit while this process goes on (its run has
        their results); the process waits for them only when it ends."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self._index_queue.close()
            self.pool = None
