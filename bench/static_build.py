"""`make bench`, static export: `build_site` of the whole site, then again incrementally after 1% of
the pages changed, beside the import floor (parse + render every file) of the same size.

Targets (issue 18): the full build at 10,000 pages <= 0.5 x floor (the pages are already rendered);
an incremental build after a 1% change <= 0.05 x the full build. Both are judged on the wall time of
the real command, process start included; the build's own time (what `build_site` reports, without
Python's and Django's start-up) is printed beside it, to show where the rest goes.
"""

from __future__ import annotations

import re
from pathlib import Path

from bench.tools import PYTHON

SITE_URL = "https://bench.example.org"
FULL = "static build"
INCREMENTAL = "static build, 1% changed"
START = "Python + Django set-up"


_OWN_SECONDS = re.compile(r" in (\d+(?:\.\d+)?) s\s*$", re.MULTILINE)


def own_seconds(measured) -> float | None:
    """The seconds the build reported for itself (its summary line), without the process start."""
    found = _OWN_SECONDS.findall(measured.output)
    return float(found[-1]) if found else None


def _own(measured) -> str:
    seconds = own_seconds(measured)
    return "" if seconds is None else f"  (build's own {seconds:.2f} s)"


def build_command(out: Path, *extra: str) -> list[str]:
    return [PYTHON, "manage.py", "build_site", str(out), "--site-url", SITE_URL, *extra]


def measure_full_build(env: dict, work: Path, size: int, figures: dict, timed) -> Path:
    """The whole site into an empty folder (after the first import)."""
    out = work / f"site-{size}"
    timed(figures, FULL, build_command(out), env)
    figures["static files"] = sum(1 for path in out.rglob("*") if path.is_file())
    figures["static bytes"] = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    return out


def measure_incremental_build(env: dict, out: Path, figures: dict, timed) -> None:
    """Again into the same folder, after the re-import of 1% changed pages; and, beside it, what any
    command pays before its own work: Python started and `django.setup()` (apps, models, admin)."""
    timed(figures, INCREMENTAL, build_command(out, "--incremental"), env)
    timed(figures, START, [PYTHON, "-c", "import django; django.setup()"], env)


def print_figures(f: dict, fmt_run) -> None:
    if FULL not in f:
        return
    files = f"({f['static files']} files, {f['static bytes'] / 1e6:.0f} MB)"
    print(f"{FULL:>22}: {fmt_run(f[FULL])} {files}{_own(f[FULL])}")
    print(f"{INCREMENTAL:>22}: {fmt_run(f[INCREMENTAL])}{_own(f[INCREMENTAL])}")
    if START in f:
        print(f"{START:>22}: {fmt_run(f[START])}")


def targets(size: int, f: dict) -> list[tuple[str, bool, str]]:
    """The full build against the floor (wall time: it renders on every core, like the import), and
    the incremental build against the full one."""
    if FULL not in f:
        return []
    checks = []
    ratio = f[FULL].seconds / f["floor"].seconds
    cpu = f[FULL].cpu_seconds / f["floor"].cpu_seconds
    if size >= 10000:
        checks.append(
            (f"{size}: static build <= 0.5 x floor (wall)", ratio <= 0.5, f"{ratio:.2f}; CPU {cpu:.2f}")
        )
    else:
        checks.append(
            (f"{size}: static build vs floor (wall; judged at 10,000)", True, f"{ratio:.2f}; CPU {cpu:.2f}")
        )
    ratio = f[INCREMENTAL].seconds / f[FULL].seconds
    cpu = f[INCREMENTAL].cpu_seconds / f[FULL].cpu_seconds
    own = ""
    if own_seconds(f[INCREMENTAL]) is not None and own_seconds(f[FULL]):
        own = f"; build's own time {own_seconds(f[INCREMENTAL]) / own_seconds(f[FULL]):.3f}"
    if START in f:
        own += f"; Python + Django set-up alone {f[START].seconds / f[FULL].seconds:.3f}"
    checks.append(
        (
            f"{size}: incremental static build <= 0.05 x full (wall)",
            ratio <= 0.05,
            f"{ratio:.3f}; CPU {cpu:.3f}{own}",
        )
    )
    return checks
