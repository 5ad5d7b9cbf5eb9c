"""The Editors group: created by the migrations, completed by `setup_roles`."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_migrations_create_the_editors_group_without_publish():
    """After migrate, Editors can add, change and view pages, but not publish them."""
    codenames = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert codenames == {"add_page", "change_page", "view_page"}


def test_setup_roles_recreates_the_group():
    """`setup_roles` brings back a deleted Editors group and reports its permissions."""
    Group.objects.filter(name="Editors").delete()
    out = StringIO()
    call_command("setup_roles", stdout=out)
    assert out.getvalue().strip() == "Editors: add_page, change_page, view_page"
    assert Group.objects.get(name="Editors").permissions.count() == 3
