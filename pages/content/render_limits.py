"""Limits on rendering what an editor types: a size limit, and a time bound, so no text holds a worker.

Used by the live preview (which renders on every pause in typing) and by the admin's page form before
a save. Text over `QUIRE_PREVIEW_MAX_BYTES` (default: the import's file limit, 2 MiB) is refused before
rendering. Rendering runs in a child process (forked from a small preloaded server process, not from
the possibly threaded web worker), and a render taking longer than `QUIRE_PREVIEW_TIMEOUT` seconds
(default 5) is stopped by killing that child: a request never waits longer, however the markdown engine
behaves on hostile input. The child gets the text, the site's link index and the base URL, renders with
`pages.content.rendering.render` (no database) and sends back the HTML, or the error that stopped it (input
nested too deeply for the renderer, say), which the caller shows as a 400 or a form error.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from pages.content.markdown_io import MAX_FILE_BYTES
from pages.content.urls_from_paths import SourceIndex

DEFAULT_TIMEOUT = 5.0
_WORKER_MODULE = "pages.content.render_worker"


@dataclass
class RenderRefused(Exception):
    """The text is not rendered; `status` is the HTTP status and `message` tells the editor why."""

    status: int
    message: str

    def __str__(self) -> str:
        return self.message


def max_bytes() -> int:
    return int(getattr(settings, "QUIRE_PREVIEW_MAX_BYTES", MAX_FILE_BYTES))


def timeout_seconds() -> float:
    return float(getattr(settings, "QUIRE_PREVIEW_TIMEOUT", DEFAULT_TIMEOUT))


def check_size(text: str) -> None:
    """Refuse text over the preview's size limit, in bytes as UTF-8 (what the request carried)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    limit = max_bytes()
    if size > limit:
        raise RenderRefused(
            413,
            f"The text is {size:,} bytes, over the {limit:,}-byte limit for one page. "
            "Split it into smaller pages.",
        )


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where the platform has it: children fork from a small single-threaded server that
    has Quire's rendering imported (not from this possibly threaded web worker); else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([_WORKER_MODULE])
        return context
    return multiprocessing.get_context("spawn")


def bounded_render(
    text: str,
    index: SourceIndex | None,
    baseurl: str,
    *,
    timeout: float | None = None,
    target: Callable | None = None,
) -> str:
    """The sanitised HTML of `text`, rendered in a child process that is killed after `timeout` s.

    `target(text, index, baseurl, pipe)` runs in the child (default `render_worker.render_to_pipe`)."""
    from pages.content import render_worker

    timeout = timeout_seconds() if timeout is None else timeout
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=target or render_worker.render_to_pipe, args=(text, index, baseurl, sender), daemon=True
    )
    try:
        child.start()
        sender.close()
        if not receiver.poll(timeout):
            raise RenderRefused(
                503,
                f"Rendering this text took longer than {timeout:g} s and was stopped. It may contain "
                "something the renderer handles slowly (for example thousands of unclosed brackets).",
            )
        kind, payload = receiver.recv()
    except (EOFError, OSError) as exc:
        raise RenderRefused(503, "The text could not be rendered (the renderer stopped); try again.") from exc
    finally:
        if child.is_alive():
            child.kill()
        child.join(timeout=2)
        if child.exitcode is not None:
            child.close()
        receiver.close()
    if kind != "html":
        raise RenderRefused(400, f"This text cannot be rendered: {payload}.")
    return payload


def check_renders(text: str) -> None:
    """Raise RenderRefused when the text is too big, renders too slowly, or cannot be rendered."""
    check_size(text)
    bounded_render(text, None, "")
