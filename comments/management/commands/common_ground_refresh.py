"""Recompute every comment's stored common-ground label and bridging score: run it after changing
``COMMON_GROUND`` thresholds or the metric (``core.consensus.METRIC_VERSION``). It also sweeps up
held reactions whose time has come, should their queued refresh have been lost."""

from django.core.management.base import BaseCommand

from comments import ground
from comments.models import Comment


class Command(BaseCommand):
    help = "Recompute the stored common-ground labels of all comments (after a threshold or metric change)."

    def handle(self, *args, **options) -> None:
        fields = (
            "pk",
            "proposal_id",
            "ground_label",
            "bridging_score",
            "ground_version",
            *ground.COUNTER_FIELDS,
        )
        changed = ground.refresh(Comment.objects.only(*fields).iterator(chunk_size=1000))
        self.stdout.write(f"{changed} comments relabelled.")
