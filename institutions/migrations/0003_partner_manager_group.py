"""The "Partner manager" group: staff who look after the partner institutions without being
superusers. They create and edit institutions, issue and revoke API keys (the key is shown once),
manage webhook endpoints and retry deliveries, and read the progress reports institutions sent.
Moderators get to see the institutions, their keys (never a secret: only prefixes are stored) and
webhook endpoints, read-only.

Permissions are normally created after migrations (post_migrate), so they are created here first.
"""

from django.db import migrations

PARTNER_MANAGER_GROUP = "Partner manager"
PARTNER_MANAGER_PERMISSIONS = {
    "institutions": [
        "add_institution",
        "change_institution",
        "view_institution",
        "add_institutionapikey",
        "change_institutionapikey",
        "view_institutionapikey",
        "add_webhookendpoint",
        "change_webhookendpoint",
        "delete_webhookendpoint",
        "view_webhookendpoint",
        "change_webhookdelivery",
        "view_webhookdelivery",
        "view_progressreport",
    ],
}
MODERATOR_GROUP = "Moderator"
MODERATOR_PERMISSIONS = {
    "institutions": [
        "view_institution",
        "view_institutionapikey",
        "view_webhookendpoint",
        "view_progressreport",
    ],
}


def create_permissions_now(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("institutions")
    # Historical app configs have no models module, which create_permissions takes as "nothing to
    # do"; pretend for the duration of the call.
    app_config.models_module = True
    try:
        create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
    finally:
        app_config.models_module = None


def _permissions(apps, granted):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for label, codenames in granted.items():
        rows = list(Permission.objects.filter(content_type__app_label=label, codename__in=codenames))
        missing = set(codenames) - {permission.codename for permission in rows}
        if missing:
            raise RuntimeError(f"Permissions not found for {label}: {sorted(missing)}")
        found.extend(rows)
    return found


def grant(apps, schema_editor):
    create_permissions_now(apps, schema_editor)
    Group = apps.get_model("auth", "Group")
    managers, _created = Group.objects.get_or_create(name=PARTNER_MANAGER_GROUP)
    managers.permissions.set(_permissions(apps, PARTNER_MANAGER_PERMISSIONS))
    moderators, _created = Group.objects.get_or_create(name=MODERATOR_GROUP)
    moderators.permissions.add(*_permissions(apps, MODERATOR_PERMISSIONS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=PARTNER_MANAGER_GROUP).delete()
    moderators = Group.objects.filter(name=MODERATOR_GROUP).first()
    if moderators is not None:
        moderators.permissions.remove(*_permissions(apps, MODERATOR_PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [
        ("institutions", "0002_translated_admin_labels"),
        ("moderation", "0003_moderator_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
