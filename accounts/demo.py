"""The frame of the demo data set: `manage.py seed_demo` runs every app's `@demo_step` in order,
in one transaction, and prints the demo accounts.

Steps after the first run as the demo administrator, so the change log says who made the data.
"""

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from auditlog.context import set_actor
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.jobs import demo_step, demo_steps
from accounts.models import User
from accounts.services import create_user

DEMO_PASSWORD = "careguard-demo"
DEMO_URL = "http://127.0.0.1:8000/"


class DemoDataError(Exception):
    pass


@dataclass
class DemoContext:
    today: date
    admin: User | None = None
    created: Counter = field(default_factory=Counter)
    users: list[User] = field(default_factory=list)

    @property
    def nothing_new(self) -> bool:
        return not any(self.created.values())


def demo_account(ctx: DemoContext, *, username: str, role: str, full_name: str, **scope) -> User:
    """The demo user `username`, created if missing (never changed if present), listed for printing."""
    user = User.objects.select_related("region", "institution__region", "insurer").filter(username=username).first()
    if user is None:
        user = create_user(username=username, role=role, password=DEMO_PASSWORD, full_name=full_name, **scope)
        ctx.created["users"] += 1
    ctx.users.append(user)
    return user


@demo_step("administrator", order=0)
def administrator(ctx: DemoContext) -> None:
    ctx.admin = demo_account(ctx, username="admin", role=Role.ADMIN, full_name="系统管理员")
    if ctx.admin.role != Role.ADMIN:
        raise DemoDataError(f"User {ctx.admin.username!r} exists and is not an administrator.")


@transaction.atomic
def seed_demo(*, today: date | None = None) -> DemoContext:
    """Create whatever of the demo data set is missing; never change what exists."""
    ctx = DemoContext(today=today or timezone.localdate())
    (first_name, first), *rest = demo_steps()
    first(ctx)
    with set_actor(ctx.admin):  # the change log names the demo administrator
        for _name, step in rest:
            step(ctx)
    return ctx


# The accounts table printed after seeding



def scope_of(user: User) -> str:
    if user.role == Role.ADMIN:
        return _("all regions")
    if user.role == Role.INSTITUTION and user.institution:
        return f"{user.institution.name}（{user.institution.region.full_name}）"
    if user.role == Role.INSURER and user.insurer:
        return user.insurer.name
    if user.region and user.department:
        return f"{user.region.full_name} · {user.get_department_display()}"
    return user.region.full_name if user.region else "—"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def format_table(rows: list[tuple[str, ...]]) -> str:
    """Columns padded by display width, so Chinese text lines up in a terminal."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def accounts_table(users: list[User]) -> str:
    rows = [("username", "password", "role", "scope")]
    rows += [(u.username, DEMO_PASSWORD, str(u.get_role_display()), scope_of(u)) for u in users]
    return format_table(rows)
