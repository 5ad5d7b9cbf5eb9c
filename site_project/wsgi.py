"""WSGI entry point (gunicorn site_project.wsgi): Django's handler with the page cache's fast path in
front (pages/site/fast_path.py)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_project.settings")
django.setup(set_prefix=False)

from pages.site.fast_path import FastPathHandler  # noqa: E402 - needs the apps loaded

application = FastPathHandler()
