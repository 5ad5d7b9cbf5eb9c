"""Serving a built static site the way a static host does, and crawling it, for the build_site tests."""

from __future__ import annotations

import contextlib
import functools
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

PORTS = range(8680, 8690)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Python's http.server on 127.0.0.1 (a free port of this checkout's range) serving `root`."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = None
    for port in PORTS:
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), handler)
            break
        except OSError:
            continue
    if server is None:
        raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


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
        return error.code, url, "", b""


def crawl(start: str, limit: int = 2000) -> tuple[dict[str, int], list[str]]:
    """Every same-origin URL reachable from `start` through links, images, scripts, stylesheets,
    sidebar branches and the search index: ({URL: status}, ["broken: <URL> (from <page>)", ...])."""
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
        if content_type != "text/html":
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8", "replace"))
        for _tag, link in parser.links:
            target = urldefrag(urljoin(final, link))[0]
            if target.startswith(origin + "/") and target not in seen:
                queue.append((target, url))
    return seen, broken
