"""Small builders shared by the admin, ordering and revision tests."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User

from pages.editing.saving import save_page
from pages.models import Page


def make_page(*, user=None, record: bool = True, **fields) -> Page:
    """A page saved through the editing path (rendered, with a revision), or plainly when record=False."""
    defaults = {"title": "Page", "url_path": f"/{fields.get('title', 'page').lower().replace(' ', '-')}/"}
    page = Page(**{**defaults, **fields})
    if record:
        return save_page(page, user=user, comment="Created.")
    page.save()
    return page


def make_family(nav_orders: tuple[str, str, str] = ("1", "2", "3")) -> tuple[Page, list[Page]]:
    """A "Guide" page with children A, B and C, given these nav_orders."""
    parent = make_page(title="Guide", url_path="/guide/")
    kids = [
        make_page(title=t, url_path=f"/guide/{t.lower()}/", parent=parent, nav_order=o)
        for t, o in zip("ABC", nav_orders, strict=True)
    ]
    return parent, kids


def make_editor(username: str = "editor", *, can_publish: bool = False) -> User:
    """A staff user in the Editors group, optionally with the publish permission."""
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    if can_publish:
        user.user_permissions.add(Permission.objects.get(codename="publish_page"))
    return User.objects.get(pk=user.pk)
