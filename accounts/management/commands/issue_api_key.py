from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import issue_api_key


class Command(BaseCommand):
    help = "Issue an API key for a user. The key is printed once and only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=365, help="validity in days (default 365)")
        parser.add_argument("--name", default="", help="a label, e.g. the client system's name")

    def handle(self, *args, **opts):
        user = User.objects.filter(username=opts["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {opts['username']}.")
        if opts["days"] < 1:
            raise CommandError("--days must be at least 1.")
        key, raw = issue_api_key(user=user, days=opts["days"], name=opts["name"])
        self.stdout.write(raw)
        self.stderr.write(f"Key {key.prefix} for {user.username}, expires {key.expires_at:%Y-%m-%d}. Store it now: it is not shown again.")
