"""`make multi-instance`: two Quire instances on one PostgreSQL, one Redis and one S3-compatible store,
under reads, while admin saves, an image upload, an import, a Redis restart and a database blip happen.

Everything runs on 127.0.0.1 and is bounded (about 90 s of load): PostgreSQL (the machine's, through a
TCP proxy this script starts and stops: the database blip), a Redis server of its own (stopped and
started again: the Redis restart), moto's S3 server (the shared media store), and two gunicorn instances
with 2 sync workers each, in production mode. Reader threads read pages from both instances the whole
time. Reported per phase: requests per second and the answers by status; after each admin save, how
long until the other instance served the new text; and whether the image uploaded on one instance was
visible from the other.

Passes (exit 0) when no answer is a 5xx, except 503 while the database is down (and in the 3 s after it
is back, while each worker waits out QUIRE_DB_RETRY_AFTER), and everything comes back after each outage.

MULTI_DATABASE (default quire_multi) is the PostgreSQL database, dropped and created anew;
MULTI_PORTS (default 8620-8639) the ports it may use; MULTI_READERS (default 8) the reader threads;
MULTI_WORK_DIR where its logs go (a new folder in the system's temporary folder by default).
"""

from __future__ import annotations

import collections
import http.cookiejar
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import corpus  # noqa: E402
from bench.admin_client import AdminEditor, read_form  # noqa: E402
from bench.tools import PYTHON, ROOT, base_env, manage  # noqa: E402
from tests.tcp_proxy import TcpProxy  # noqa: E402

DATABASE = os.environ.get("MULTI_DATABASE", "quire_multi")
POSTGRES = os.environ.get("MULTI_POSTGRES", "postgres://postgres@127.0.0.1:5432")
first, last = (int(p) for p in os.environ.get("MULTI_PORTS", "8620-8639").split("-"))
PORTS = iter(range(first, last + 1))
READERS = int(os.environ.get("MULTI_READERS", "8"))
SITE_PAGES = int(os.environ.get("MULTI_SITE", "300"))
IMPORT_PAGES = int(os.environ.get("MULTI_IMPORT", "300"))
PASSWORD = "multi-instance-only-password"  # noqa: S105
S3_KEYS = {"QUIRE_S3_ACCESS_KEY_ID": "multi-access", "QUIRE_S3_SECRET_ACCESS_KEY": "multi-secret"}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def get(url: str, timeout: float = 30) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return 0, {}, b""


def wait_for(url: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if get(url, timeout=2)[0]:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


class Services:
    """The processes this run starts, stopped in reverse order at the end."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.processes: list[subprocess.Popen] = []
        self.redis: subprocess.Popen | None = None

    def start(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        sink = (self.work / f"{name}.log").open("ab")
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def start_redis(self, port: int) -> None:
        self.redis = self.start(
            "redis",
            ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        )
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(timeout=10)

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()


class Readers:
    """Reader threads: GET pages from both instances in turn, counting answers per phase."""

    def __init__(self, bases: list[str], urls: list[str]) -> None:
        self.bases, self.urls = bases, urls
        self.phase = "start"
        self.counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.stale: collections.Counter = collections.Counter()
        self.started: dict[str, float] = {}
        self.ended: dict[str, float] = {}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(READERS)]

    def begin(self, phase: str) -> None:
        now = time.monotonic()
        with self.lock:
            self.ended[self.phase] = now
            self.phase = phase
            self.started[phase] = now

    def run(self, number: int) -> None:
        i = number
        while not self.stop.is_set():
            base = self.bases[i % len(self.bases)]
            status, headers, _ = get(base + self.urls[i % len(self.urls)], timeout=30)
            with self.lock:
                self.counts[self.phase][status] += 1
                if headers.get("X-Quire-Stale"):
                    self.stale[self.phase] += 1
            i += 1

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.begin("end")
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def upload_image(base: str) -> str:
    """Log in on one instance and upload an image through the editor's endpoint; return its URL."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/admin/login/").read().decode()
    fields = dict(read_form(html, "login-form"))
    fields.update(username="editor0", password=PASSWORD, next="/admin/")
    opener.open(urllib.request.Request(base + "/admin/login/", data=urllib.parse.urlencode(fields).encode()))
    token = next(c.value for c in jar if c.name == "csrftoken")
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + png()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        base + "/markdownx/upload/",
        data=body,
        method="POST",
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-CSRFToken": token,
            "Referer": base + "/admin/",
        },
    )
    answer = json.loads(opener.open(request).read())
    return answer["image_code"].removeprefix("![](").removesuffix(")")


def staleness(editor: AdminEditor, other: str, page_id: int, url: str, n: int) -> float | None:
    """Save through one instance; seconds until the other serves the new text (None: not in 10 s)."""
    line = f"Multi-instance edit {n} {uuid.uuid4().hex[:8]}."
    if not editor.append_to_body(page_id, f"\n\n{line}\n"):
        return None
    saved = time.monotonic()
    while time.monotonic() - saved < 10:
        status, _, body = get(other + url)
        if status == 200 and line.encode() in body:
            return time.monotonic() - saved
        time.sleep(0.02)
    return None


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="quire-multi-", dir=os.environ.get("MULTI_WORK_DIR")))
    log(f"work folder {work}")
    services = Services(work)
    proxy = None
    try:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
        redis_port, s3_port, proxy_port = next(PORTS), next(PORTS), next(PORTS)
        services.start_redis(redis_port)
        moto = Path(PYTHON).with_name("moto_server")
        services.start("moto", [str(moto), "-H", "127.0.0.1", "-p", str(s3_port)])
        wait_for(f"http://127.0.0.1:{s3_port}")
        import boto3

        bucket = f"quire-multi-{uuid.uuid4().hex[:8]}"
        boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{s3_port}",
            region_name="us-east-1",
            aws_access_key_id=S3_KEYS["QUIRE_S3_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_KEYS["QUIRE_S3_SECRET_ACCESS_KEY"],
        ).create_bucket(Bucket=bucket)
        proxy = TcpProxy(proxy_port, "127.0.0.1", 5432)
        proxy.start()

        direct = base_env(f"{POSTGRES}/{DATABASE}")
        env = base_env(
            f"postgres://postgres@127.0.0.1:{proxy_port}/{DATABASE}",
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            QUIRE_MEDIA_STORAGE="s3",
            QUIRE_S3_BUCKET=bucket,
            QUIRE_S3_ENDPOINT_URL=f"http://127.0.0.1:{s3_port}",
            QUIRE_S3_REGION="us-east-1",
            **S3_KEYS,
        )
        site = work / "site"
        paths = corpus.generate(site, SITE_PAGES, seed=1)
        extra = work / "extra"
        for path in corpus.generate(extra / "more", IMPORT_PAGES, seed=2):
            path.rename(path.with_name("more-" + path.name))
        log(f"setting up {SITE_PAGES} pages in PostgreSQL database {DATABASE}")
        manage(direct, "migrate", "--noinput")
        manage(direct, "import_pages", str(site))
        manage(
            direct,
            "shell",
            "-c",
            "from django.contrib.auth.models import User; "
            f"User.objects.create_superuser('editor0', '', '{PASSWORD}')",
        )
        urls = [corpus.url_of(site, p) for p in paths]
        with psycopg.connect(f"{POSTGRES}/{DATABASE}") as conn:
            ids = dict(conn.execute("SELECT url_path, id FROM pages_page").fetchall())

        bases = []
        for _ in range(2):
            port = next(PORTS)
            services.start(
                f"gunicorn-{port}",
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    "site_project.wsgi",
                    "-w",
                    "2",
                    "-b",
                    f"127.0.0.1:{port}",
                    "--timeout",
                    "30",
                ],
                env,
            )
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            wait_for(base + "/-/health/live")
        log(f"instances: {', '.join(bases)}")
        for url in urls:  # warm both instances' shared cache
            get(bases[0] + url)

        report: list[tuple[str, str]] = []
        stale_times: list[float] = []
        with Readers(bases, urls) as readers:
            readers.begin("steady reads")
            time.sleep(10)

            readers.begin("admin saves")
            editor = AdminEditor(bases[0])
            editor.log_in("editor0", PASSWORD)
            for n, url in enumerate(urls[:10]):
                seconds = staleness(editor, bases[1], ids[url], url, n)
                if seconds is not None:
                    stale_times.append(seconds)
            image = upload_image(bases[0])
            status, headers, body = get(bases[1] + image)
            image_ok = status == 200 and headers.get("Content-Type") == "image/png" and body == png()
            report.append(
                (
                    "image uploaded on instance 1, read from instance 2",
                    f"{'visible' if image_ok else 'NOT VISIBLE'} ({status}, "
                    f"{headers.get('Content-Type')}, "
                    f"nosniff: {headers.get('X-Content-Type-Options')})",
                )
            )

            readers.begin("import")
            started = time.monotonic()
            subprocess.run(
                [PYTHON, "manage.py", "import_pages", str(extra)],
                cwd=ROOT,
                env=direct,
                check=True,
                capture_output=True,
            )
            report.append(
                (f"import of {IMPORT_PAGES} pages under load", f"{time.monotonic() - started:.1f} s")
            )
            new_url = corpus.url_of(extra, next(iter(sorted(extra.rglob("*.md")))))
            seen = [get(base + new_url)[0] for base in bases]
            report.append(("an imported page on both instances right after", str(seen)))

            readers.begin("Redis down (8 s)")
            services.stop_redis()
            time.sleep(8)
            readers.begin("Redis restarted (empty)")
            services.start_redis(redis_port)
            time.sleep(8)

            readers.begin("database down (8 s)")
            proxy.stop()
            time.sleep(8)
            readers.begin("database back, first 3 s")
            proxy.start()  # each worker asks the database again within QUIRE_DB_RETRY_AFTER (2 s)
            time.sleep(3)
            readers.begin("database back")
            time.sleep(10)
            ready = [get(base + "/-/health/ready")[0] for base in bases]
            report.append(("readiness after recovery", str(ready)))

        ok = image_ok and all(s == 200 for s in seen) and ready == [200, 200]
        print("\n## Quire multi-instance test\n")
        print("| phase | seconds | requests | req/s | answers | stale |")
        print("| --- | ---: | ---: | ---: | --- | ---: |")
        for phase, counts in readers.counts.items():
            if phase in ("start", "end"):
                continue
            seconds = readers.ended.get(phase, time.monotonic()) - readers.started.get(phase, 0)
            total = sum(counts.values())
            answers = ", ".join(f"{code}: {n}" for code, n in sorted(counts.items()))
            print(
                f"| {phase} | {seconds:.1f} | {total} | {total / seconds:.0f} | {answers} "
                f"| {readers.stale[phase]} |"
            )
            bad = {c for c in counts if c >= 500 or c == 0}
            allowed = {503} if phase in ("database down (8 s)", "database back, first 3 s") else set()
            if bad - allowed:
                ok = False
        print()
        if stale_times:
            report.insert(
                0,
                (
                    "admin save on instance 1 -> seen on instance 2",
                    f"{len(stale_times)}/10 saves; "
                    f"median {statistics.median(stale_times) * 1000:.0f} ms,"
                    f" max {max(stale_times) * 1000:.0f} ms",
                ),
            )
        else:
            report.insert(0, ("admin save on instance 1 -> seen on instance 2", "NONE SEEN"))
            ok = False
        for name, value in report:
            print(f"- {name}: {value}")
        print(f"\nresult: {'PASS' if ok else 'FAIL'} (logs in {work})")
        return 0 if ok else 1
    finally:
        if proxy is not None:
            proxy.stop()
        services.stop_all()
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
