"""Compressed copies of cached pages, and which one a client gets (pure functions).

A cached page is stored once as sent and, when it is at least QUIRE_COMPRESS_MIN_BYTES long, also
brotli- and gzip-compressed (each kept only when smaller). A request gets the copy its
`Accept-Encoding` prefers: the highest q-value wins, `q=0` refuses a coding, `*` stands for any coding
not named, and at equal q-values brotli comes before gzip and both before the identity (it is the
largest). Only cached public pages are compressed: they carry no CSRF token or other secret, so
compression cannot leak one (BREACH); pages rendered for a logged-in user are sent as they are.
"""

from __future__ import annotations

import gzip

import brotli

# Content-Encoding names, in order of preference at equal q-values.
CODINGS = ("br", "gzip")
IDENTITY = "identity"
# Brotli quality 5 and gzip level 6: a 150 KB page compresses in a few milliseconds when it is stored,
# within a few percent of the slowest settings' size.
BROTLI_QUALITY = 5
GZIP_LEVEL = 6
ETAG_SUFFIX = {"br": "-br", "gzip": "-gz"}


def compress(body: bytes, min_bytes: int) -> dict[str, bytes]:
    """The brotli and gzip copies of `body` worth keeping: none under `min_bytes`, none not smaller."""
    if len(body) < min_bytes:
        return {}
    copies = {
        "br": brotli.compress(body, quality=BROTLI_QUALITY, mode=brotli.MODE_TEXT),
        "gzip": gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0),
    }
    return {coding: data for coding, data in copies.items() if len(data) < len(body)}


def accepted(header: str) -> dict[str, float]:
    """`Accept-Encoding` as {coding: q}, names in lower case; a malformed q-value counts as 0."""
    weights: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        weights[name] = q
    return weights


def choose(header: str, available) -> str:
    """The coding of `available` (a subset of CODINGS) to send for this `Accept-Encoding`; "" for the
    identity, which is also sent when the client accepts none of them (RFC 9110: a server may).

    An identity the header does not name (nor `*`) is acceptable but least preferred."""
    if not header or not available:
        return ""
    weights = accepted(header)
    star = weights.get("*")

    def q(name: str) -> float:
        if name in weights:
            return weights[name]
        if star is not None:
            return star
        return _UNNAMED_IDENTITY if name == IDENTITY else 0.0

    best, best_score = "", (q(IDENTITY), 0)
    for rank, coding in enumerate(reversed(CODINGS), start=1):  # at equal q: br, then gzip, then identity
        score = (q(coding), rank)
        if coding in available and score[0] > 0 and score > best_score:
            best, best_score = coding, score
    return best


_UNNAMED_IDENTITY = 0.0001
