"""What the benchmark and the load test share: measured subprocesses, gunicorn, wrk, machine facts."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def compile_sources() -> None:
    """Byte-compile Quire's own modules (and the bench's) before anything is measured, as a deployment
    has them (pip compiles installed packages; an editable install and PYTHONDONTWRITEBYTECODE=1 leave
    every process compiling Quire from source: about 90 ms of each start)."""
    import compileall

    for folder in ("pages", "site_project", "bench"):
        compileall.compile_dir(ROOT / folder, quiet=1)


_first, _last = (int(p) for p in os.environ.get("BENCH_PORTS", "8500-8539").split("-"))
PORTS = range(_first, _last + 1)
BENCH_SECRET = "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH"  # noqa: S105


def base_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment of every process the benchmark starts: production mode, bench settings."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": BENCH_SECRET,
        "DJANGO_DEBUG": "",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_LOG_LEVEL": "ERROR",
    }
    env.update(extra)
    return env


@dataclass
class Measured:
    seconds: float
    cpu_seconds: float  # user + system of the command and the children it waited for
    peak_rss_mb: float
    output: str


def run_measured(args: list[str], env: dict[str, str]) -> Measured:
    """Run a command; wall time and the peak of the summed RSS of it and all its children."""
    started = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        with contextlib.suppress(psutil.Error):
            parent = psutil.Process(proc.pid)
            while not done.is_set():
                with contextlib.suppress(psutil.Error):
                    tree = [parent, *parent.children(recursive=True)]
                    peak = max(peak, sum(p.memory_info().rss for p in tree))
                time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{output.decode()[-3000:]}")
    return Measured(seconds, cpu, peak / 2**20, output.decode())


def manage(env: dict[str, str], *args: str) -> Measured:
    return run_measured([PYTHON, "manage.py", *args], env)


def free_port(ports: range = PORTS) -> int:
    for port in ports:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def fetch(url: str, timeout: float = 30) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def fetch_encoded(url: str, accept_encoding: str, timeout: float = 30) -> tuple[int, str, bytes]:
    """Status, Content-Encoding and the body as sent (still encoded) for one Accept-Encoding."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": accept_encoding})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - our own server
        return response.status, response.headers.get("Content-Encoding", ""), response.read()


# The gunicorn master's process id per running server's base URL (see `worker_rss_mb`).
_SERVERS: dict[str, int] = {}


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str],
    workers: int = 2,
    ports: range = PORTS,
    log: Path | None = None,
    app: str = "site_project.wsgi",
):
    """A gunicorn with sync workers on 127.0.0.1 serving the WSGI `app`; yields its base URL, stops it
    on exit."""
    port = free_port(ports)
    errors = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    args = [PYTHON, "-m", "gunicorn", app, "-w", str(workers), "-k", "sync"]
    args += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "--backlog", "2048"]
    server = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode}; see {log or 'its log'}")
            with contextlib.suppress(OSError):
                fetch(base + "/-/up/", timeout=5)  # any answer, even 404, means a worker is up
                break
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start within 30 s")
            time.sleep(0.2)
        _SERVERS[base] = server.pid
        yield base
    finally:
        _SERVERS.pop(base, None)
        server.terminate()
        server.wait(timeout=30)
        if log:
            errors.close()


def worker_rss_mb(base: str) -> list[float]:
    """The resident memory of each worker of the gunicorn serving `base`, in MB (its master excluded)."""
    with contextlib.suppress(psutil.Error):
        return sorted(p.memory_info().rss / 2**20 for p in psutil.Process(_SERVERS[base]).children())
    return []


def ensure_wrk() -> str:
    """Debian's wrk; installed with apt-get when missing (as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError("wrk is missing: install Debian's 'wrk' package (sudo apt-get install wrk)")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return shutil.which("wrk") or "wrk"


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx responses plus socket errors


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(
    url: str,
    seconds: int,
    connections: int = 8,
    threads: int = 2,
    script: Path | None = None,
    headers: tuple[str, ...] = (),
) -> WrkResult:
    args = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    if script:
        args += ["-s", str(script)]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run(
        [*args, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)\.?0*%\s+(\S+)\s*$", out, re.M))
    if "50" not in latency or "99" not in latency:
        raise RuntimeError(f"wrk printed no latency distribution for {url}:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return WrkResult(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(latency["50"]),
        p99_ms=_ms(latency["99"]),
        requests=requests,
        errors=errors,
    )


def machine_facts() -> list[tuple[str, str]]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk_version = subprocess.run([ensure_wrk(), "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return [
        ("machine", f"{platform.system()} {platform.release()} {platform.machine()}"),
        ("cpu", f"{cpu}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}"),
        ("memory", f"{psutil.virtual_memory().total / 2**30:.1f} GiB"),
        ("python", platform.python_version()),
        ("django", version("django")),
        ("gunicorn / whitenoise", f"{version('gunicorn')} / {version('whitenoise')}"),
        ("markdown / nh3", f"{version('markdown')} / {version('nh3')}"),
        ("sqlite", sqlite3.sqlite_version),
        ("wrk", wrk_version.strip()),
    ]


DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def shared_cache_url() -> str:
    """The Redis the servers share, as in production: REDIS_URL, else BENCH_REDIS_URL (default
    DEFAULT_REDIS_URL) when it answers a PING; "" (each process's own memory) when none does."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    if not url:
        return ""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        print(f"NOTICE: no Redis answers at {url}: the servers use their own memory as cache", flush=True)
        return ""
    return url
