"""The discussion heading's counter (``Proposal.discussion_count``), filled from the rows it counts
(then kept by the services: comments.counters, comments.services.comment_create)."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    Proposal = apps.get_model("proposals", "Proposal")
    Comment = apps.get_model("comments", "Comment")
    rows = (
        Comment.objects.filter(amendment__isnull=True, deleted_at__isnull=True, proposal=OuterRef("pk"))
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
    )
    Proposal.objects.update(discussion_count=Coalesce(Subquery(rows.values("n")), Value(0)))


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0009_dashboard_counters"),
        ("comments", "0009_hide_categories"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="discussion_count",
            field=models.PositiveIntegerField(
                default=0, editable=False, verbose_name="comments in the discussion"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
