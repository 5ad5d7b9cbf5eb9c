"""Search speed on a large generated site: p50 / p99 per query kind against Quire's targets.

    DATABASE_URL=sqlite:////tmp/search-bench.sqlite3 DJANGO_DEBUG=1 python bench/search_bench.py [PAGES]

Writes PAGES (default 10,000) pages of 6 sections each — words drawn by frequency from the markdown
under QUIRE_BENCH_CORPUS (default /work/shared/corpus, falling back to fixtures/content) — into the
database named by DATABASE_URL, unless it already holds that many pages, then times `search.search`
for one- and two-word queries and for three-letter prefixes (bounded: 300 + 100 queries, 120 s).
Exits 1 when a target is missed. Never point it at a database whose pages you want to keep.
"""

from __future__ import annotations

import os
import pathlib
import random
import re
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_project.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from pages import search  # noqa: E402
from pages.models import Page, PageSection  # noqa: E402

TARGETS_MS = {"p50": 20.0, "p99": 100.0}
TIME_LIMIT_S = 120.0
SECTIONS_PER_PAGE = 6


def corpus_words() -> list[str]:
    root = pathlib.Path(os.environ.get("QUIRE_BENCH_CORPUS", "/work/shared/corpus"))
    if not root.is_dir():
        root = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "content"
    text = " ".join(path.read_text(errors="ignore") for path in sorted(root.rglob("*.md")))
    return re.findall(r"[A-Za-z]{2,}", text)


def fill(pages: int, words: list[str], rng: random.Random) -> None:
    if Page.objects.count() == pages:
        return
    started = time.perf_counter()
    with transaction.atomic():
        Page.objects.all().delete()
        created = Page.objects.bulk_create(
            [Page(title=" ".join(rng.choices(words, k=3)), url_path=f"/p{i}/") for i in range(pages)],
            batch_size=1000,
        )
        batch: list[PageSection] = []
        for page in created:
            for position in range(SECTIONS_PER_PAGE):
                batch.append(
                    PageSection(
                        page=page,
                        position=position,
                        anchor=f"s{position}" if position else "",
                        heading=" ".join(rng.choices(words, k=3)) if position else "",
                        level=2,
                        text=" ".join(rng.choices(words, k=rng.randint(60, 160))),
                    )
                )
            if len(batch) >= 5000:
                PageSection.objects.bulk_create(batch)
                batch = []
        PageSection.objects.bulk_create(batch)
    print(f"wrote {pages} pages x {SECTIONS_PER_PAGE} sections in {time.perf_counter() - started:.0f} s")


def measure(queries: list[str], deadline: float) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per query, each sorted (CPU time shows the cost on a busy machine)."""
    wall, cpu = [], []
    for query in queries:
        if time.perf_counter() > deadline:
            break
        started, started_cpu = time.perf_counter(), time.process_time()
        search.search(query)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return sorted(wall), sorted(cpu)


def percentile(times: list[float], fraction: float) -> float:
    return times[max(0, int(len(times) * fraction) - 1)]


def main() -> int:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    words = corpus_words()
    fill(pages, words, rng)
    kinds = {
        "one or two words": [" ".join(rng.choices(words, k=rng.randint(1, 2))) for _ in range(300)],
        "three-letter prefixes": [word[:3] for word in rng.choices([w for w in words if len(w) >= 3], k=100)],
    }
    deadline = time.perf_counter() + TIME_LIMIT_S
    search.search("warm up")
    failed = False
    for label, queries in kinds.items():
        times, cpu = measure(queries, deadline)
        p50, p99 = statistics.median(times), percentile(times, 0.99)
        ok = p50 <= TARGETS_MS["p50"] and p99 <= TARGETS_MS["p99"]
        failed |= not ok
        print(
            f"{connection.vendor} {pages} pages, {label}: {len(times)} queries, "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {times[-1]:.1f} ms "
            f"(CPU p50 {statistics.median(cpu):.1f} ms, p99 {percentile(cpu, 0.99):.1f} ms; "
            f"target p50 <= {TARGETS_MS['p50']:.0f}, p99 <= {TARGETS_MS['p99']:.0f}): "
            f"{'ok' if ok else 'MISSED'}"
        )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
