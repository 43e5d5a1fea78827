import sys

from auditlog.context import set_actor
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.errors import DomainError
from institutions.importing import import_file


class Command(BaseCommand):
    help = "Import institutions from an .xlsx or .csv file (all or nothing), acting as a user."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True, help="the user whose scope and name apply")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args, file, username, dry_run, **opts):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")

        def progress(rows, total):
            return tqdm(rows, total=total, unit="row", file=sys.stderr)

        try:
            with set_actor(user):  # the change log names the user, as it does for the web
                report = import_file(actor=user, path=file, dry_run=dry_run, progress=progress)
        except DomainError as exc:
            report = getattr(exc, "report", None)
            if report is None:
                raise CommandError(str(exc.detail)) from None
        counts = ", ".join(f"{action} {count}" for action, count in report.counts.items())
        self.stdout.write(f"{'Dry run: ' if dry_run else ''}{report.total} rows: {counts}.")
        for row in report.rows:
            for column, message in row.errors:
                self.stderr.write(f"row {row.number}, {column or '-'}: {message}")
        if report.has_errors:
            raise CommandError("The file has errors; nothing was imported.")
