import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def from_created(apps, schema_editor):
    apps.get_model("progress", "Milestone").objects.update(updated_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0002_translated_admin_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="milestone",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name="updated at"),
            preserve_default=False,
        ),
        # The best known time of the last change of the milestones already there.
        migrations.RunPython(from_created, migrations.RunPython.noop),
    ]
