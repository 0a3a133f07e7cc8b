"""Moderators review editorial corrections (view, and change to resolve them; never add or delete:
the seeding records them) and keep what a proposal cites up to date (view and change citations)."""

from django.db import migrations

MODERATOR_GROUP = "Moderator"
MODERATOR_PERMISSIONS = {
    "proposals": [
        "view_citation",
        "change_citation",
        "view_editorialcorrection",
        "change_editorialcorrection",
    ],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("proposals")
    # Permissions are normally created after migrations; historical app configs have no models
    # module, which create_permissions takes as "nothing to do".
    app_config.models_module = True
    try:
        create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
    finally:
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=MODERATOR_GROUP)
    for label, codenames in MODERATOR_PERMISSIONS.items():
        found = list(Permission.objects.filter(content_type__app_label=label, codename__in=codenames))
        missing = set(codenames) - {permission.codename for permission in found}
        if missing:
            raise RuntimeError(f"Permissions not found for {label}: {sorted(missing)}")
        group.permissions.add(*found)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=MODERATOR_GROUP).first()
    if group is not None:
        for label, codenames in MODERATOR_PERMISSIONS.items():
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=label, codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0005_editorial_corrections"),
        ("moderation", "0003_moderator_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
