"""Create the "Editors" group: add, change and view pages; publishing needs pages.publish_page."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_editors_group(apps, schema_editor):
    from pages.editing.roles import ensure_editors_group

    # Permissions are normally created after all migrations; make the pages ones now.
    for app_label in ("contenttypes", "auth", "pages"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_editors_group(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0002_public_site_search_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
