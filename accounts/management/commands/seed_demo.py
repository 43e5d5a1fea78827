from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, DEMO_URL, DemoDataError, accounts_table, seed_demo
from config.errors import DomainError

LABELS = {
    "institutions": "institutions",
    "people": "people",
    "jobs": "jobs",
    "equipment": "pieces of special equipment",
    "insurers": "insurers",
    "users": "users",
}


class Command(BaseCommand):
    help = (
        "Load the demo data of every app (广东 and 安康: ~60 institutions, their staff, insurers, one "
        "account per role …) and print the demo accounts. Idempotent: a second run creates and changes nothing."
    )

    def handle(self, *args, **opts):
        try:
            result = seed_demo()
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(f"Demo data rejected by validation: {exc}") from exc
        except DomainError as exc:
            raise CommandError(f"Demo data rejected: {exc.detail} {exc.fields or ''}".strip()) from exc

        if result.nothing_new:
            self.stdout.write("Demo data already loaded: nothing new was created, nothing was changed.")
        else:
            made = ", ".join(f"{n} {LABELS.get(k, k)}" for k, n in result.created.items() if n)
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: created {made}."))
        self.stdout.write("")
        self.stdout.write(f"Demo accounts — open {DEMO_URL} and sign in (password {DEMO_PASSWORD} for all):")
        self.stdout.write("")
        self.stdout.write(accounts_table(result.users))
        self.stdout.write("")
        self.stdout.write(
            "Passwords are set when an account is created; seed_demo never resets them. "
            "Change them before exposing this database to anyone."
        )
