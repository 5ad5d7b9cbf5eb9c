"""Signing in to the admin through its login form, as a browser does."""

from django.contrib.auth.models import User

PASSWORD = "pw"  # the tests' users' password (tests/admin_factories.py makes editors with it too)


def sign_in(page, username: str = "admin", password: str = PASSWORD):
    """Sign in as `username` (a superuser is made on first use); returns the page, on the admin index."""
    if not User.objects.filter(username=username).exists():
        User.objects.create_superuser(username, password=password)
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return page
