"""Rendering many bodies: a process pool gives exactly what rendering in this process gives."""

from pages import render_pool
from pages.render_pool import Renderer
from pages.urls_from_paths import SourceIndex

ITEMS = [(f"## Part {i}\n\nSee [the guide](guide.md) and *more*.\n", f"p{i}.md") for i in range(12)]


def test_pool_and_serial_results_are_identical():
    """Results come back in order, the same from the pool as from this process."""
    index = SourceIndex({"guide.md": "/guide/"})
    serial = Renderer(index, "/base").render_all(ITEMS)
    pooled = Renderer(index, "/base", jobs=2, parallel=True)
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
    assert Renderer(SourceIndex({})).render_all([("x", "a.md")]) == ["could not render: RuntimeError: boom"]
