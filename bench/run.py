"""`make bench`: imports, page views, search and the static export against their floor and ceiling.

BENCH_SIZES (default "1000,10000"), BENCH_SECONDS per wrk point (default 10), BENCH_KEEP=1 keeps the
temporary folder, BENCH_ONLY=views runs only the page views (after an untimed import), BENCH_ONLY=import
only the imports (floor, first import, re-imports and the import's profile), BENCH_ONLY=static the
floor, the import and the static builds, BENCH_PORTS
(default 8500-8539) the ports its servers may use. Quire's servers share a Redis as in production:
REDIS_URL, else BENCH_REDIS_URL (default redis://127.0.0.1:6379/15) when it answers;
else each process's own memory.
Prints a table of figures and PASS/MISS per target.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import corpus, static_build  # noqa: E402
from bench.tools import (  # noqa: E402
    PYTHON,
    Measured,
    WrkResult,
    base_env,
    compile_sources,
    fetch,
    fetch_encoded,
    gunicorn,
    machine_facts,
    manage,
    run_measured,
    run_wrk,
    shared_cache_url,
    worker_rss_mb,
)

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000").split(",") if s.strip()]
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SEARCH_QUERIES = 200


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed(figures: dict, name: str, args: list[str], env: dict) -> None:
    log(f"  {name} ...")
    figures[name] = run_measured(args, env)
    log(f"  {name}: {fmt_run(figures[name])}")


def prepare(size: int, work: Path) -> tuple[dict, Path, list[Path]]:
    content = work / f"content-{size}"
    paths = corpus.generate(content, size)
    # Cache keys of this run and size only: a shared Redis may hold another run's entries of the same
    # content version.
    prefix = f"quire-bench-{os.getpid()}-{size}"
    env = base_env(f"sqlite:///{work / f'bench-{size}.sqlite3'}", QUIRE_CACHE_PREFIX=prefix)
    manage(env, "migrate", "--noinput")
    return env, content, paths


def measure_first_import(env: dict, content: Path, figures: dict) -> None:
    """The first import between two floor runs; the floor is their mean. A shared machine's speed
    drifts over minutes, so the floor is measured next to the import it is compared with, on both sides."""
    floor = [PYTHON, "bench/floor.py", str(content)]
    timed(figures, "floor, before", floor, env)
    timed(figures, "first import", [PYTHON, "manage.py", "import_pages", str(content)], env)
    timed(figures, "floor, after", floor, env)
    before, after = figures["floor, before"], figures["floor, after"]
    figures["floor"] = Measured(
        seconds=(before.seconds + after.seconds) / 2,
        cpu_seconds=(before.cpu_seconds + after.cpu_seconds) / 2,
        peak_rss_mb=max(before.peak_rss_mb, after.peak_rss_mb),
        output="",
    )


def measure_reimports(env: dict, content: Path, paths: list[Path], figures: dict) -> None:
    timed(figures, "re-import unchanged", [PYTHON, "manage.py", "import_pages", str(content)], env)
    corpus.change(paths, 0.01)
    timed(figures, "re-import 1% changed", [PYTHON, "manage.py", "import_pages", str(content)], env)


def measure_profile(content: Path, work: Path, size: int, figures: dict) -> None:
    """A first import of the same files into a fresh database under cProfile, in one process (so every
    second is seen; bench/profile_import.py), summarised by stage: where the next step is. Run at the
    largest size only (cProfile makes it 2-3 x slower)."""
    env = base_env(f"sqlite:///{work / f'profile-{size}.sqlite3'}")
    manage(env, "migrate", "--noinput")
    log("  profile of a first import ...")
    done = run_measured([PYTHON, "bench/profile_import.py", str(content)], env)
    figures["profile"] = done.output.rstrip()


ACCEPT_COMPRESSED = "Accept-Encoding: br, gzip"
# name: (the Quire server's extra environment, whether wrk sends ACCEPT_COMPRESSED). Each is compared with
# the bare WhiteNoise ceiling serving the same bytes: "ceiling" (identity) or "ceiling, compressed"
# (Quire's own brotli and gzip bytes as WhiteNoise's precompressed .br/.gz files).
VIEW_POINTS = {
    "warm": ({}, False),
    "warm, compressed": ({}, True),
    "warm, no fast path": ({"QUIRE_FAST_PATH": "0"}, False),
    "warm, SQLite reopened": ({"DJANGO_SQLITE_CONN_MAX_AGE": "0"}, False),
    "cold": ({"QUIRE_BENCH_CACHE_RESPONSES": "0"}, False),
    "cold, nothing cached": ({"QUIRE_BENCH_CACHE_RESPONSES": "0", "QUIRE_BENCH_CACHE_NAV": "0"}, False),
}
CEILINGS = {False: "ceiling", True: "ceiling, compressed"}


def write_ceiling_files(base: str, url: str, static_root: Path, figures: dict) -> None:
    """The bytes Quire sends for `url`, as the file the ceiling serves, and its brotli and gzip answers
    beside it (only when Quire compressed them)."""
    status, page_bytes = fetch(base + url)
    if status != 200:
        raise RuntimeError(f"{url} answered {status}")
    (static_root / "ceiling.html").write_bytes(page_bytes)
    figures["page bytes"] = len(page_bytes)
    for coding, suffix in (("br", ".br"), ("gzip", ".gz")):
        _status, encoding, body = fetch_encoded(base + url, coding)
        if encoding == coding:
            (static_root / f"ceiling.html{suffix}").write_bytes(body)
            figures[f"page bytes, {coding}"] = len(body)


def measure_views(size: int, env: dict, url: str, work: Path, figures: dict) -> None:
    """Each point gets SECONDS of wrk, in ROUNDS short runs interleaved with the other points, so a
    neighbour's load on this shared machine hits all points alike; ratios are taken per round.

    The ceiling is WhiteNoise alone (bench/bare_whitenoise.py) under the same gunicorn, serving exactly
    the bytes Quire sends. Afterwards the resident memory of each of warm Quire's workers is read."""
    static_root = work / f"static-{size}"
    static_root.mkdir()
    # A key prefix of this run and size: another run, or the other size, never answers from these entries.
    prefix = f"quire-bench-{os.getpid()}-{size}"
    env = {**env, "QUIRE_BENCH_STATIC_ROOT": str(static_root), "QUIRE_CACHE_PREFIX": prefix}
    with gunicorn(env) as base:
        write_ceiling_files(base, url, static_root, figures)
    codings = [coding for coding in ("br", "gzip") if f"page bytes, {coding}" in figures]
    sizes = ", ".join(f"{coding} {figures[f'page bytes, {coding}']}" for coding in codings)
    log(f"  page {url}: {figures['page bytes']} bytes; compressed: {sizes or 'not sent compressed'}")
    runs: dict[str, list] = {name: [] for name in (*CEILINGS.values(), *VIEW_POINTS)}
    with contextlib.ExitStack() as stack:
        ceiling = stack.enter_context(gunicorn(env, app="bench.bare_whitenoise"))
        servers: dict[tuple, str] = {}
        for extra, _compressed in VIEW_POINTS.values():
            key = tuple(sorted(extra.items()))
            if key not in servers:
                servers[key] = stack.enter_context(gunicorn({**env, **extra}))
        points = {name: (ceiling + "/ceiling.html", compressed) for compressed, name in CEILINGS.items()}
        for name, (extra, compressed) in VIEW_POINTS.items():
            points[name] = (servers[tuple(sorted(extra.items()))] + url, compressed)
        for target, _compressed in points.values():  # warm both workers (each fills its own copies)
            for _ in range(4):
                fetch(target)
        log(f"  page views, {ROUNDS} rounds of {SECONDS / ROUNDS:.0f} s per point ...")
        for _ in range(ROUNDS):
            for name, (target, compressed) in points.items():
                headers = (ACCEPT_COMPRESSED,) if compressed else ()
                runs[name].append(run_wrk(target, max(1, SECONDS // ROUNDS), headers=headers))
        figures["worker RSS"] = worker_rss_mb(servers[()])
    for name, results in runs.items():
        figures[name] = WrkResult(
            requests_per_second=statistics.median(r.requests_per_second for r in results),
            p50_ms=statistics.median(r.p50_ms for r in results),
            p99_ms=statistics.median(r.p99_ms for r in results),
            requests=sum(r.requests for r in results),
            errors=sum(r.errors for r in results),
        )
        ceiling_runs = runs[CEILINGS[VIEW_POINTS[name][1]] if name in VIEW_POINTS else name]
        figures.setdefault("ratio", {})[name] = statistics.median(
            r.requests_per_second / c.requests_per_second for r, c in zip(results, ceiling_runs, strict=True)
        )
        log(f"  {name}: {fmt_wrk(figures[name])}  ({figures['ratio'][name]:.2f} x ceiling)")
    log(f"  warm Quire's workers: {fmt_rss(figures['worker RSS'])}")


def fmt_rss(values: list[float]) -> str:
    return ", ".join(f"{v:.0f} MB" for v in values) or "not measured"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure_search(env: dict, figures: dict) -> None:
    """SEARCH_QUERIES one- and two-word queries through the real /search/ view, one after another."""
    queries = [
        corpus.WORDS[i % len(corpus.WORDS)] + ("" if i < 40 else f" {i}") for i in range(SEARCH_QUERIES)
    ]
    with gunicorn(env) as base:
        status, _ = fetch(base + "/search/?q=cache")
        if status != 200:
            raise RuntimeError(f"/search/ answered {status}")
        times = []
        for q in queries:
            started = time.perf_counter()
            fetch(base + "/search/?q=" + q.replace(" ", "+"))
            times.append((time.perf_counter() - started) * 1000)
    figures["search"] = ("/search/?q= over HTTP", times)
    log(f"  search: p50 {percentile(times, 0.5):.2f} ms  p99 {percentile(times, 0.99):.2f} ms")


def fmt_run(m) -> str:
    return f"{m.seconds:8.2f} s  (cpu {m.cpu_seconds:7.2f} s)  peak RSS {m.peak_rss_mb:5.0f} MB"


def fmt_wrk(w) -> str:
    latency = f"p50 {w.p50_ms:7.2f} ms  p99 {w.p99_ms:7.2f} ms"
    return f"{w.requests_per_second:8.0f} req/s  {latency}  errors {w.errors}"


def print_machine() -> None:
    print("\n## Quire benchmark\n")
    for name, value in machine_facts():
        print(f"{name:>22}: {value}")
    cache = "Redis (REDIS_URL)" if os.environ.get("REDIS_URL") else "local memory (no REDIS_URL)"
    print(f"{'cache':>22}: {cache}")


def print_imports(f: dict) -> None:
    names = ("floor, before", "first import", "floor, after", "floor")
    for name in (*names, "re-import unchanged", "re-import 1% changed"):
        print(f"{name:>22}: {fmt_run(f[name])}")
    if "profile" in f:
        print(f"\nWhere the first import's CPU goes (cProfile, one process, its own run):\n{f['profile']}\n")


def print_size(size: int, f: dict) -> None:
    """One size's figures, printed as soon as they are measured."""
    print(f"\n### {size} pages (page {f['url']}, {f['page bytes']} bytes)\n")
    print_imports(f)
    for name in (*CEILINGS.values(), *VIEW_POINTS):
        ratio = f["ratio"][name]
        print(f"{name:>22}: {fmt_wrk(f[name])}  ({ratio:.2f} x ceiling)")
    print(f"{'warm worker RSS':>22}: {fmt_rss(f['worker RSS'])}")
    static_build.print_figures(f, fmt_run)
    if "search" in f:
        label, times = f["search"]
        print(
            f"{'search':>22}: p50 {percentile(times, 0.5):.2f} ms  p99 {percentile(times, 0.99):.2f} ms "
            f"({len(times)} queries; {label})"
        )
    print(flush=True)


def worse_ratio(a, b) -> float:
    """a / b in wall seconds or in CPU seconds, whichever is worse. Sequential runs on a shared machine
    see different neighbours, so wall time alone can flatter either side; CPU time cannot, for
    single-process work (a parallel importer is judged on wall time on a quiet machine)."""
    return max(a.seconds / b.seconds, a.cpu_seconds / b.cpu_seconds)


def import_targets(size: int, f: dict) -> list[tuple[str, bool, str]]:
    """The floor is python-frontmatter + Python-Markdown in one process (bench/floor.py); import_pages
    renders on every core, the floor on one: judged on wall time, CPU shown beside."""
    checks = []
    limit = 1.0 if size <= 1000 else 0.6
    ratio = f["first import"].seconds / f["floor"].seconds
    cpu = f["first import"].cpu_seconds / f["floor"].cpu_seconds
    checks.append(
        (f"{size}: first import <= {limit} x floor (wall)", ratio <= limit, f"{ratio:.2f}; CPU {cpu:.2f}")
    )
    if size >= 10000:  # smaller sites: the fixed cost of starting Python and Django dominates
        ratio = worse_ratio(f["re-import unchanged"], f["first import"])
        checks.append((f"{size}: re-import unchanged <= 0.05 x first", ratio <= 0.05, f"{ratio:.3f}"))
        rss = f["first import"].peak_rss_mb
        checks.append((f"{size}: import peak RSS <= 200 MB", rss <= 200, f"{rss:.0f} MB"))
    return checks


def targets(results: dict[int, dict], views_only: bool = False) -> list[tuple[str, bool, str]]:
    checks = []
    for size, f in results.items():
        warm, cold = f["ratio"]["warm"], f["ratio"]["cold"]
        compressed = f["ratio"]["warm, compressed"]
        checks.append((f"{size}: warm >= 0.9 x bare WhiteNoise", warm >= 0.9, f"{warm:.2f}"))
        name = f"{size}: warm, compressed >= 0.9 x bare WhiteNoise, compressed"
        checks.append((name, compressed >= 0.9, f"{compressed:.2f}"))
        checks.append((f"{size}: cold >= 0.2 x bare WhiteNoise", cold >= 0.2, f"{cold:.2f}"))
        rss = max(f["worker RSS"], default=float("inf"))
        checks.append((f"{size}: each web worker's RSS <= 120 MB", rss <= 120, fmt_rss(f["worker RSS"])))
        if views_only:
            continue
        checks.extend(import_targets(size, f))
        checks.extend(static_build.targets(size, f))
        if "search" in f:
            times = f["search"][1]
            p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
            checks.append((f"{size}: search p50 <= 20 ms", p50 <= 20, f"{p50:.2f} ms"))
            checks.append((f"{size}: search p99 <= 100 ms", p99 <= 100, f"{p99:.2f} ms"))
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = results[sizes[0]], results[sizes[-1]]

        def per_page(f, n):
            return max(f["first import"].seconds, f["first import"].cpu_seconds) / n

        # Flat cost: the same req/s at both sizes (a ratio to the ceiling would flatter a page that
        # grows with the site, since the ceiling serves the same growing bytes).
        flat = large["cold"].requests_per_second / small["cold"].requests_per_second
        checks.append(("cold flat: req/s at largest >= 0.8 x at smallest", flat >= 0.8, f"{flat:.2f}"))
        growth = per_page(large, sizes[-1]) / per_page(small, sizes[0])
        checks.append(("import per-page time at largest <= at smallest", growth <= 1.0, f"{growth:.2f}"))
    return checks


def measure_pathological() -> list[tuple[str, bool, str]]:
    """bench/pathological.py in its own process (it sets Django up itself); its PASS/MISS lines."""
    log("pathological inputs ...")
    done = subprocess.run(  # noqa: S603 - our own script
        [PYTHON, "bench/pathological.py"], capture_output=True, text=True, check=False
    )
    checks = []
    for line in done.stdout.splitlines():
        if line.startswith(("PASS  ", "MISS  ")):
            name, _, value = line[6:].rpartition("  (measured ")
            checks.append((name, line.startswith("PASS"), value.removesuffix(")")))
        else:
            print(line, flush=True)
    return checks or [("pathological inputs ran", False, done.stderr.strip()[-200:])]


def run_part(measure_size) -> None:
    """A part of the bench alone (BENCH_ONLY): `measure_size(size, work)` measures one size, prints its
    figures and returns its target checks; the checks of every size are printed at the end."""
    work = Path(tempfile.mkdtemp(prefix="quire-bench-"))
    print_machine()
    checks = []
    try:
        for size in SIZES:
            log(f"{size} pages")
            checks += measure_size(size, work)
        print("\n### Targets\n")
        for name, ok, value in checks:
            print(f"{'PASS' if ok else 'MISS'}  {name}  (measured {value})")
    finally:
        if os.environ.get("BENCH_KEEP") == "1":
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def views_part(size: int, work: Path) -> list:
    """BENCH_ONLY=views: the import (untimed), then the page views and their targets only."""
    figures: dict = {}
    env, content, paths = prepare(size, work)
    manage(env, "import_pages", str(content))
    figures["url"] = corpus.url_of(content, paths[size // 2])
    measure_views(size, env, figures["url"], work, figures)
    return targets({size: figures}, views_only=True)


def imports_part(size: int, work: Path) -> list:
    """BENCH_ONLY=import: the floor, the first import, the re-imports, the profile, and their targets."""
    figures: dict = {}
    env, content, paths = prepare(size, work)
    measure_first_import(env, content, figures)
    measure_reimports(env, content, paths, figures)
    if size == max(SIZES):
        measure_profile(content, work, size, figures)
    print(f"\n### {size} pages (imports only)\n")
    print_imports(figures)
    return import_targets(size, figures)


def static_part(size: int, work: Path) -> list:
    """BENCH_ONLY=static: the floor and the first import, the full static build, the 1% re-import and
    the incremental build, and their targets."""
    figures: dict = {}
    env, content, paths = prepare(size, work)
    measure_first_import(env, content, figures)
    site = static_build.measure_full_build(env, work, size, figures, timed)
    measure_reimports(env, content, paths, figures)
    static_build.measure_incremental_build(env, site, figures, timed)
    print(f"\n### {size} pages (static export only)\n")
    for name in ("floor", "first import", "re-import 1% changed"):
        print(f"{name:>22}: {fmt_run(figures[name])}")
    static_build.print_figures(figures, fmt_run)
    return static_build.targets(size, figures)


PARTS = {"views": views_part, "import": imports_part, "static": static_part}


def main() -> None:
    compile_sources()
    os.environ["REDIS_URL"] = shared_cache_url()  # every server the bench starts inherits it
    only = os.environ.get("BENCH_ONLY", "")
    if only:
        if only not in PARTS:
            choices = ", ".join(sorted(PARTS))
            raise SystemExit(f"BENCH_ONLY={only!r}: name one of {choices}, or leave it unset")
        run_part(PARTS[only])
        return
    work = Path(tempfile.mkdtemp(prefix="quire-bench-"))
    results: dict[int, dict] = {}
    print_machine()
    pathological = measure_pathological()
    try:
        for size in SIZES:
            # Order: what the page-view and search figures need comes first.
            log(f"{size} pages")
            figures: dict = {}
            env, content, paths = prepare(size, work)
            measure_first_import(env, content, figures)
            figures["url"] = corpus.url_of(content, paths[size // 2])
            measure_views(size, env, figures["url"], work, figures)
            if size == max(SIZES):
                measure_search(env, figures)
            site = static_build.measure_full_build(env, work, size, figures, timed)
            measure_reimports(env, content, paths, figures)
            if size == max(SIZES):
                measure_profile(content, work, size, figures)
            static_build.measure_incremental_build(env, site, figures, timed)
            results[size] = figures
            print_size(size, figures)
        checks = targets(results) + pathological
        print("\n### Targets\n")
        for name, ok, value in checks:
            print(f"{'PASS' if ok else 'MISS'}  {name}  (measured {value})")
    finally:
        if os.environ.get("BENCH_KEEP") == "1":
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
