"""Run inside a render worker: what the worker process has loaded."""

import sys


def django_models_loaded() -> bool:
    from django.apps import apps

    return apps.ready or "pages.models" in sys.modules


def renderer_loaded() -> bool:
    return "pages.content.rendering" in sys.modules
