"""Serving a built static site with nginx, as a user's static host does, and crawling it, for the
build_site tests.

`serve(out, base_url)` starts nginx (unprivileged: its own configuration, pid, log and temporary
folders in a temporary folder, in the foreground, on 127.0.0.1 and a free port of the suite's range)
with the rules the user guide gives for a static build: `try_files $uri $uri/ $uri.html =404`, the
build's `404.html` as the answer for a missing file, and under a base URL an `alias` location."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from tests.servers import free_port, release_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MIME_TYPES = Path("/etc/nginx/mime.types")


def site_rules(out: Path, base_url: str = "/") -> str:
    """The `server` block's rules for a build in `out` served at `base_url` (as in the user guide)."""
    if base_url == "/":
        return (
            f"root {out};\n"
            "location / {\n    try_files $uri $uri/ $uri.html =404;\n}\n"
            "error_page 404 /404.html;\n"
        )
    return (
        f"location {base_url} {{\n"
        f"    alias {out}/;\n"
        "    try_files $uri $uri/ $uri.html =404;\n"
        f"    error_page 404 {base_url}404.html;\n"
        "}\n"
    )


def _config(work: Path, port: int, rules: str) -> str:
    temp = work / "temp"
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    paths = "\n".join(f"    {name}_temp_path {temp / name};" for name in kinds)
    server = "\n".join("        " + line if line else "" for line in rules.splitlines())
    return f"""daemon off;
master_process off;
pid {work / "nginx.pid"};
error_log {work / "error.log"} warn;
events {{
    worker_connections 256;
}}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    access_log off;
{paths}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
{server}
    }}
}}
"""


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def serve(out: Path, base_url: str = "/", deadline: float = 20) -> Iterator[str]:
    """nginx serving the build in `out` at `base_url`; yields its origin (`http://127.0.0.1:<port>`).
    With `master_process off` one process serves as the user who started it (root included)."""
    if not Path(NGINX).is_file():
        raise RuntimeError(f"nginx is missing ({NGINX}): `make test` installs it (Debian's nginx-light)")
    with tempfile.TemporaryDirectory(prefix="quire-nginx-") as folder:
        work = Path(folder)
        (work / "temp").mkdir()
        port = free_port()
        config = work / "nginx.conf"
        config.write_text(_config(work, port, site_rules(Path(out).resolve(), base_url)))
        log = work / "error.log"
        process = subprocess.Popen(
            [NGINX, "-p", str(work), "-c", str(config), "-e", str(log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            end = time.monotonic() + deadline
            while not _listening(port):
                if process.poll() is not None:
                    raise RuntimeError(f"nginx exited with {process.returncode}: {log.read_text()[-2000:]}")
                if time.monotonic() > end:
                    raise RuntimeError(f"nginx did not listen on {port} within {deadline} s")
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            release_port(port)


_CSS_URL_RE = re.compile(r"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)""")


class _Links(HTMLParser):
    ATTRIBUTES = {
        "a": "href",
        "link": "href",
        "script": "src",
        "img": "src",
        "source": "src",
        "iframe": "src",
    }

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (tag, URL)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        name = self.ATTRIBUTES.get(tag)
        if name and values.get(name):
            self.links.append((tag, values[name]))
        if tag == "button" and values.get("data-branch"):
            self.links.append(("branch", values["data-branch"]))
        for name in ("data-search-index", "data-diagram-frame"):
            if values.get(name):
                self.links.append((name, values[name]))


def fetch(url: str) -> tuple[int, str, str, bytes]:
    """(status, final URL, content type, body), following redirects."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a local test server
            return response.status, response.geturl(), response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, url, error.headers.get_content_type(), error.read()


def crawl(start: str, limit: int = 2000) -> tuple[dict[str, int], list[str]]:
    """Every same-origin URL reachable from `start` through links, images, scripts, stylesheets (and
    what they name with `url()`), sidebar branches and the search index (its manifest and parts):
    ({URL: status}, ["<URL> answered <status> (linked from <page>)", ...])."""
    origin = urlsplit(start)._replace(path="", query="", fragment="").geturl()
    seen: dict[str, int] = {}
    broken: list[str] = []
    queue: list[tuple[str, str]] = [(start, "(start)")]
    while queue and len(seen) < limit:
        url, source = queue.pop()
        if url in seen:
            continue
        status, final, content_type, body = fetch(url)
        seen[url] = status
        if status != 200:
            broken.append(f"{url} answered {status} (linked from {source})")
            continue
        if content_type == "application/json" and url.endswith("/-/search-index.json"):
            links = json.loads(body)["parts"]  # the static search index's parts
        elif content_type == "text/css":
            links = _CSS_URL_RE.findall(body.decode("utf-8", "replace"))
        elif content_type == "text/html":
            parser = _Links()
            parser.feed(body.decode("utf-8", "replace"))
            links = [link for _tag, link in parser.links]
        else:
            continue
        for link in links:
            if link.startswith("data:"):
                continue
            target = urldefrag(urljoin(final, link))[0]
            if target.startswith(origin + "/") and target not in seen:
                queue.append((target, url))
    return seen, broken
