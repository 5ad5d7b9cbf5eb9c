"""One static build at a time per output folder (`build_site`, its `--watch` mode, the admin's button).

The lock is an exclusive `flock` on `.quire-build.lock` in the folder, taken without waiting: a second
build into the same folder is refused at once (`BuildBusy`), never queued. The operating system
releases it when its process ends, however it ends, so a killed build leaves no stale lock. Builds in
other folders, on this machine or another, do not touch each other: the lock guards the folder's files
and manifest, and goes wherever the folder goes (a volume shared by several servers included).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = ".quire-build.lock"


class BuildBusy(Exception):
    """Another build is writing into the folder."""


@contextlib.contextmanager
def build_lock(out: Path) -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    handle = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildBusy(f"another build is writing into {out}; try again when it has finished") from None
        yield
    finally:
        os.close(handle)  # releases the lock
