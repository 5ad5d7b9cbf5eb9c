"""Quire settings: one module, driven by environment variables with safe defaults.

Every variable is documented in `.env.example` and in the user guide's Configuration page
(`fixtures/content/configuration.md`; `tests/test_docs_facts.py` checks both).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from pages.site.db_timeouts import database_options

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Quire refuses to start without a secret key when "
            "DJANGO_DEBUG is off. Set DJANGO_SECRET_KEY to a long random string (see .env.example), "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - only when DEBUG is on

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

QUIRE_SITE_NAME = os.environ.get("QUIRE_SITE_NAME", "Quire")
# The public address of the site (scheme and host), for `build_site`'s canonical links, feed and sitemap.
QUIRE_SITE_URL = os.environ.get("QUIRE_SITE_URL", "")
# The folder the admin's "Build static site" button writes the static site to (`build_site`); no button
# without it.
QUIRE_STATIC_BUILD_DIR = os.environ.get("QUIRE_STATIC_BUILD_DIR", "")
# Under DEBUG a missing page shows the themed 404 too; QUIRE_DEBUG_TECHNICAL_404=1 brings back Django's
# debug page (the URL patterns tried) for developers.
QUIRE_DEBUG_TECHNICAL_404 = env_bool("QUIRE_DEBUG_TECHNICAL_404")
# Just the Docs compares string nav_order and titles case-insensitively by default.
# Just the Docs sorts navigation text case-sensitively; a site's `nav_sort` in _config.yml wins.
QUIRE_NAV_CASE_SENSITIVE = env_bool("QUIRE_NAV_CASE_SENSITIVE", default=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "markdownx",
    "axes",
    "reversion",
    "pages",
]

# Django's JSON format written with the C encoder (same text; page history is serialized with it).
SERIALIZATION_MODULES = {"json": "pages.store.json_serializer"}

MIDDLEWARE = [
    # Health checks first: answered before host checks, HTTPS redirects, sessions and the page cache.
    "pages.site.health.HealthCheckMiddleware",
    "pages.store.base_url.SiteBaseUrlMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pages.site.caching.DatabaseOutageMiddleware",
    "pages.site.caching.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "site_project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pages.site.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "site_project.wsgi.application"
ASGI_APPLICATION = "site_project.asgi.application"

# Time limits (pages/site/db_timeouts.py): connecting (PostgreSQL) and any one statement (both engines).
QUIRE_DB_CONNECT_TIMEOUT = int(os.environ.get("QUIRE_DB_CONNECT_TIMEOUT", "3"))
QUIRE_DB_STATEMENT_TIMEOUT = float(os.environ.get("QUIRE_DB_STATEMENT_TIMEOUT", "10"))
# After a failed database read of the content version, this process retries only after so many seconds
# (meanwhile pages already cached are served stale); readers get 503 with Retry-After otherwise.
QUIRE_DB_RETRY_AFTER = float(os.environ.get("QUIRE_DB_RETRY_AFTER", "2"))
QUIRE_OUTAGE_RETRY_AFTER = int(os.environ.get("QUIRE_OUTAGE_RETRY_AFTER", "10"))
QUIRE_STALE_MAX_AGE = int(os.environ.get("QUIRE_STALE_MAX_AGE", "5"))


def database_config(url_variable: str, default: str | None) -> dict | None:
    """One DATABASES entry from a URL variable, with Quire's connection settings and time limits."""
    if not os.environ.get(url_variable) and default is None:
        return None
    config = dj_database_url.config(
        env=url_variable,
        default=default,
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run while an import writes; IMMEDIATE makes writers queue instead of failing.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": int(os.environ.get("QUIRE_SQLITE_BUSY_TIMEOUT", "20")),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # Kept per worker: opening the file and running the PRAGMAs on every request halved the cached
        # page view's throughput in `make bench` (the guide's Benchmarks page).
        # DJANGO_SQLITE_CONN_MAX_AGE=0 reopens.
        config["CONN_MAX_AGE"] = int(os.environ.get("DJANGO_SQLITE_CONN_MAX_AGE", "60"))
        config["CONN_HEALTH_CHECKS"] = False
        config["QUIRE_STATEMENT_TIMEOUT"] = QUIRE_DB_STATEMENT_TIMEOUT
        return config
    if env_bool("QUIRE_DB_POOL"):
        # psycopg's connection pool (Django 5.1+), one per worker process; persistent connections off.
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("QUIRE_DB_POOL_MIN", "1")),
            "max_size": int(os.environ.get("QUIRE_DB_POOL_MAX", "4")),
            "timeout": QUIRE_DB_CONNECT_TIMEOUT,
        }
        config["CONN_MAX_AGE"] = 0
    return database_options(
        config, connect_timeout=QUIRE_DB_CONNECT_TIMEOUT, statement_timeout=QUIRE_DB_STATEMENT_TIMEOUT
    )


DATABASES = {"default": database_config("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# An optional read replica: public page views read from it while it has caught up with the primary's
# content version; writes, the admin and everything else use the primary (pages/site/db_router.py).
_replica = database_config("DATABASE_REPLICA_URL", None)
if _replica is not None:
    DATABASES["replica"] = {**_replica, "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["pages.site.db_router.PublicReadsRouter"]

REDIS_URL = os.environ.get("REDIS_URL", "")
# Redis answers in well under a millisecond; a socket that takes longer than this is treated as down.
QUIRE_CACHE_SOCKET_TIMEOUT = float(os.environ.get("QUIRE_CACHE_SOCKET_TIMEOUT", "0.5"))
# Each process keeps the content version it read from Redis until Redis pushes that it changed (CLIENT
# TRACKING, pages/site/cache_backend.py): a cached page costs no round trip. 0 reads it with a GET each time.
QUIRE_CACHE_TRACKING = env_bool("QUIRE_CACHE_TRACKING", default=True)
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, failing soft: a Redis error or timeout is a logged cache miss.
            "BACKEND": "pages.site.cache_backend.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("QUIRE_CACHE_PREFIX", "quire"),
            "OPTIONS": {
                "socket_connect_timeout": QUIRE_CACHE_SOCKET_TIMEOUT,
                "socket_timeout": QUIRE_CACHE_SOCKET_TIMEOUT,
                "retry_after": float(os.environ.get("QUIRE_CACHE_RETRY_AFTER", "5")),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "quire",
        }
    }

# The release in every cache key (pages/site/release.py); by default a hash of the code and static files.
QUIRE_RELEASE = os.environ.get("QUIRE_RELEASE", "")
# How old the shared cache's copy of the content version may be before it is checked with the database.
QUIRE_VERSION_MAX_AGE = float(os.environ.get("QUIRE_VERSION_MAX_AGE", "5"))
# Whether the cache's copy may be trusted at all (Django setting): by default only when the cache is shared
# (Redis), never a per-process local-memory cache.
QUIRE_VERSION_IN_CACHE = None
# /-/health/ready answers 503 when the cache fails too (pages/site/health.py).
QUIRE_READY_REQUIRES_CACHE = env_bool("QUIRE_READY_REQUIRES_CACHE")

# Public pages: browser/proxy max-age, and how long cached pages and navigation live (pages/site/caching.py).
QUIRE_PUBLIC_MAX_AGE = int(os.environ.get("QUIRE_PUBLIC_MAX_AGE", "60"))
QUIRE_CACHE_TIMEOUT = int(os.environ.get("QUIRE_CACHE_TIMEOUT", str(24 * 3600)))
# The WSGI fast path (pages/site/fast_path.py): cached public pages answered before any middleware, each
# worker keeping the pages it served last (at most this many MB) for the current content version.
QUIRE_FAST_PATH = env_bool("QUIRE_FAST_PATH", default=True)
QUIRE_FAST_PATH_MEMORY_MB = float(os.environ.get("QUIRE_FAST_PATH_MEMORY_MB", "16"))
# Cached pages at least this long are also stored brotli- and gzip-compressed (pages/site/encodings.py).
QUIRE_COMPRESS_MIN_BYTES = int(os.environ.get("QUIRE_COMPRESS_MIN_BYTES", "1024"))
# Most entries of one navigation level written into a page; longer levels are windowed
# (pages/content/nav_tree.py).
QUIRE_NAV_WINDOW = int(os.environ.get("QUIRE_NAV_WINDOW", "150"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))

# Uploaded images: on this machine's disk (QUIRE_MEDIA_STORAGE=local, the default: one machine only)
# or in any S3-compatible object store shared by every instance (QUIRE_MEDIA_STORAGE=s3). Either way
# Quire serves them at MEDIA_URL itself, with hardening headers (pages/site/media.py).
QUIRE_MEDIA_MAX_AGE = int(os.environ.get("QUIRE_MEDIA_MAX_AGE", str(24 * 3600)))


def media_storage(environ=os.environ) -> dict:
    """STORAGES["default"] from QUIRE_MEDIA_STORAGE and, for S3, the QUIRE_S3_* variables."""
    kind = environ.get("QUIRE_MEDIA_STORAGE", "local").strip().lower() or "local"
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(
            f"QUIRE_MEDIA_STORAGE is {kind!r}; use 'local' (this machine's disk) or 's3' (an object store)."
        )
    bucket = environ.get("QUIRE_S3_BUCKET", "").strip()
    if not bucket:
        raise ImproperlyConfigured("QUIRE_MEDIA_STORAGE=s3 needs QUIRE_S3_BUCKET (the bucket's name).")
    from botocore.config import Config

    timeout = float(environ.get("QUIRE_S3_TIMEOUT", "5"))
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            # Unset values fall back to boto3's own chain (AWS_* variables, instance roles).
            "endpoint_url": environ.get("QUIRE_S3_ENDPOINT_URL") or None,
            "region_name": environ.get("QUIRE_S3_REGION") or None,
            "access_key": environ.get("QUIRE_S3_ACCESS_KEY_ID") or None,
            "secret_key": environ.get("QUIRE_S3_SECRET_ACCESS_KEY") or None,
            "location": environ.get("QUIRE_S3_PREFIX", "").strip("/"),
            "default_acl": None,  # private objects: readers get them through Quire (or a CDN in front)
            "querystring_auth": True,
            "file_overwrite": False,
            "client_config": Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": 2},
                s3={"addressing_style": environ.get("QUIRE_S3_ADDRESSING_STYLE", "path")},
            ),
        },
    }


STORAGES = {
    "default": media_storage(),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-markdownx: the admin preview goes through the same render-and-sanitise path as the site.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "pages.content.rendering.render_preview"
MARKDOWNX_MEDIA_PATH = "uploads/%Y/%m/"
MARKDOWNX_UPLOAD_MAX_SIZE = int(os.environ.get("QUIRE_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
# Largest accepted image in pixels (width x height); larger ones, and decompression bombs, are refused.
# Largest file (image, PDF, ...) an imported site may carry besides its markdown.
QUIRE_SITE_FILE_MAX_BYTES = int(os.environ.get("QUIRE_SITE_FILE_MAX_BYTES", str(20 * 1024 * 1024)))
QUIRE_UPLOAD_MAX_PIXELS = int(os.environ.get("QUIRE_UPLOAD_MAX_PIXELS", str(40_000_000)))
# Rendering what an editor types (live preview, admin save): refused over this many bytes, stopped after
# this many seconds (pages/content/render_limits.py). The size limit defaults to the import's file limit.
QUIRE_PREVIEW_MAX_BYTES = int(os.environ.get("QUIRE_PREVIEW_MAX_BYTES", str(2 * 1024 * 1024)))
QUIRE_PREVIEW_TIMEOUT = float(os.environ.get("QUIRE_PREVIEW_TIMEOUT", "5"))
# Jekyll's site.baseurl: prefixed to site-relative links when rendering ({{ site.baseurl }}, relative_url).
QUIRE_BASEURL = os.environ.get("QUIRE_BASEURL", "").rstrip("/")

# Content-Security-Policy: scripts, styles, fonts and frames from the site itself only; no inline
# scripts or styles, no plugins, no <base>, never framed. Images may also come over https, and from
# `blob:` URLs, which only the page's own scripts can make: Mermaid diagrams are shown that way (drawn in a
# sandboxed frame with its own policy, see pages/site/diagrams.py).
# No directive can stop an injected <meta http-equiv="refresh"> (navigate-to was never supported): that
# class is closed by escaping/sanitising every string from markdown exactly once, which the hostile
# suites check on every served page.
CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "https:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
MIDDLEWARE.insert(2, "pages.site.content_security.ContentSecurityPolicyMiddleware")

# Admin login throttling (django-axes): failures are counted per client address and per username; after
# QUIRE_LOGIN_FAILURE_LIMIT failures from one address, or against one username from anywhere, further
# attempts are refused (HTTP 429) for QUIRE_LOGIN_COOLOFF_MINUTES. A successful login clears only that
# account's own failures from that address (pages.editing.login_throttle.forget_own_failures), never
# another's.
AUTHENTICATION_BACKENDS = [
    "pages.editing.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AXES_FAILURE_LIMIT = int(os.environ.get("QUIRE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("QUIRE_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
# django-axes' own reset would delete every failure matching the address OR the username, so an editor's
# good login would wipe the failures against the admin account from the same address.
AXES_RESET_ON_SUCCESS = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "pages.editing.login_throttle.client_ip"
AXES_VERBOSE = False

# Production hardening, on whenever DEBUG is off.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD")
if not SECURE_HSTS_PRELOAD:
    # Preloading is the domain owner's opt-in (hard to undo), so it stays off unless DJANGO_HSTS_PRELOAD
    # asks for it; the deploy check's reminder about it is silenced, every other deploy check applies.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
QUIRE_BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY")
if QUIRE_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
