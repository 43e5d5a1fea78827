import time
from contextlib import contextmanager
from datetime import date

from auditlog.context import disable_auditlog
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from accounts.jobs import scale_steps
from accounts.scale import ScaleContext

DEFAULT_PASSWORD = "careguard-scale"


@contextmanager
def fast_sqlite():
    """A bulk load needs no fsync per transaction; the file is rebuilt from scratch if the run dies."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:  # inside a transaction (tests): leave it
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-200000")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=NORMAL")  # as config.settings sets it


class Command(BaseCommand):
    help = (
        "Build a national benchmark dataset in an empty database: institutions across every province, "
        "staff, insurers and policies, inspections with results and findings, incidents and claims, "
        "penalties, complaints, blacklist cases, credit scores, and accounts for every role. "
        "Deterministic for a seed. Run `manage.py load_regions` first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--institutions", type=int, default=40000)
        parser.add_argument("--years", type=int, default=3, help="years of history (default 3)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password of every generated account")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, **opts):
        Institution = apps.get_model("institutions", "Institution")
        Region = apps.get_model("institutions", "Region")
        if opts["institutions"] < 1 or opts["years"] < 1:
            raise CommandError("--institutions and --years must be at least 1.")
        if Institution.objects.exists():
            raise CommandError(
                f"The database already holds {Institution.objects.count()} institutions. generate_scale only "
                "fills an empty database: create a fresh one (migrate, load_regions) and run it there."
            )
        if not Region.objects.exists():
            raise CommandError("The region table is empty: run `manage.py load_regions` first.")
        ctx = ScaleContext(
            seed=opts["seed"], today=opts["today"] or timezone.localdate(), years=opts["years"],
            institutions=opts["institutions"], password=opts["password"], progress=not opts["no_progress"],
        )
        timings = []
        # Rows are written by executemany, which sends no signals, so auditlog logs none; disabled anyway so
        # the refreshers' updates at the end do not log 40,000 changes either.
        with disable_auditlog(), fast_sqlite():
            for name, step in scale_steps():
                started = time.monotonic()
                with transaction.atomic():
                    step(ctx)
                    ctx.flush()
                timings.append((name, time.monotonic() - started))
            self._reset_sequences()
        started = time.monotonic()
        with connection.cursor() as cursor:
            # Fresh statistics for the query planner, as PostgreSQL's autovacuum would gather later:
            # without them SQLite picks poor indexes for the national-scale lists.
            cursor.execute("ANALYZE")
        timings.append(("analyze", time.monotonic() - started))
        self._report(ctx, timings, opts["password"])

    def _reset_sequences(self):
        # Ids were allocated by the generator; PostgreSQL's sequences must continue after them.
        statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def _report(self, ctx: ScaleContext, timings, password: str):
        write = self.stdout.write
        write("")
        write(f"{'rows':>10}  model")
        for label, rows in sorted(ctx.counts.items()):
            write(f"{rows:>10}  {label}")
        write(f"{sum(ctx.counts.values()):>10}  total")
        write("")
        write(f"{'seconds':>10}  step")
        for name, seconds in timings:
            write(f"{seconds:>10.1f}  {name}")
        write(f"{sum(s for _n, s in timings):>10.1f}  total")
        write("")
        write(f"Accounts (password {password!r} for all):")
        for role, names in sorted(ctx.usernames.items()):
            write(f"  {role:<12} {', '.join(names)}")
        write(self.style.SUCCESS(
            f"Generated {ctx.institutions} institutions, {ctx.years} years to {ctx.today} (seed {ctx.seed})."
        ))
