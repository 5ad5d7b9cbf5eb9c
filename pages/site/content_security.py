"""The Content-Security-Policy header: the site's one policy (`settings.CSP_DIRECTIVES`) on every
response that does not carry a policy of its own (the diagram frame, the editor's preview frame, media
and site files set theirs).

The header's text is written once per process and settings, not per response: the policy has no
per-request part (Quire uses no nonces), and building it for each answer cost an uncached page view
3 % of its time.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.signals import setting_changed

HEADER = "Content-Security-Policy"


def policy_text(directives: dict[str, list[str]]) -> str:
    """`{"default-src": ["'self'"], ...}` → `default-src 'self'; ...`, in the directives' order."""
    return "; ".join(f"{name} {' '.join(values)}".rstrip() for name, values in directives.items())


@functools.cache
def site_policy() -> str:
    return policy_text(settings.CSP_DIRECTIVES)


def _forget_site_policy(*, setting: str, **kwargs) -> None:
    if setting == "CSP_DIRECTIVES":
        site_policy.cache_clear()


setting_changed.connect(_forget_site_policy)


class ContentSecurityPolicyMiddleware:
    """Adds the site's policy to every response that has none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            response.headers[HEADER] = site_policy()
        return response
