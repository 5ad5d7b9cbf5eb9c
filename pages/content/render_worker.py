"""What runs in the bounded renderer's child process (see `pages.content.render_limits`). Imported first by
the fork server, so Django and the renderer are loaded once there and every child starts ready."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable


def _setup_django() -> None:
    from django.apps import apps

    if apps.ready or apps.loading or not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return
    import django

    with contextlib.suppress(Exception):  # the child reports its own failure when it renders
        django.setup()


_setup_django()
with contextlib.suppress(Exception):  # the fork server's children start with the renderer loaded
    from pages.content.rendering import load_engine

    load_engine()


def send_result(work: Callable[[], str], pipe) -> None:
    """Send ("html", work()) or ("error", why it failed) through the pipe, then close it."""
    try:
        pipe.send(("html", work()))
    except RecursionError:
        pipe.send(("error", "it is nested too deeply (lists or quotes inside each other)"))
    except Exception as exc:  # noqa: BLE001 - reported to the editor instead of a 500
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        pipe.close()


def render_to_pipe(text: str, index, baseurl: str, pipe) -> None:
    """Render with Quire's one rendering path (no database) and send the sanitised HTML."""
    _setup_django()
    from pages.content.rendering import RenderContext, render

    send_result(lambda: render(text, RenderContext(resolve_source=index, baseurl=baseurl)).html, pipe)
