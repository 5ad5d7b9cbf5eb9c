"""`make loadtest`: page views under load while an import of 1,000 pages and admin saves happen.

gunicorn (2 sync workers) on 127.0.0.1 against PostgreSQL; wrk reads a site of LOADTEST_SITE pages at
32 connections for at least LOADTEST_SECONDS (default 60) and until the import has ended (at most
LOADTEST_MAX_SECONDS); meanwhile `import_pages` adds 1,000 new pages in its own process and two editors
save pages through the admin over HTTP, each save appending a unique line. Passes when no read fails
(no 5xx, no 404, no socket error), the import completes, and every saved line is in the database and
on the public page.

LOADTEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/quire_loadtest) is emptied first;
the database is created when missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import corpus  # noqa: E402
from bench.admin_client import AdminEditor  # noqa: E402
from bench.tools import PYTHON, ROOT, base_env, fetch, gunicorn, manage, run_wrk  # noqa: E402

DATABASE_URL = os.environ.get("LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/quire_loadtest")
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "60"))
MAX_SECONDS = int(os.environ.get("LOADTEST_MAX_SECONDS", "600"))
CONNECTIONS = int(os.environ.get("LOADTEST_CONNECTIONS", "32"))
SITE_PAGES = int(os.environ.get("LOADTEST_SITE", "200"))
IMPORT_PAGES = int(os.environ.get("LOADTEST_PAGES", "1000"))
EDITORS = 2
SAVE_INTERVAL = 1.0
EDITOR_PASSWORD = "loadtest-only-password"  # noqa: S105


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_database() -> None:
    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def wrk_script(urls: list[str], folder: Path) -> Path:
    script = folder / "pages.lua"
    paths = ", ".join(f'"{u}"' for u in urls)
    script.write_text(
        f"local paths = {{{paths}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n"
    )
    return script


class Editor(threading.Thread):
    """Saves pages one after another through the admin while the import runs (and at least until
    `until`, at most until `hard_stop`)."""

    def __init__(self, number, base, pages, importer, until: float, hard_stop: float):
        super().__init__(daemon=True)
        self.number, self.base, self.pages, self.importer = number, base, pages, importer
        self.until, self.hard_stop = until, hard_stop
        self.saved: list[tuple[int, str, str]] = []  # (page id, url, line)
        self.rejected = 0
        self.failed: list[str] = []
        self.seen_at_once = 0
        self.save_seconds: list[float] = []

    def run(self) -> None:
        editor = AdminEditor(self.base)
        editor.log_in(f"editor{self.number}", EDITOR_PASSWORD)
        for n, (page_id, url) in enumerate(self.pages):
            now = time.monotonic()
            if now > self.hard_stop or (now > self.until and self.importer.poll() is not None):
                break
            line = f"\n\nLoad test edit {self.number}-{n}.\n"
            started = time.monotonic()
            try:
                accepted = editor.append_to_body(page_id, line)
            except OSError as exc:
                self.failed.append(f"{url}: {exc}")
                continue
            self.save_seconds.append(time.monotonic() - started)
            if not accepted:
                self.rejected += 1
                continue
            self.saved.append((page_id, url, line.strip()))
            status, body = fetch(self.base + url)
            if status == 200 and line.strip().encode() in body:
                self.seen_at_once += 1
            time.sleep(SAVE_INTERVAL)


def main() -> None:
    ensure_database()
    work = Path(tempfile.mkdtemp(prefix="quire-loadtest-"))
    env = base_env(DATABASE_URL)
    site = work / "site"
    site_paths = corpus.generate(site, SITE_PAGES, seed=1)
    extra = work / "extra"
    for path in corpus.generate(extra / "more", IMPORT_PAGES, seed=2):
        path.rename(path.with_name("more-" + path.name))
    log(f"setting up: {SITE_PAGES} pages in {DATABASE_URL.rsplit('/', 1)[1]}")
    manage(env, "migrate", "--noinput")
    manage(env, "flush", "--noinput")
    manage(env, "import_pages", str(site))
    for n in range(EDITORS):
        code = (
            "from django.contrib.auth.models import User;"
            f"User.objects.create_superuser('editor{n}', '', '{EDITOR_PASSWORD}')"
        )
        manage(env, "shell", "-c", code)
    urls = [corpus.url_of(site, p) for p in site_paths]
    with psycopg.connect(DATABASE_URL) as conn:
        ids = dict(conn.execute("SELECT url_path, id FROM pages_page").fetchall())
    pages = [(ids[u], u) for u in urls]

    with gunicorn(env, log=work / "gunicorn.log") as base:
        for url in urls:
            fetch(base + url)
        started = time.monotonic()
        hard_stop = started + MAX_SECONDS
        script = wrk_script(urls, work)
        command = ["manage.py", "import_pages"]
        log(f"load: wrk {CONNECTIONS} connections, at least {SECONDS} s and until the import ends")
        chunks: list = []
        load = threading.Thread(target=lambda: chunks.append(run_wrk(base, 3, CONNECTIONS, 2, script)))
        load.start()
        import_log = (work / "import.log").open("wb")  # a file, not a pipe: a full pipe blocks the import
        importer = subprocess.Popen(
            [PYTHON, *command, str(extra)],
            cwd=ROOT,
            env=env,
            stdout=import_log,
            stderr=subprocess.STDOUT,
        )
        editors = [
            Editor(n, base, pages[n::EDITORS], importer, started + SECONDS, hard_stop) for n in range(EDITORS)
        ]
        for editor in editors:
            editor.start()
        load.join()
        while time.monotonic() < hard_stop and (
            time.monotonic() < started + SECONDS or importer.poll() is None
        ):
            chunks.append(run_wrk(base, 10, CONNECTIONS, 2, script))
        importer.wait()
        import_log.close()
        import_output = (work / "import.log").read_text(errors="replace")
        import_seconds = time.monotonic() - started
        for editor in editors:
            editor.join()
        load_seconds = time.monotonic() - started
        saved = [s for e in editors for s in e.saved]
        served_after = sum(1 for _, url, line in saved if line.encode() in fetch(base + url)[1])
    with psycopg.connect(DATABASE_URL) as conn:
        bodies = dict(conn.execute("SELECT id, body FROM pages_page").fetchall())
        total_pages = conn.execute("SELECT count(*) FROM pages_page").fetchone()[0]
    requests = sum(c.requests for c in chunks)
    errors = sum(c.errors for c in chunks)
    wrk_seconds = 3 + 10 * (len(chunks) - 1)
    p50 = sorted(c.p50_ms for c in chunks)[len(chunks) // 2]
    p99 = max(c.p99_ms for c in chunks)
    lost = [url for page_id, url, line in saved if line not in bodies.get(page_id, "")]
    failed = [f for e in editors for f in e.failed]
    save_times = sorted(t for e in editors for t in e.save_seconds)

    print("\n## Quire load test\n")
    rows = [
        (
            "duration / connections",
            f"{load_seconds:.0f} s / {CONNECTIONS} (gunicorn: 2 sync workers, PostgreSQL)",
        ),
        (
            "page reads",
            f"{requests} ({requests / wrk_seconds:.0f} req/s; per 10 s run: median p50 {p50:.1f} ms,"
            f" worst p99 {p99:.1f} ms)",
        ),
        ("failed reads (non-2xx/3xx + socket errors)", str(errors)),
        (
            f"import of {IMPORT_PAGES} pages (import_pages)",
            f"{'ok' if importer.returncode == 0 else 'FAILED'} in {import_seconds:.1f} s"
            f" under load; pages now {total_pages}",
        ),
        (
            "admin saves accepted / rejected / failed",
            f"{len(saved)} / {sum(e.rejected for e in editors)} / {len(failed)}",
        ),
        (
            "save time p50 / max",
            f"{save_times[len(save_times) // 2]:.2f} s / {save_times[-1]:.2f} s" if save_times else "-",
        ),
        ("saves seen on the public page at once", f"{sum(e.seen_at_once for e in editors)} / {len(saved)}"),
        ("saves on the public page at the end", f"{served_after} / {len(saved)}"),
        ("lost edits (saved line missing in the database)", str(len(lost))),
    ]
    for name, value in rows:
        print(f"{name:>50}: {value}")
    ok = (
        errors == 0
        and importer.returncode == 0
        and not lost
        and not failed
        and saved
        and served_after == len(saved)
        and total_pages == SITE_PAGES + IMPORT_PAGES
    )
    if importer.returncode:
        print(import_output[-2000:])
    for problem in failed[:10]:
        print("save failed:", problem)
    server_log = (work / "gunicorn.log").read_text(errors="replace")
    if server_log.strip():
        print(
            f"server log ({work / 'gunicorn.log'}), last lines:\n" + "\n".join(server_log.splitlines()[-15:])
        )
    print(f"\n{'PASS' if ok else 'FAIL'}: zero failed reads, zero lost edits, import complete")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
