"""Admin login throttling: too many failures lock a client out; logins in code still work."""

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from pages.login_throttle import client_ip

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("editor", password="right-password-123", is_staff=True)


def attempt(client, password):
    return client.post(LOGIN, {"username": "editor", "password": password})


def test_the_attempt_after_the_limit_is_locked_out(client, staff, settings):
    """The Nth failure locks the client out; the N+1th attempt is refused (429), right password or not."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200
    assert attempt(client, "wrong").status_code == 429
    response = attempt(client, "right-password-123")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_fewer_failures_then_success_logs_in(client, staff, settings):
    """Below the limit, the right password logs in (and resets the count)."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        attempt(client, "wrong")
    response = attempt(client, "right-password-123")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(staff.pk)


def test_login_in_code_is_not_throttled(client, staff):
    """The test client's login() (no request, no network client) still works."""
    assert client.login(username="editor", password="right-password-123")
    assert not client.login(username="editor", password="wrong")


def test_client_ip_behind_a_proxy_is_the_address_the_proxy_saw(settings):
    """Behind a proxy the last X-Forwarded-For address counts; otherwise REMOTE_ADDR."""
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.QUIRE_BEHIND_PROXY = False
    assert client_ip(request) == "10.0.0.1"
    settings.QUIRE_BEHIND_PROXY = True
    assert client_ip(request) == "203.0.113.9"
