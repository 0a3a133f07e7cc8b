import time

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from translations.models import Origin, Status, Translation
from translations.services import machine_run


class Command(BaseCommand):
    help = (
        "Make the machine translations that are due which no queued task took care of (the worker "
        "was down, a provider failed and the queue cannot hold a retry until its time, the daily "
        "budget ran out yesterday). Run it every few minutes from cron, or keep it running with "
        "--loop SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200, help="At most this many translations a pass.")
        parser.add_argument("--loop", type=float, default=0, help="Keep running, a pass every LOOP seconds.")

    def handle(self, *args, limit: int, loop: float, **options):
        while True:
            due = list(
                Translation.objects.filter(
                    origin=Origin.MACHINE, status__in=[Status.QUEUED, Status.UNAVAILABLE]
                )
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:limit]
            )
            outcomes: dict[str, int] = {}
            for pk in due:
                outcome = machine_run(translation_id=pk)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if options["verbosity"] and (due or not loop):
                summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
                self.stdout.write(f"{len(due)} due: {summary or 'nothing to do'}.")
            if not loop:
                return
            time.sleep(loop)
