import secrets

from django.core.management.base import BaseCommand, CommandError

from accounts.choices import Department, Role
from accounts.services import create_user
from config.errors import DomainError
from django.core.exceptions import ValidationError


class Command(BaseCommand):
    help = "Create a user with a role and its scope (region, department, institution or insurer)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--region", help="GB/T 2260 code, for regulators and inspectors")
        parser.add_argument("--institution", help="USCC of the institution, for institution users")
        parser.add_argument("--insurer", help="insurer code, for insurer users")
        parser.add_argument("--department", choices=Department.values, help="for inspectors")
        parser.add_argument("--password", help="omit to generate one (printed once)")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")

    def handle(self, *args, **opts):
        from institutions.models import Institution, Region
        from insurance.models import Insurer

        def lookup(model, field, value, label):
            if not value:
                return None
            obj = model.objects.filter(**{field: value}).first()
            if obj is None:
                raise CommandError(f"No {label} {value}.")
            return obj

        password = opts["password"] or secrets.token_urlsafe(12)
        try:
            user = create_user(
                username=opts["username"],
                role=opts["role"],
                password=password,
                region=lookup(Region, "code", opts["region"], "region"),
                department=opts["department"] or "",
                institution=lookup(Institution, "uscc", opts["institution"], "institution with USCC"),
                insurer=lookup(Insurer, "code", opts["insurer"], "insurer with code"),
                full_name=opts["full_name"],
                email=opts["email"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        except DomainError as exc:
            raise CommandError(str(exc.detail)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} ({user.get_role_display()})."))
        if not opts["password"]:
            self.stdout.write(f"Password: {password}")
