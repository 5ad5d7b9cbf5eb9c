"""Running what a commit runs, in tests whose transaction never commits."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS
from django.test import TestCase


def committed(using: str = DEFAULT_DB_ALIAS):
    """`with committed(): ...` runs what the block's writes left for their commit (the content-version
    bump, pages/store/site_state.py) when the block ends, as the commit of a real transaction would: a test
    run inside a transaction never commits. Outside a transaction (`transaction=True` tests) on-commit
    work runs at once and this changes nothing."""
    return TestCase.captureOnCommitCallbacks(using=using, execute=True)
