"""Where a first import's CPU goes: import_pages' own run, in one process (no render workers, so every
second is seen by cProfile), summarised by stage, then the functions with the most own time.

Run with DJANGO_SETTINGS_MODULE and DATABASE_URL of an empty, migrated database:
    python bench/profile_import.py CONTENT_FOLDER
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path

import django

# Stage: the functions whose cumulative time is that stage; a stage's functions may call another stage's
# (rendering is called from the batch writer), whose time SUBTRACT then counts there only. "other" is
# the rest of the run (the walk, hashing, the plan, the URL checks, ...).
STAGES = {
    "reading, front matter": [
        ("pages/content/markdown_io.py", "read_file"),
        ("pages/content/source_fields.py", "derive_fields"),
    ],
    "Liquid, kramdown blocks": [
        ("pages/content/jekyll_compat.py", "prepare"),
        ("pages/content/kramdown_blocks.py", "kramdown_blocks"),
    ],
    "markdown (markdown-it)": [("pages/content/markdown_engine.py", "render_markdown")],
    "highlight (Pygments)": [("pages/content/markdown_engine.py", "_highlight")],
    "sanitise (nh3)": [
        ("pages/content/sanitising.py", "sanitise"),
        ("pages/content/sanitising.py", "sanitise_mathml"),
    ],
    "search sections": [("pages/content/sections.py", "sections_from_html")],
    "rest of render()": [("pages/content/rendering.py", "render")],
    "DB: pages, sections, redirects": [("pages/sync/importing.py", "_write_batch")],
    "DB: search index": [("pages/store/search.py", "_index_sections_of")],
    "DB: parents": [("pages/sync/importing.py", "_link_parents")],
    "DB: history": [("pages/store/revisions.py", "record_import_revisions")],
}
RENDER_PARTS = ["Liquid, kramdown blocks", "markdown (markdown-it)", "sanitise (nh3)", "search sections"]
SUBTRACT = {
    "markdown (markdown-it)": ["highlight (Pygments)"],
    "rest of render()": [*RENDER_PARTS, "highlight (Pygments)"],
    "DB: pages, sections, redirects": [
        "rest of render()",
        *RENDER_PARTS,
        "highlight (Pygments)",
        "DB: search index",
    ],
}
TOP = 15


def _cumulative(stats: pstats.Stats, wanted: list[tuple[str, str]]) -> float:
    total = 0.0
    for (filename, _, name), (_, _, _, cumulative, _) in stats.stats.items():
        if any(filename.endswith(path) and name == function for path, function in wanted):
            total += cumulative
    return total


def summary(stats: pstats.Stats, seconds: float) -> str:
    cumulative = {name: _cumulative(stats, wanted) for name, wanted in STAGES.items()}
    stages = dict(cumulative)
    for name, inner in SUBTRACT.items():
        stages[name] = cumulative[name] - sum(stages[i] for i in inner)
    stages["other"] = seconds - sum(stages.values())
    lines = [f"{'stage':>32}  {'s':>7}  share   (profiled seconds: cProfile slows Python code ~2x)"]
    for name, value in stages.items():
        lines.append(f"{name:>32}  {value:7.2f}  {100 * value / seconds:4.0f} %")
    lines.append(f"{'total (profiled)':>32}  {seconds:7.2f}")
    lines.append(f"\nTop {TOP} functions by own time:")
    own = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:TOP]
    for (filename, line, name), (_, calls, tottime, cumulative, _) in own:
        where = "/".join(Path(filename).parts[-2:]) if filename != "~" else "builtin"
        figures = f"{tottime:6.2f} s own  {cumulative:6.2f} s cum  {calls:>9} calls"
        lines.append(f"  {figures}  {where}:{line} {name}")
    return "\n".join(lines)


def main(root: Path) -> None:
    django.setup()
    from pages.sync.importing import ImportOptions, import_directory

    options = ImportOptions(jobs=1)  # this process renders everything: the profile sees it all
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    report = import_directory(root, options)
    profile.disable()
    seconds = time.perf_counter() - started
    if report.errors:
        raise SystemExit(f"the import failed: {report.errors[:3]}")
    print(summary(pstats.Stats(profile), seconds))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
