"""Pathological inputs at the maximum size: the Liquid pre-pass stays linear, the preview stays bounded.

    python bench/pathological.py          (also run by `make bench`; `make bench-pathological` alone)

1. The Liquid/kramdown pre-pass (`pages.content.jekyll_compat.prepare`) on 2 MiB (the import's file limit) of
   each unclosed-opener pattern that used to make it quadratic (120 KB of `{% ` took 39 s in an
   import); the bound is PREPASS_BOUND_S seconds per input, and 2 MiB must cost at most SCALING_BOUND
   times 16 times what 128 KiB costs (linear: 16; quadratic: 256). Best of three runs each.
2. The live preview's bounded render (`pages.content.render_limits.bounded_render`) on inputs the markdown
   engine handles slowly (16 KB of `[` ran past gunicorn's 30 s): it must answer, rendered or stopped,
   within the preview timeout plus PREVIEW_SLACK_S.

Prints one line per input and PASS/MISS per target; exits 1 when a target is missed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_project.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from pages.content.jekyll_compat import prepare  # noqa: E402
from pages.content.markdown_io import MAX_FILE_BYTES  # noqa: E402
from pages.content.render_limits import RenderRefused, bounded_render  # noqa: E402

PREPASS_BOUND_S = 3.0
SCALING_BOUND = 4.0  # linear: 1; quadratic: 16 (16x the input, 256x the time); room for a busy machine
SMALL_BYTES = MAX_FILE_BYTES // 16
PREVIEW_TIMEOUT_S = 5.0
PREVIEW_SLACK_S = 1.5

PREPASS_INPUTS = {
    "unclosed {% ": "{% ",
    "unclosed {{ ": "{{ ",
    "unclosed raw": "{% raw %}",
    "unclosed if": "{% if x %}",
    "unclosed if, one per line": "{% if x %}\n",
    "include per line": "{% include a.html %}\n",
    "unclosed highlight": "{% highlight py %}",
    "nested if/endif": "{% if a %}{% if b %}{% endif %}",
    "backtick runs": "`a ``b ```c ",
}
PREVIEW_INPUTS = {
    "16 KB of [": "[" * 16_000,
    "2,000 nested list markers": "- " * 2_000 + "x",
    "2 MiB of {% ": "{% " * (MAX_FILE_BYTES // 3),
}


def repeated(unit: str, size: int) -> str:
    return unit * (size // len(unit))


def seconds(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def best_of(action, rounds: int = 3) -> float:
    """The fastest of a few runs: a shared machine's neighbours only ever add time."""
    return min(seconds(action) for _ in range(rounds))


def measure_prepass() -> list[tuple[str, bool, str]]:
    checks = []
    for name, unit in PREPASS_INPUTS.items():
        small = best_of(lambda unit=unit: prepare(repeated(unit, SMALL_BYTES)))
        full = best_of(lambda unit=unit: prepare(repeated(unit, MAX_FILE_BYTES)))
        growth = full / max(small, 1e-6) / 16
        print(f"  pre-pass {name:>22}: {full:6.2f} s at 2 MiB, {small:6.3f} s at 128 KiB", flush=True)
        checks.append(
            (f"pre-pass {name} at 2 MiB <= {PREPASS_BOUND_S} s", full <= PREPASS_BOUND_S, f"{full:.2f} s")
        )
        checks.append(
            (
                f"pre-pass {name}: 16x the input <= {SCALING_BOUND} x 16x the time",
                growth <= SCALING_BOUND,
                f"{growth:.2f}",
            )
        )
    return checks


def measure_preview() -> list[tuple[str, bool, str]]:
    checks = []
    bounded_render("warm up", None, "", timeout=PREVIEW_TIMEOUT_S)  # the fork server starts once
    for name, text in PREVIEW_INPUTS.items():
        outcome = "rendered"

        def run(text=text) -> None:
            nonlocal outcome
            try:
                bounded_render(text, None, "", timeout=PREVIEW_TIMEOUT_S)
            except RenderRefused as refused:
                outcome = f"refused ({refused.status})"

        took = seconds(run)
        bound = PREVIEW_TIMEOUT_S + PREVIEW_SLACK_S
        print(f"  preview {name:>26}: {took:6.2f} s, {outcome}", flush=True)
        checks.append(
            (f"preview of {name} answers within {bound} s", took <= bound, f"{took:.2f} s, {outcome}")
        )
    return checks


def main() -> int:
    print("\n### Pathological inputs\n", flush=True)
    checks = measure_prepass() + measure_preview()
    print()
    for name, ok, value in checks:
        print(f"{'PASS' if ok else 'MISS'}  {name}  (measured {value})")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
