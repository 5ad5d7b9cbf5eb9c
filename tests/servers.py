"""Real servers for the production tests: free ports, gunicorn, PostgreSQL scratch databases, Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PORTS = range(8620, 8640)
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/3"
_taken: set[int] = set()


def free_port() -> int:
    """A port in this suite's range that nothing listens on (and that this run has not handed out)."""
    for port in PORTS:
        if port in _taken:
            continue
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    pytest.fail(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def release_port(port: int) -> None:
    _taken.discard(port)


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes


def get(url: str, timeout: float = 30) -> Answer:
    """GET without raising on 4xx/5xx."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())


def base_environment(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "QUIRE_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    return {
        **env,
        "DJANGO_DEBUG": "1",  # plain static files: no collectstatic needed
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "site_project.settings",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed: {result.stderr[-3000:]}")
    return result.stdout


class Gunicorn:
    """One Quire instance: gunicorn on 127.0.0.1:<port> with the given environment."""

    def __init__(self, env: dict, workers: int = 2, port: int | None = None, log: Path | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        sink = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed in stop()
        self._sink = sink
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "site_project.wsgi", "-w", str(workers),
             "-b", f"127.0.0.1:{self.port}", "--timeout", "30", "--graceful-timeout", "5"],
            cwd=PROJECT_ROOT, env=env, stdout=sink, stderr=sink,
        )  # fmt: skip
        self.wait_until_up()

    def wait_until_up(self, deadline: float = 60) -> None:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if self.process.poll() is not None:
                tail = self.log.read_text()[-3000:] if self.log else ""
                pytest.fail(f"gunicorn exited with {self.process.returncode}: {tail}")
            try:
                if get(self.url + "/-/health/live", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"gunicorn on {self.port} did not answer within {deadline} s")

    def get(self, path: str, timeout: float = 30) -> Answer:
        return get(self.url + path, timeout=timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self._sink is not subprocess.DEVNULL:
            self._sink.close()
        release_port(self.port)


# -- PostgreSQL --------------------------------------------------------------------------------------
def postgres_admin_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return urlunsplit(urlsplit(url)._replace(path="/postgres"))
    return DEFAULT_POSTGRES


def postgres_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(postgres_admin_url(), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def create_postgres_database(suffix: str) -> str:
    """A fresh PostgreSQL database named after this process; returns its name."""
    import psycopg

    name = f"quire_{suffix}_{os.getpid()}"
    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_url(name: str, port: int | None = None) -> str:
    parts = urlsplit(postgres_admin_url())
    netloc = parts.netloc if port is None else f"{parts.netloc.rsplit(':', 1)[0]}:{port}"
    return urlunsplit(parts._replace(netloc=netloc, path="/" + name))


def postgres_port() -> int:
    return urlsplit(postgres_admin_url()).port or 5432


# -- Redis -----------------------------------------------------------------------------------------
def real_redis_caches(prefix: str) -> dict:
    """CACHES for the run's real Redis (fails the test when none answers), keys under `prefix`."""
    import pytest

    url = redis_url()
    if url is None:
        pytest.fail("this test needs a Redis (REDIS_URL, or db 3 of a local Redis)")
    return {
        "default": {
            "BACKEND": "pages.site.cache_backend.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }


def redis_url() -> str | None:
    """The Redis this run may use (REDIS_URL, else db 3 of a local Redis), or None if none answers."""
    import redis

    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return None
    return url
