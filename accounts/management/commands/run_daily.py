from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.jobs import daily_jobs


class Command(BaseCommand):
    help = "Run the time-driven work of every app for one day. Idempotent: safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="YYYY-MM-DD (default: today in Asia/Shanghai)")

    def handle(self, *args, **opts):
        try:
            today = date.fromisoformat(opts["today"]) if opts["today"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--today must be YYYY-MM-DD.") from exc
        self.stdout.write(f"run_daily for {today:%Y-%m-%d}")
        for name, job in daily_jobs():
            self.stdout.write(f"  {name}: {job(today)}")
