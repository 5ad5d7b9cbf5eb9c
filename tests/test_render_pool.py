"""Rendering many bodies: a process pool gives exactly what rendering in this process gives."""

import multiprocessing
import subprocess
import sys

from pages.content.urls_from_paths import SourceIndex
from pages.sync import render_pool
from pages.sync.render_pool import Renderer
from tests import render_targets
from tests.conftest import PROJECT_ROOT
from tests.sync_processes import environment


def renderer(index, baseurl="", **options):
    made = Renderer(baseurl, **options)
    made.use_index(index)
    return made


ITEMS = [(f"## Part {i}\n\nSee [the guide](guide.md) and *more*.\n", f"p{i}.md") for i in range(12)]


def test_pool_and_serial_results_are_identical():
    """Results come back in order, the same from the pool as from this process."""
    index = SourceIndex({"guide.md": "/guide/"})
    serial = renderer(index, "/base").render_all(ITEMS)
    pooled = renderer(index, "/base", jobs=2, parallel=True)
    try:
        assert pooled.pool is not None
        assert pooled.render_all(ITEMS) == serial
    finally:
        pooled.close()
    assert "Part 3" in serial[3].html


def test_a_failing_render_becomes_a_message(monkeypatch):
    """An exception while rendering one body is returned as a message for that file."""

    def broken(body, context):
        raise RuntimeError("boom")

    monkeypatch.setattr(render_pool, "render", broken)
    assert renderer(SourceIndex({})).render_all([("x", "a.md")]) == ["could not render: RuntimeError: boom"]


def test_batches_queued_ahead_come_back_in_order_and_rendered_once(monkeypatch):
    """The import queues batch N + 1 before it takes batch N's results; this process renders what the
    worker has not taken (its own batch's and, while it waits, later batches'), every body exactly once."""
    index = SourceIndex({"guide.md": "/guide/"})
    batches = [
        [(f"# Batch {b} item {i}\n\n[g](guide.md)\n", f"b{b}/p{i}.md") for i in range(40)] for b in range(3)
    ]
    serial = [renderer(index).render_all(items) for items in batches]
    pooled = renderer(index, jobs=2, parallel=True)
    try:
        pending = [pooled.start(items) for items in batches]
        assert len(pooled.outstanding) == 3
        results = [p.results() for p in pending]
        assert pooled.outstanding == []
    finally:
        pooled.close()
    assert results == serial
    for p in pending:  # every chunk has exactly one result: stolen here or taken by the worker
        assert all(chunk is not None for chunk in p.done)
        stolen = [f.cancelled() for f in p.futures]
        taken = [f.done() and not f.cancelled() for f in p.futures]
        assert all(s != t for s, t in zip(stolen, taken, strict=True))


def release_then(release, wait):
    """`wait`, calling `release` first."""

    def released(*args, **kwargs):
        release()
        return wait(*args, **kwargs)

    return released


def test_this_process_renders_what_a_busy_worker_has_not_taken():
    """With the only worker kept busy, this process renders the batch itself instead of waiting; only
    the chunks already handed to the worker's queue (two at most) are left to it."""
    pooled = renderer(SourceIndex({}), jobs=2, parallel=True)
    with multiprocessing.Manager() as manager:
        free = manager.Event()
        try:
            blocker = pooled.pool.submit(render_targets.busy_until, free)
            items = [(f"para {i}\n", f"p{i}.md") for i in range(40)]
            pending = pooled.start(items)
            for future in pending.futures:  # the worker is let go once this process waits for it
                future.result = release_then(free.set, future.result)
            results = pending.results()
            free.set()
            assert blocker.result() is True  # the worker stayed busy until let go (never timed out)
        finally:
            free.set()
            pooled.close()
    assert [r.html for r in results] == [f"<p>para {i}</p>" for i in range(40)]
    assert sum(f.cancelled() for f in pending.futures) >= len(pending.futures) - 2


def test_a_worker_started_before_the_index_existed_resolves_links_with_it():
    """Workers are started when the Renderer is made; the index given later reaches them before their
    first chunk (here every chunk is left to the worker: nothing is taken back by this process)."""
    pooled = Renderer("/base", jobs=2, parallel=True)
    try:
        assert pooled.pool is not None
        pooled.use_index(SourceIndex({"guide.md": "/guide/"}))
        pending = pooled.start(ITEMS)
        from_worker = [result for future in pending.futures for result in future.result()]
    finally:
        pooled.close()
        pooled.close()  # a second close is harmless
    assert all(not future.cancelled() for future in pending.futures)
    assert from_worker == renderer(SourceIndex({"guide.md": "/guide/"}), "/base").render_all(ITEMS)
    assert 'href="/base/guide/"' in from_worker[0].html


UNTAKEN_INDEX = """
import django
django.setup()
from pages.sync.render_pool import Renderer
from pages.content.urls_from_paths import SourceIndex
renderer = Renderer(jobs=3, parallel=True)
renderer.use_index(SourceIndex({f"p{i}.md": f"/p{i}/" for i in range(20000)}))
renderer.close()  # as when a run fails before any body is rendered: no worker took its copy
print("closed", flush=True)
"""


def test_a_process_whose_workers_never_took_the_index_still_exits():
    """The index copies are large; one left unread in the queue must not hold the process at exit."""
    env = {**environment("sqlite:///:memory:")}
    done = subprocess.run(
        [sys.executable, "-c", UNTAKEN_INDEX], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "closed\n"


def test_workers_hold_the_renderer_alone():
    """A worker is a fresh interpreter with the renderer, not a copy of this process's Django (half
    the memory); it renders without the app registry."""
    from tests import worker_probe

    pooled = renderer(SourceIndex({"guide.md": "/guide/"}), jobs=2, parallel=True)
    try:
        assert pooled.pool.submit(worker_probe.renderer_loaded).result() is True
        assert pooled.pool.submit(worker_probe.django_models_loaded).result() is False
        from_worker = [result for future in pooled.start(ITEMS).futures for result in future.result()]
    finally:
        pooled.close()
    assert worker_probe.django_models_loaded() is True  # this process has them
    assert 'href="/guide/"' in from_worker[0].html
