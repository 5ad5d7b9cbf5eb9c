"""Stand-ins for the renderer, run in the bounded renderer's child process by the limit tests."""

import time

from pages.content.render_worker import send_result


def never_finishes(text, index, baseurl, pipe):
    time.sleep(60)  # not a wait for anything: a render that outlasts the limit under test


def busy_until(event, seconds: float = 60) -> bool:
    """Keep a render worker busy until `event` (a manager's Event) is set; False when it never was."""
    return event.wait(seconds)


def overflows(text, index, baseurl, pipe):
    """Fails the way a renderer fails on input nested deeper than its recursion allows."""

    def recurse(depth: int) -> str:
        return recurse(depth + 1)

    send_result(lambda: recurse(0), pipe)


def crashes(text, index, baseurl, pipe):
    """Dies without answering (killed by the system, say)."""
    import os

    os._exit(1)
