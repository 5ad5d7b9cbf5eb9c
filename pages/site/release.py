"""The release a process serves: part of every cached page's key, so no release serves another's HTML.

`QUIRE_RELEASE` names it when set (a version tag, a commit hash). Otherwise it is a hash of what makes a
release's HTML: Quire's code and templates, the static manifest (`collectstatic`'s hashed file names,
or the static files themselves when there is no manifest) and the installed Django. Either way the
settings that shape every page (site name, base URL, static and media URLs, DEBUG) are mixed in, so two
instances configured differently never share cached pages either.

During a rolling restart the old and the new release run side by side, each reading and filling only
its own entries; the content version (pages/store/site_state.py) is shared by all releases.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import django
from django.conf import settings
from django.core.signals import setting_changed

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CODE_FOLDERS = ("pages", "site_project", "templates")
CODE_SUFFIXES = (".py", ".html", ".txt", ".xml")
MANIFEST_NAME = "staticfiles.json"


def _feed_files(digest, root: Path, suffixes: tuple[str, ...] | None) -> None:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        wanted = suffixes is None or path.suffix in suffixes
        if wanted and path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())


def code_fingerprint() -> str:
    """A hash of Quire's code, templates and static files as installed here."""
    digest = hashlib.sha256(f"django {django.get_version()}".encode())
    for folder in CODE_FOLDERS:
        _feed_files(digest, PROJECT_ROOT / folder, CODE_SUFFIXES)
    manifest = Path(settings.STATIC_ROOT or "") / MANIFEST_NAME if settings.STATIC_ROOT else None
    if manifest is not None and manifest.is_file() and not settings.DEBUG:
        digest.update(manifest.read_bytes())
    else:
        for folder in settings.STATICFILES_DIRS:
            _feed_files(digest, Path(folder), None)
    return digest.hexdigest()[:16]


def _settings_fingerprint() -> str:
    shaping = [
        getattr(settings, name, "")
        for name in ("QUIRE_SITE_NAME", "QUIRE_BASEURL", "STATIC_URL", "MEDIA_URL", "DEBUG")
    ]
    return hashlib.sha256(repr(shaping).encode()).hexdigest()[:8]


@functools.cache
def _release(explicit: str, settings_fingerprint: str) -> str:
    name = explicit.strip() or code_fingerprint()
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:40]
    return f"{safe}-{settings_fingerprint}"


_current: str | None = None


def current_release() -> str:
    """This process's release name as used in cache keys (computed once per process and settings)."""
    global _current
    if _current is None:
        _current = _release(getattr(settings, "QUIRE_RELEASE", "") or "", _settings_fingerprint())
    return _current


def _forget_current(**_kwargs) -> None:
    global _current
    _current = None


# Changed settings (tests' override_settings) give another release name.
setting_changed.connect(_forget_current, dispatch_uid="quire-release-setting-changed")
