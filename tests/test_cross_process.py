"""A warm gunicorn server sees an import made by another process on its next request."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.pid_wsgi import PID_HEADER

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PORTS = range(8540, 8560)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.fail(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def fetch(url: str) -> bytes:
    return answer(url)[1]


def answer(url: str) -> tuple[int, bytes]:
    """The worker process that answered (its pid), and the body."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return int(response.headers[PID_HEADER]), response.read()


def from_both_workers(url: str, server: subprocess.Popen, seconds: float = 30) -> dict[int, list[bytes]]:
    """Ask until both workers have answered (which one takes a request is up to the system); fail
    after `seconds`. {worker pid: the bodies it answered}."""
    bodies: dict[int, list[bytes]] = {}
    end = time.monotonic() + seconds
    while len(bodies) < 2 or sum(map(len, bodies.values())) < 20:
        assert time.monotonic() < end, f"only workers {sorted(bodies)} answered within {seconds} s"
        pid, body = answer(url)
        bodies.setdefault(pid, []).append(body)
    assert server.pid not in bodies  # the workers answer, never gunicorn's master
    return bodies


def wait_until_up(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited: {server.stderr.read().decode()[-2000:]}")
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer within 30 s")


@pytest.fixture(params=["environment", "redis"])
def server_env(request, tmp_path):
    """The run's own cache settings, and Redis (shared, tracked content version) whatever they are."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "DJANGO_DEBUG": "1",  # plain static files: no collectstatic needed
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "QUIRE_CACHE_PREFIX": f"xproc-{uuid.uuid4().hex}",
    }
    if request.param == "redis":
        from tests.servers import redis_url

        url = redis_url()
        if url is None:
            pytest.fail("this test needs a Redis (REDIS_URL, or db 3 of a local Redis)")
        env["REDIS_URL"] = url
    return env


def manage(env, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True
    )


def test_import_in_another_process_reaches_every_warm_worker(tmp_path, server_env):
    """Both gunicorn workers, warm on the old text, serve the text a subprocess import just wrote:
    each answer names its worker, the same two processes answer before and after the import."""
    content = tmp_path / "content"
    content.mkdir()
    page = content / "about.md"
    page.write_text("---\ntitle: About\n---\nOld text\n")
    manage(server_env, "migrate", "--noinput")
    manage(server_env, "import_pages", str(content))

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.pid_wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
        cwd=PROJECT_ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/about/"
    try:
        wait_until_up(url, server)
        warm = from_both_workers(url, server)
        assert all(b"Old text" in body for bodies in warm.values() for body in bodies)

        page.write_text("---\ntitle: About\n---\nNew text\n")
        manage(server_env, "import_pages", str(content))

        after = from_both_workers(url, server)
        assert sorted(after) == sorted(warm)  # the same warm workers, neither restarted
        assert all(
            b"New text" in body and b"Old text" not in body for bodies in after.values() for body in bodies
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
