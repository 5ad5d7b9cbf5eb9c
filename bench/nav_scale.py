"""The navigation at scale (part of `make bench`): 1,000, 10,000 and 100,000 pages.

The pages are written straight into a SQLite database with `bulk_create` (sections of 20 pages, as
bench/corpus.py lays them out, with a 1 KB rendered body each), not rendered through an import: an
import of 100,000 files would take the whole benchmark's time and measures something else.

Per size, in one process: the navigation's build (query, tree, closed HTML) and the writing of its
pieces to the shared cache, the number and pickled size of the pieces (the largest one, all of them,
and the one blob of the whole navigation that earlier releases stored), and over 300 pages chosen at
random, each read by a fresh worker (nothing kept in the process): the pieces and bytes a page view
reads from the shared cache, and the sidebar's size. Then a gunicorn (2 sync workers, the response
cache off, the navigation cache on) answers wrk (-t2 -c8) going through 2,000 pages at random, next to
bare WhiteNoise under the same gunicorn serving one page's bytes (the ceiling, bench/bare_whitenoise.py),
in interleaved rounds; the workers' CPU per answer, and their RSS after it.

NAV_SCALE_SIZES (default "1000,10000,100000"), BENCH_SECONDS per wrk point (default 10),
REDIS_URL, else BENCH_REDIS_URL (default redis://127.0.0.1:6379/15, when it answers; without one the
shared cache is each process's own memory, and each worker keeps its own whole navigation),
BENCH_PORTS (default 8500-8539).
"""

from __future__ import annotations

import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import tools  # noqa: E402
from bench.tools import PYTHON, base_env, fetch, gunicorn, run_wrk, worker_rss_mb  # noqa: E402

SIZES = [int(s) for s in os.environ.get("NAV_SCALE_SIZES", "1000,10000,100000").split(",") if s.strip()]
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = 3
PAGES_PER_SECTION = 20
SAMPLE = 300
WRK_PAGES = 2000


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ------------------------------------------------------------------------ inside Django (a child process)
def body(i: int) -> str:
    words = " ".join(f"word{(i * 7 + k) % 97}" for k in range(120))
    return f'<p>Page {i} text: {words}.</p>\n<h2 id="more">More</h2>\n<p>{words}.</p>'


def generate(size: int) -> None:
    """`size` published pages in sections of PAGES_PER_SECTION, straight into the database."""
    from django.db import transaction

    from pages.models import Page
    from pages.store.site_state import bump_content_version

    sections = max(1, size // PAGES_PER_SECTION)
    toc = [{"level": 2, "id": "more", "name": "More"}]
    with transaction.atomic():
        heads = Page.objects.bulk_create(
            Page(
                title=f"Section {s:05d}",
                url_path=f"/section-{s:05d}/",
                nav_order=str(s),
                body_html=body(s),
                toc=toc,
                source_path=f"section-{s:05d}/index.md",
            )
            for s in range(sections)
        )
        rows = []
        for i in range(sections, size):
            section = heads[i % sections]
            rows.append(
                Page(
                    title=f"Topic {i:06d}",
                    url_path=f"{section.url_path}topic-{i:06d}/",
                    parent_id=section.pk,
                    nav_order=str(i),
                    body_html=body(i),
                    toc=toc,
                    source_path=f"{section.url_path.strip('/')}/topic-{i:06d}.md",
                )
            )
            if len(rows) == 5000:
                Page.objects.bulk_create(rows)
                rows = []
        Page.objects.bulk_create(rows)
        bump_content_version()


class ReadCounter:
    """The shared cache, counting the keys read and the pickled bytes they held."""

    def __init__(self, cache):
        self.cache = cache
        self.keys = 0
        self.bytes = 0

    def get(self, key, default=None, **kwargs):
        value = self.cache.get(key, default, **kwargs)
        self._count([value] if value is not None else [])
        return value

    def get_many(self, keys, **kwargs):
        found = self.cache.get_many(keys, **kwargs)
        self._count(found.values())
        return found

    def _count(self, values) -> None:
        for value in values:
            self.keys += 1
            self.bytes += len(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))

    def __getattr__(self, name):
        return getattr(self.cache, name)


def measure(size: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from pages.site import caching, nav_cache

    settings.QUIRE_NAV_PIECES = True  # measured in pieces whatever the cache (as with Redis)
    from pages.models import Page
    from pages.store.site_state import content_version

    started = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    generate(size)
    figures: dict = {"generate seconds": time.perf_counter() - started}
    cache = caching._cache()
    cache.clear()
    version = content_version()

    cpu = time.process_time()
    navigation = nav_cache.build_navigation(version)
    figures["build cpu seconds"] = time.process_time() - cpu
    cpu = time.process_time()
    entries = nav_cache.navigation_entries(navigation)
    figures["pieces cpu seconds"] = time.process_time() - cpu
    cpu = time.process_time()
    nav_cache.store_navigation(cache, navigation)
    figures["store cpu seconds"] = time.process_time() - cpu
    sizes = {key: len(pickle.dumps(value, pickle.HIGHEST_PROTOCOL)) for key, value in entries.items()}
    figures["pieces"] = len(sizes)
    figures["largest piece bytes"] = max(sizes.values())
    figures["all pieces bytes"] = sum(sizes.values())
    figures["one blob bytes"] = len(pickle.dumps(navigation, pickle.HIGHEST_PROTOCOL))
    del navigation, entries

    counter = ReadCounter(cache)
    nav_cache._cache = lambda: counter
    pages = list(Page.objects.values_list("pk", "parent_id", "has_toc"))
    random.Random(size).shuffle(pages)
    reads, read_bytes, sidebars = [], [], []
    for pk, parent_id, has_toc in pages[:SAMPLE]:
        nav_cache.forget_local_navigation()
        counter.keys = counter.bytes = 0
        around = nav_cache.site_navigation().page(pk, parent_id, with_children=has_toc)
        reads.append(counter.keys)
        read_bytes.append(counter.bytes)
        sidebars.append(len(around.sidebar.encode()))
    figures["reads per view"] = statistics.mean(reads)
    figures["reads per view, max"] = max(reads)
    figures["bytes read per view"] = statistics.mean(read_bytes)
    figures["bytes read per view, max"] = max(read_bytes)
    figures["sidebar bytes"] = statistics.mean(sidebars)
    figures["sidebar bytes, max"] = max(sidebars)
    figures["urls"] = list(Page.objects.order_by("?").values_list("url_path", flat=True)[:WRK_PAGES])
    nav_cache._cache = caching._cache
    from django.test import Client

    page = Client().get(figures["urls"][0], HTTP_HOST="127.0.0.1")
    Path(os.environ["QUIRE_BENCH_STATIC_ROOT"], "ceiling.html").write_bytes(page.content)
    return figures


# ------------------------------------------------------------------------------------------ the driver
def wrk_script(urls: list[str], path: Path) -> Path:
    listed = ",".join(json.dumps(url) for url in urls)
    path.write_text(
        f"local urls = {{{listed}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n  return wrk.format('GET', urls[(i % #urls) + 1])\nend\n"
    )
    return path


def workers_cpu_seconds(base: str) -> float:
    """User + system CPU of the server's workers so far: a measure the machine's other load leaves alone."""
    import psutil

    workers = psutil.Process(tools._SERVERS[base]).children()
    return sum(sum(worker.cpu_times()[:2]) for worker in workers)


def run_size(size: int, work: Path) -> dict:
    database = work / f"nav-{size}.sqlite3"
    redis = tools.shared_cache_url()
    env = base_env(
        f"sqlite:///{database}",
        REDIS_URL=redis,
        QUIRE_BENCH_CACHE_RESPONSES="0",
        QUIRE_CACHE_PREFIX=f"quire-nav-scale-{os.getpid()}-{size}",
    )
    static_root = work / f"static-{size}"
    static_root.mkdir()
    env["QUIRE_BENCH_STATIC_ROOT"] = str(static_root)
    log(f"{size:,} pages: generating and measuring the navigation ...")
    out = subprocess.run(
        [PYTHON, __file__, "--measure", str(size)], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    urls = figures.pop("urls")
    log(f"{size:,} pages: page views ...")
    with (
        gunicorn(env) as base,
        gunicorn(env, app="bench.bare_whitenoise:application") as bare,
    ):
        for url in urls[:20]:
            fetch(base + url)
        script = wrk_script(urls, work / f"pages-{size}.lua")
        cold, ceiling, cold_cpu, ceiling_cpu = [], [], [], []
        points = ((cold, cold_cpu, base, "/", script), (ceiling, ceiling_cpu, bare, "/ceiling.html", None))
        for _ in range(ROUNDS):
            for runs, cpu, server, url, lua in points:
                before = workers_cpu_seconds(server)
                runs.append(run_wrk(server + url, max(1, SECONDS // ROUNDS), script=lua))
                cpu.append((workers_cpu_seconds(server) - before) / max(1, runs[-1].requests) * 1000)
        figures["worker rss mb"] = worker_rss_mb(base)
    figures["cold cpu ms"] = statistics.median(cold_cpu)
    figures["ceiling cpu ms"] = statistics.median(ceiling_cpu)
    figures["cold req/s"] = statistics.median(r.requests_per_second for r in cold)
    figures["ceiling req/s"] = statistics.median(r.requests_per_second for r in ceiling)
    figures["cold / ceiling"] = statistics.median(
        c.requests_per_second / s.requests_per_second for c, s in zip(cold, ceiling, strict=True)
    )
    figures["errors"] = sum(r.errors for r in cold)
    figures["shared cache"] = "redis" if redis else "each process's memory"
    return figures


def kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def pair(f: dict, key: str, show) -> str:
    return f"{show(f[key])} / {show(f[key + ', max'])}"


ROWS = [
    ("generated (bulk_create)", lambda f: f"{f['generate seconds']:.1f} s"),
    ("nav build (query, tree, HTML), CPU", lambda f: f"{f['build cpu seconds']:.2f} s"),
    ("  cut into pieces, stored, CPU", lambda f: f"{f['pieces cpu seconds'] + f['store cpu seconds']:.2f} s"),
    ("pieces stored", lambda f: f"{f['pieces']:,}"),
    ("largest piece", lambda f: kb(f["largest piece bytes"])),
    ("all pieces", lambda f: kb(f["all pieces bytes"])),
    ("(one blob, as before)", lambda f: kb(f["one blob bytes"])),
    ("pieces read per cold view (mean/max)", lambda f: pair(f, "reads per view", lambda n: f"{n:.1f}")),
    ("bytes read per cold view (mean/max)", lambda f: pair(f, "bytes read per view", kb)),
    ("sidebar (mean/max)", lambda f: pair(f, "sidebar bytes", kb)),
    ("worker RSS after the run", lambda f: " + ".join(f"{mb:.0f}" for mb in f["worker rss mb"]) + " MB"),
    ("cold page views, 2,000 pages", lambda f: f"{f['cold req/s']:,.0f} req/s ({f['errors']} errors)"),
    ("static ceiling", lambda f: f"{f['ceiling req/s']:,.0f} req/s"),
    ("cold / ceiling", lambda f: f"{f['cold / ceiling']:.2f}"),
    (
        "CPU per cold view / per ceiling answer",
        lambda f: f"{f['cold cpu ms']:.2f} / {f['ceiling cpu ms']:.2f} ms",
    ),
]


def report(results: dict[int, dict]) -> None:
    sizes = sorted(results)
    width = 40
    print()
    print("Navigation at scale (shared cache: " + results[sizes[0]]["shared cache"] + ")")
    print(" " * width + "".join(f"{size:>20,}" for size in sizes))
    for name, value in ROWS:
        print(f"{name:<{width}}" + "".join(f"{value(results[size]):>20}" for size in sizes))


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(int(sys.argv[2]))))
        return
    results = {}
    with tempfile.TemporaryDirectory(prefix="quire-nav-scale-") as work:
        for size in SIZES:
            results[size] = run_size(size, Path(work))
            log(f"{size:,} pages done")
    report(results)


if __name__ == "__main__":
    main()
