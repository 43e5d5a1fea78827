from django.core.management.base import BaseCommand, CommandError

from accounts.services import revoke_api_key
from config.errors import NotFound


class Command(BaseCommand):
    help = "Revoke an API key by its prefix (the 8 characters after 'cg_')."

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, *args, **opts):
        prefix = opts["prefix"].removeprefix("cg_").split("_", 1)[0]
        try:
            key = revoke_api_key(prefix=prefix)
        except NotFound as exc:
            raise CommandError(str(exc.detail)) from exc
        self.stdout.write(self.style.SUCCESS(f"Revoked key {key.prefix} of {key.user.username}."))
