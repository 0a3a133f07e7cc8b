import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench import seed


class Command(BaseCommand):
    help = (
        "Fill the database with a benchmark's worth of participation on top of the seeded proposals "
        "(run `load_seed` first). Idempotent: does nothing once the database is seeded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Multiply every default volume (0.1 for a quick run)."
        )
        for field in seed.Volume.__dataclass_fields__.values():
            parser.add_argument(
                f"--{field.name.replace('_', '-')}",
                type=int,
                default=None,
                dest=field.name,
                help=f"Default {field.default:,} (times --scale, except thread-comments).",
            )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (same seed, same data).")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Benchmark data (with public passwords) is never loaded in production.")
        volume = seed.Volume.scaled(
            options["scale"], **{name: options[name] for name in seed.Volume.__dataclass_fields__}
        )
        existing = seed.marker()
        if existing is not None:
            self.stdout.write(f"Already seeded ({existing.data.get('volume')}); nothing to do.")
            return
        self.stdout.write(f"Seeding {volume} ...")
        started = time.monotonic()
        try:
            summary = seed.seed(
                volume, random_seed=options["seed"], log=lambda m: self.stdout.write(f"  {m}")
            )
        except seed.SeedError as error:
            raise CommandError(str(error)) from error
        if summary is None:
            self.stdout.write("Already seeded; nothing to do.")
            return
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Fresh statistics and visibility map for the planner (VACUUM cannot run in a transaction).
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
        self.stdout.write(
            self.style.SUCCESS(f"Seeded in {time.monotonic() - started:.0f} s: {summary['counts']}")
        )
