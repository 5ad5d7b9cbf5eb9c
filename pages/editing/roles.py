"""The editing roles: an "Editors" group that creates and edits drafts (publishing is separate)."""

from __future__ import annotations

EDITORS_GROUP = "Editors"
EDITOR_PERMISSIONS = ["add_page", "change_page", "view_page"]


def ensure_editors_group(group_model, permission_model) -> object:
    """Create or complete the Editors group (idempotent); works with historical models in migrations."""
    group, _ = group_model.objects.get_or_create(name=EDITORS_GROUP)
    permissions = permission_model.objects.filter(
        content_type__app_label="pages", codename__in=EDITOR_PERMISSIONS
    )
    missing = set(EDITOR_PERMISSIONS) - set(permissions.values_list("codename", flat=True))
    if missing:
        raise LookupError(f"Page permissions missing: {', '.join(sorted(missing))}; run migrate first.")
    group.permissions.add(*permissions)
    return group
