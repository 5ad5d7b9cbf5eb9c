"""The page-view ceiling: WhiteNoise as a plain WSGI app (no Django around it), run by `make bench`
under the same gunicorn as Quire.

It serves the folder QUIRE_BENCH_STATIC_ROOT at `/`: the bench writes there a file holding exactly the
bytes Quire sends for the measured page, and beside it (`.br`, `.gz`) exactly Quire's compressed bytes,
which WhiteNoise serves to clients that accept them, as it does its own precompressed files.
Anything else answers 404.
"""

import os

from whitenoise import WhiteNoise


def not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    return [b"not found"]


application = WhiteNoise(not_found, root=os.environ["QUIRE_BENCH_STATIC_ROOT"], max_age=60)
