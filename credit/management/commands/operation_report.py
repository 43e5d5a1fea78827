"""python manage.py operation_report --region 440100 --year 2026 [--quarter 3] -o report.pdf

Writes the operation report (养老机构安全监管运行报告) of a region for a year or a quarter, as an
administrator sees it (every record of the region), printing each step."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.choices import Role
from accounts.models import User
from config.errors import DomainError
from credit.report import operation_report_pdf


class Command(BaseCommand):
    help = "Write the operation report of a region for a year or a quarter as a PDF."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="", help="GB/T 2260 code (default: the whole country)")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
        parser.add_argument("-o", "--output", required=True, help="PDF file to write")

    def handle(self, *args, region, year, quarter, output, **options):
        reader = User(role=Role.ADMIN, is_active=True)  # unsaved: reads everything, writes nothing

        def progress(message):
            self.stdout.write(f"… {message}")

        try:
            content, _name = operation_report_pdf(reader, region or None, year, quarter, progress=progress)
        except DomainError as exc:
            raise CommandError(str(exc.detail) if str(exc.detail) else "Unknown region.") from exc
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} ({len(content):,} bytes)."))
