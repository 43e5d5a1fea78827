from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from credit.scores import recompute


class Command(BaseCommand):
    help = "Recompute credit scores of every active institution (or the given ones) as of a day."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: today in Asia/Shanghai)")
        parser.add_argument("--institution", type=int, action="append", help="an institution id (repeatable)")

    def handle(self, *args, **options):
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--as-of must be YYYY-MM-DD") from exc

        def progress(done, total):
            self.stdout.write(f"{done}/{total} institutions scored")

        written = recompute(as_of=as_of, institution_ids=options["institution"], progress=progress)
        self.stdout.write(self.style.SUCCESS(f"{written} new credit score snapshots as of {as_of}"))
