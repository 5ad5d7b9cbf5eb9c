"""Template filters for the public pages: URLs under the site's base URL, and titles as HTML."""

import functools
import html

from django import template
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.signals import setting_changed
from django.utils.functional import Promise
from django.utils.safestring import mark_safe

from pages.content.sanitising import title_html as _title_html
from pages.store.base_url import prefix as base_prefix
from pages.store.base_url import reversed_url
from pages.store.base_url import site_url as _site_url

register = template.Library()


@register.filter
def site_url(url_path: str) -> str:
    """`/docs/x.html` → `/base/docs/x.html` when the site lives under /base (see pages.store.base_url)."""
    return _site_url(url_path or "/")


@register.filter
def title_html(title: str) -> str:
    """A page title with its inline HTML (sanitised), as Just the Docs shows titles in navigation."""
    return mark_safe(_title_html(title or ""))  # noqa: S308 - sanitised by nh3 with an allowlist


@register.simple_tag
def static(path: str) -> str:
    """Like Django's `{% static %}`, under the site's base URL (Django fixes STATIC_URL's prefix once,
    at its first use; the base URL is known per request)."""
    url = _static_url(path)
    current = base_prefix()
    if current and url.startswith("/") and not url.startswith(current + "/"):
        return current + url
    return url


@functools.lru_cache(maxsize=256)
def _static_url(path: str) -> str:
    """The static storage's URL for a file: fixed for a process (the storage reads its manifest once),
    so found once, not on every page view (each lookup walks the storage and the manifest)."""
    return staticfiles_storage.url(path)


def _settings_changed(**_kwargs) -> None:
    _static_url.cache_clear()  # STORAGES, STATIC_URL, DEBUG (unhashed names) change the answer


setting_changed.connect(_settings_changed, dispatch_uid="quire-static-url")


@register.simple_tag
def route(name: str) -> str:
    """`{% url name %}` for a URL without arguments, reversed once per script prefix and URLconf."""
    return reversed_url(name)


def _escaped(value) -> str:
    """Django's `conditional_escape` (the same text), without the lazy-string wrapper around its
    `escape`, which cost more than the escaping on the few-word values of these lists."""
    if isinstance(value, Promise):
        value = str(value)
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


@register.simple_tag
def page_link_items(pages) -> str:
    """`<li><a href="URL">TITLE</a></li>` for each page (breadcrumbs, a section's children), exactly
    as the template's for-loop with `site_url` and `title_html` wrote them, in one Python loop."""
    return mark_safe(  # noqa: S308 - URLs escaped, titles sanitised
        "".join(
            f'<li><a href="{_escaped(site_url(page.url_path))}">{title_html(page.title)}</a></li>'
            for page in pages
        )
    )


@register.simple_tag
def toc_items(toc: list[dict]) -> str:
    """The side table of contents' list items, exactly as the template's for-loop wrote them, in one
    Python loop (the template loop was a quarter of an uncached page view's CPU)."""
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            '<li class="toc-level-{}"><a href="#{}">{}</a></li>'.format(
                *(_escaped(entry.get(key, "")) for key in ("level", "id", "name"))
            )
            for entry in toc
        )
    )
