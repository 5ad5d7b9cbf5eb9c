"""Admin login throttling: too many failures lock a client out; logins in code still work."""

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from pages.editing.login_throttle import client_ip

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


@pytest.fixture
def admin_and_editor(db):
    users = get_user_model().objects
    admin = users.create_user("boss", password="admin-password-456", is_staff=True, is_superuser=True)
    editor = users.create_user("editor", password="right-password-123", is_staff=True)
    return admin, editor


def login(client, username, password, ip="198.51.100.7"):
    response = client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)
    client.logout()
    return response


def test_one_accounts_success_does_not_reset_anothers_failures(client, admin_and_editor, settings):
    """Wrong admin passwords interleaved with an editor's good login from the same address still hit
    the limit: the editor's success clears only the editor's own failures."""
    statuses = []
    for number in range(1, 31):
        statuses.append(login(client, "boss", f"guess-{number}").status_code)
        if number % 4 == 0:
            login(client, "editor", "right-password-123")
    assert 429 in statuses
    assert statuses.index(429) == settings.AXES_FAILURE_LIMIT - 1  # the Nth failure is answered 429
    assert login(client, "boss", "admin-password-456").status_code == 429


def test_failures_are_counted_per_username_across_addresses(client, admin_and_editor, settings):
    """Guesses at one account from many addresses lock that account (and only it) out."""
    for number in range(settings.AXES_FAILURE_LIMIT):
        login(client, "boss", "wrong", ip=f"203.0.113.{number + 1}")
    assert login(client, "boss", "admin-password-456", ip="192.0.2.50").status_code == 429
    assert login(client, "editor", "right-password-123", ip="192.0.2.50").status_code == 302


def test_failures_are_counted_per_address_across_usernames(client, admin_and_editor, settings):
    """Guessing many usernames from one address locks that address out."""
    for number in range(settings.AXES_FAILURE_LIMIT):
        login(client, f"user{number}", "wrong")
    assert login(client, "editor", "right-password-123").status_code == 429
    assert login(client, "editor", "right-password-123", ip="192.0.2.51").status_code == 302


def test_a_success_resets_the_accounts_own_failures_from_that_address(client, admin_and_editor, settings):
    """Typos then the right password: the count for that account starts again."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "editor", "wrong")
    assert login(client, "editor", "right-password-123").status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "editor", "wrong").status_code == 200
    assert login(client, "editor", "right-password-123").status_code == 302
