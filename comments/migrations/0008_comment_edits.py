"""A comment's earlier versions get their own table, which erasure can delete; until now they were
only in the append-only audit log (``comment.edited`` rows' ``previous_body``). Those texts are copied
here, except for comments whose text has been erased since; ``audit.0006`` then removes them from
the log."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def copy_earlier_versions(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    Comment = apps.get_model("comments", "Comment")
    CommentEdit = apps.get_model("comments", "CommentEdit")
    rows = AuditEntry.objects.filter(action="comment.edited").order_by("created_at", "pk")
    # An erased comment's text is empty (a comment cannot be posted empty): its history stays gone.
    live = set(Comment.objects.exclude(body="").values_list("pk", flat=True))
    CommentEdit.objects.bulk_create(
        CommentEdit(comment_id=int(row.target_id), body=row.data["previous_body"], edited_at=row.created_at)
        for row in rows
        if row.target_id.isdigit() and int(row.target_id) in live and row.data.get("previous_body")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('comments', '0007_reaction_source_and_hold'),
        ('audit', '0005_translated_admin_labels'),
    ]

    operations = [
        migrations.CreateModel(
            name='CommentEdit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('body', models.TextField(verbose_name='text before the edit')),
                ('edited_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='edited at')),
                ('comment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='edits', to='comments.comment', verbose_name='comment')),
            ],
            options={
                'verbose_name': 'earlier version',
                'verbose_name_plural': 'earlier versions',
                'ordering': ['comment', 'edited_at', 'pk'],
            },
        ),
        migrations.RunPython(copy_earlier_versions, migrations.RunPython.noop),
    ]
