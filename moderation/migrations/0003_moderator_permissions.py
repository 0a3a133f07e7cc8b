"""Give the Moderator group exactly the admin permissions moderators need.

Content (comments, amendments) can be viewed and changed, never deleted: hiding goes through the
moderation actions. Users can be changed for suspensions (the user admin keeps the permission
fields read-only for anyone but superusers). The audit log, ratings and notifications are
read-only. Proposals, their versions and publications can be edited; progress milestones managed.
Nothing on auth groups or permissions.

Permissions are normally created after migrations (post_migrate), so they are created here first.
"""

from django.db import migrations

MODERATOR_GROUP = "Moderator"
MODERATOR_PERMISSIONS = {
    "comments": ["view_comment", "change_comment"],
    "amendments": ["view_amendment", "change_amendment"],
    "moderation": [
        "view_report",
        "change_report",
        "view_reportedcomment",
        "change_reportedcomment",
        "view_reportedamendment",
        "change_reportedamendment",
    ],
    "accounts": ["view_user", "change_user"],
    "audit": ["view_auditentry"],
    "ratings": ["view_rating", "view_ratingaggregate"],
    "notifications": ["view_notification"],
    "proposals": [
        "view_proposal",
        "change_proposal",
        "view_proposalversion",
        "change_proposalversion",
        "view_publication",
        "change_publication",
    ],
    "progress": [
        "add_milestone",
        "change_milestone",
        "view_milestone",
        "delete_milestone",
        "view_jurisdictionstage",
    ],
}


def create_permissions_now(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for label in MODERATOR_PERMISSIONS:
        app_config = apps.get_app_config(label)
        # Historical app configs have no models module, which create_permissions takes as "nothing
        # to do"; pretend for the duration of the call.
        app_config.models_module = True
        try:
            create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
        finally:
            app_config.models_module = None


def grant(apps, schema_editor):
    create_permissions_now(apps, schema_editor)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=MODERATOR_GROUP)
    permissions = []
    for label, codenames in MODERATOR_PERMISSIONS.items():
        found = list(Permission.objects.filter(content_type__app_label=label, codename__in=codenames))
        missing = set(codenames) - {permission.codename for permission in found}
        if missing:
            raise RuntimeError(f"Permissions not found for {label}: {sorted(missing)}")
        permissions.extend(found)
    group.permissions.set(permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=MODERATOR_GROUP).first()
    if group is not None:
        group.permissions.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0002_queue_proxies"),
        ("accounts", "0003_moderator_group"),
        ("amendments", "0001_initial"),
        ("audit", "0001_initial"),
        ("comments", "0001_initial"),
        ("notifications", "0003_moderation_kinds"),
        ("progress", "0001_initial"),
        ("proposals", "0002_proposalversion_stale_translations"),
        ("ratings", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
