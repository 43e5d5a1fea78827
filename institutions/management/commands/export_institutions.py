from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from institutions import selectors
from institutions.filters import InstitutionFilter
from institutions.importing import export_institutions


class Command(BaseCommand):
    help = "Export the institutions a user can see to .xlsx or .csv (the import template's columns)."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True, help="the user whose scope applies")
        parser.add_argument("--region", help="a 6-digit region code; includes the divisions below it")
        parser.add_argument("--format", choices=["xlsx", "csv"], help="default: from the output file's extension")
        parser.add_argument("-o", "--output", required=True)

    def handle(self, *args, username, region, format, output, **opts):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        fmt = format or ("csv" if output.lower().endswith(".csv") else "xlsx")
        filterset = InstitutionFilter({"region": region} if region else {}, queryset=selectors.institutions_for(user))
        if not filterset.is_valid():
            raise CommandError(str(filterset.errors))
        queryset = filterset.qs
        data, _content_type, _filename = export_institutions(queryset, fmt)
        Path(output).write_bytes(data)
        self.stdout.write(f"Wrote {queryset.count()} institutions to {output}.")
