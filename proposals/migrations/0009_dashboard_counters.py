"""The dashboard's per-proposal counters, filled from the rows they count (then kept by the
services: comments.counters, amendments.services._accept)."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    Proposal = apps.get_model("proposals", "Proposal")
    Comment = apps.get_model("comments", "Comment")
    Amendment = apps.get_model("amendments", "Amendment")

    def counted(queryset):
        rows = queryset.filter(proposal=OuterRef("pk")).order_by().values("proposal").annotate(n=Count("pk"))
        return Coalesce(Subquery(rows.values("n")), Value(0))

    Proposal.objects.update(
        comment_count=counted(Comment.objects.filter(deleted_at__isnull=True, hidden_at__isnull=True)),
        accepted_amendment_count=counted(Amendment.objects.filter(state="accepted")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0008_activity_stamp"),
        ("comments", "0008_comment_edits"),
        ("amendments", "0003_translated_admin_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="accepted_amendment_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="accepted amendments"),
        ),
        migrations.AddField(
            model_name="proposal",
            name="comment_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="comments"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
