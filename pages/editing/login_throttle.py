"""Admin login throttling (django-axes): which client an attempt comes from, and who is checked."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses logins from a client locked out after too many failures.

    Logins made in code without a request (management commands, the test client's `login()`) come from
    no network client, so there is nothing to throttle; they pass on to the next backend.
    """

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a trusted proxy the address that proxy saw."""
    if getattr(settings, "QUIRE_BEHIND_PROXY", False):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")


def forget_own_failures(sender, request: HttpRequest | None, user, **kwargs) -> int:
    """After a successful login, delete the failures of this username from this address only.

    The failures against other usernames from the same address, and against this username from other
    addresses, keep counting: one account's success never resets another's (or a distributed guesser's)
    count. Replaces django-axes' AXES_RESET_ON_SUCCESS, which matches the address OR the username.
    """
    ip_address = getattr(request, "axes_ip_address", None) if request is not None else None
    if ip_address is None:
        return 0
    deleted, _ = AccessAttempt.objects.filter(username=user.get_username(), ip_address=ip_address).delete()
    return deleted


def connect_login_signals() -> None:
    user_logged_in.connect(forget_own_failures, dispatch_uid="quire-forget-own-failures")
