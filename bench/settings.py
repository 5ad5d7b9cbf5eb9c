"""Settings for benchmark servers: Quire's own, plus the knobs the benchmark turns.

QUIRE_BENCH_CACHE_RESPONSES / QUIRE_BENCH_CACHE_NAV: "0" turns that cache off (cold runs).
"""

import os

from site_project.settings import *  # noqa: F403
from site_project.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
QUIRE_CACHE_RESPONSES = os.environ.get("QUIRE_BENCH_CACHE_RESPONSES", "1") == "1"
QUIRE_CACHE_NAV = os.environ.get("QUIRE_BENCH_CACHE_NAV", "1") == "1"
# The load test logs in to the admin over plain http on 127.0.0.1.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
