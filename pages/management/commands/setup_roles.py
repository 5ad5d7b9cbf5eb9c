"""Create or complete the "Editors" group (the migration does this too; safe to run again)."""

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from pages.editing.roles import EDITORS_GROUP, ensure_editors_group


class Command(BaseCommand):
    help = "Create the Editors group (create and edit drafts). Publishing needs pages.publish_page."

    def handle(self, *args, **options):
        group = ensure_editors_group(Group, Permission)
        if options["verbosity"]:
            names = ", ".join(sorted(group.permissions.values_list("codename", flat=True)))
            self.stdout.write(f"{EDITORS_GROUP}: {names}")
