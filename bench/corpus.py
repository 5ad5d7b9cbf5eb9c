"""A deterministic Just the Docs-style site: sections with child pages, 2-8 KB of markdown each."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

WORDS = [
    "quire",
    "page",
    "import",
    "export",
    "front",
    "matter",
    "markdown",
    "render",
    "cache",
    "nav",
    "order",
    "parent",
    "child",
    "section",
    "table",
    "list",
    "code",
    "heading",
    "anchor",
    "search",
    "index",
    "version",
    "editor",
    "admin",
    "preview",
    "draft",
    "publish",
    "site",
    "static",
    "file",
    "server",
    "worker",
    "request",
    "response",
    "query",
    "database",
    "transaction",
    "batch",
    "hash",
    "sync",
    "conflict",
    "revision",
]
PAGES_PER_SECTION = 20


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))


def block(rng: random.Random, n: int) -> str:
    kind = n % 4
    if kind == 0:
        return "\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(3, 6)))
    if kind == 1:
        lines = [f"{rng.choice(WORDS)}_{i} = {rng.randint(0, 999)}" for i in range(rng.randint(3, 8))]
        return "```python\n" + "\n".join(lines) + "\n```"
    if kind == 2:
        rows = [f"| {rng.choice(WORDS)} | {rng.randint(1, 99)} | {sentence(rng)} |" for _ in range(4)]
        return "| name | value | note |\n| --- | ---: | --- |\n" + "\n".join(rows)
    return paragraph(rng)


def body(rng: random.Random, target_bytes: int) -> str:
    parts = [paragraph(rng)]
    n = 0
    while len("\n\n".join(parts)) < target_bytes:
        if n % 3 == 0:
            parts.append(f"{'#' * rng.choice((2, 2, 3))} {sentence(rng)[:-1]}")
        parts.append(block(rng, n))
        n += 1
    return "\n\n".join(parts) + "\n"


def page_text(title: str, nav_order: int, date: dt.date, parent: str | None, text: str) -> str:
    lines = ["---", "layout: default", f"title: {title}", f"nav_order: {nav_order}", f"date: {date}"]
    if parent:
        lines.append(f"parent: {parent}")
    return "\n".join([*lines, "---", "", f"# {title}", "", text])


def generate(root: Path, count: int, seed: int = 6) -> list[Path]:
    """Write `count` pages under root; the same count and seed always give the same bytes."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    start = dt.date(2020, 1, 1)
    sections = max(1, count // PAGES_PER_SECTION)
    for i in range(count):
        section = i % sections
        is_section = i < sections
        title = f"Section {section:04d}" if is_section else f"Topic {i:05d} {rng.choice(WORDS)}"
        folder = root / f"section-{section:04d}"
        folder.mkdir(exist_ok=True)
        path = folder / ("index.md" if is_section else f"topic-{i:05d}.md")
        text = body(rng, rng.randint(2000, 6800))
        parent = None if is_section else f"Section {section:04d}"
        date = start + dt.timedelta(hours=4 * i)  # 10,000 pages span 4.6 years: none in the future
        path.write_text(page_text(title, i + 1, date, parent, text))
        paths.append(path)
    return paths


def change(paths: list[Path], fraction: float, seed: int = 7) -> list[Path]:
    """Append a paragraph to a deterministic `fraction` of the pages; returns the changed files."""
    rng = random.Random(seed)
    chosen = rng.sample(paths, max(1, int(len(paths) * fraction)))
    for path in chosen:
        with path.open("a") as handle:
            handle.write(f"\n{paragraph(rng)}\n")
    return chosen


def url_of(root: Path, path: Path) -> str:
    """The URL the importer gives a file without a permalink."""
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts[:-1]) if rel.name == "index" else list(rel.parts)
    return "/" + "".join(f"{p}/" for p in parts)
