"""The static site's search index, in parts: what the header's live search and the search page read
in the browser when there is no server (`build_site`, see `pages.site.static_site`).

`/-/search-index.json` is a small manifest, {"format": 3, "parts": [URL, ...]}; each part,
`/-/search-index/<hash of its bytes>.json`, is {"format": 3, "pages": [[title, URL, [[anchor, heading,
text], ...]], ...]}, its pages in URL order, their sections in order, text with its whitespace
collapsed. A page's part follows from a hash of its URL, so a page keeps its part while others come
and go; the browser loads every part at once and searches them as one list in URL order (as the
server's search ranks over every section). Parts are named by their content, so a CDN may keep them
for ever: a changed part is a new file, named in a new manifest.

An incremental build rebuilds only the parts holding a changed, new or removed page, and takes the
entries of the unchanged pages in them over from the previous part file, cut out by the offsets the
build manifest recorded (nothing is parsed); the other parts are kept as they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

INDEX_PATH = "/-/search-index.json"
PARTS_FOLDER = "-/search-index"
FORMAT = 3
PAGES_PER_PART = 40  # about 200 KB of text a part on a typical documentation site
MAX_PARTS = 1024


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def part_count(pages: int) -> int:
    """A power of two (so the number of parts changes rarely as a site grows): about PAGES_PER_PART
    pages a part, at most MAX_PARTS."""
    count = 1
    while count < MAX_PARTS and count * PAGES_PER_PART < pages:
        count *= 2
    return count


def part_of(url: str, parts: int) -> int:
    return int.from_bytes(hashlib.blake2b(url.encode(), digest_size=4).digest(), "big") % parts


def part_bytes(entries: list[bytes]) -> tuple[bytes, list[int]]:
    """A part file of these page entries; returns its bytes and each entry's offset."""
    head = b'{"format":%d,"pages":[' % FORMAT
    offsets, position = [], len(head)
    for entry in entries:
        offsets.append(position)
        position += len(entry) + 1
    return head + b",".join(entries) + b"]}", offsets


def manifest_bytes(part_urls: list[str]) -> bytes:
    return _json({"format": FORMAT, "parts": part_urls})


def read_sections(page_ids: list[int]) -> dict[int, list]:
    """The sections of these pages, in order, text with its whitespace collapsed."""
    from pages.models import PageSection

    found: dict[int, list] = {}
    for start in range(0, len(page_ids), 500):
        rows = (
            PageSection.objects.filter(page_id__in=page_ids[start : start + 500])
            .order_by("page_id", "position")
            .values_list("page_id", "anchor", "heading", "text")
        )
        for page_id, anchor, heading, text in rows:
            found.setdefault(page_id, []).append([anchor, heading, " ".join(text.split())])
    return found


def previous_parts(previous_files: dict[str, dict]) -> dict[int, tuple[str, dict]]:
    """{part number: (file, its build-manifest entry)} of the previous build's index parts."""
    found = {}
    for relpath, entry in previous_files.items():
        if relpath.startswith(PARTS_FOLDER + "/") and entry.get("format") == FORMAT and "part" in entry:
            found[entry["part"]] = (relpath, entry)
    return found


def write_index(output, pages: list[tuple[int, str, str, str]], url: Callable[[str], str], reusable: bool):
    """Write the parts and the manifest. `pages`: (id, title, URL, row digest) of the searchable pages;
    `url` puts the base URL in front; `output`: the build's `Output` (`write`, `keep`, `previous`)."""
    count = part_count(len(pages))
    members: list[list[tuple[int, str, str, str]]] = [[] for _ in range(count)]
    for page in pages:
        address = url(page[2])
        members[part_of(address, count)].append((page[0], page[1], address, page[3]))
    previous = previous_parts(output.previous) if reusable else {}
    kept: dict[int, str] = {}
    rebuilt: dict[int, tuple[str, dict[str, bytes]]] = {}  # number: (fingerprint, reused entries)
    for number, share in enumerate(members):
        if not share:
            continue  # an empty part is no file
        share.sort(key=lambda page: page[2])
        fingerprint = _digest(repr((FORMAT, count, [(page[2], page[3]) for page in share])).encode())
        relpath, entry = previous.get(number, (None, None))
        if entry and entry.get("input") == fingerprint and output.keep(relpath):
            kept[number] = relpath
        else:
            rebuilt[number] = (fingerprint, _reusable_entries(output.root, relpath, entry, share))
    wanted = [page[0] for n, (_f, reused) in rebuilt.items() for page in members[n] if page[2] not in reused]
    fresh = read_sections(wanted)  # the sections of every changed page, in one pass
    part_urls = []
    for number, share in enumerate(members):
        if number in kept:
            part_urls.append(url("/" + kept[number]))
        elif number in rebuilt:
            fingerprint, reused = rebuilt[number]
            relpath = _write_part(output, number, count, share, fingerprint, reused, fresh)
            part_urls.append(url("/" + relpath))
    output.write(INDEX_PATH.lstrip("/"), manifest_bytes(part_urls))


def _write_part(output, number, count, share, fingerprint, reused, fresh) -> str:
    entries = [
        reused.get(address) or _json([title, address, fresh.get(page_id, [])])
        for page_id, title, address, _digest_ in share
    ]
    data, offsets = part_bytes(entries)
    part_digest = _digest(data)  # the part's name, and its hash in the build manifest
    relpath = f"{PARTS_FOLDER}/{part_digest}.json"
    record = {
        address: [digest, offset, len(entry)]
        for (_id, _t, address, digest), offset, entry in zip(share, offsets, entries, strict=True)
    }
    output.write(
        relpath, data, fingerprint, digest=part_digest, part=number, parts=count, pages=record, format=FORMAT
    )
    return relpath


def _reusable_entries(root: Path, relpath: str | None, entry: dict | None, share) -> dict[str, bytes]:
    """From the previous build's part: the entry of each page whose row is unchanged, by URL."""
    if not relpath or not entry:
        return {}
    wanted = {address: digest for _id, _t, address, digest in share}
    record = entry.get("pages") or {}
    if not any(record.get(address, [None])[0] == digest for address, digest in wanted.items()):
        return {}
    try:
        data = (root / relpath).read_bytes()
    except OSError:
        return {}
    reused = {}
    for address, digest in wanted.items():
        old = record.get(address)
        if old and old[0] == digest:
            piece = data[old[1] : old[1] + old[2]]
            if piece.startswith(b"[") and piece.endswith(b"]"):
                reused[address] = piece
    return reused
