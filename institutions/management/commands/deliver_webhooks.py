import time

from django.core.management.base import BaseCommand

from institutions.webhooks import deliver_due


class Command(BaseCommand):
    help = (
        "Send the webhook deliveries that are due which no queued task took care of (the worker was "
        "down, a task was lost). The worker (db_worker) sends new deliveries and their retries; run "
        "this every few minutes from cron as a sweeper, or keep it running with --loop SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="At most this many deliveries a pass.")
        parser.add_argument(
            "--loop", type=float, default=0, help="Keep running, with a pass every LOOP seconds."
        )

    def handle(self, *args, limit: int, loop: float, **options):
        while True:
            run = deliver_due(limit=limit)
            if options["verbosity"] and (run.attempted or not loop):
                self.stdout.write(
                    f"{run.delivered} delivered, {run.failed} to retry, {run.given_up} given up."
                )
            if not loop:
                return
            time.sleep(loop)
