"""The inspection rules that are pure arithmetic: grades, deadlines, notice dates, team size.

Defaults follow domain.md §4; each number a province may set differently is read from settings
(`INSPECTIONS = {...}` overrides any key of DEFAULTS)."""

from datetime import date

from django.conf import settings

from accounts.workdays import add_working_days
from inspections.choices import FindingScope
from inspections.models import GRADES

DEFAULTS = {
    "min_inspectors": 2,  # 两人以上 for every on-site check
    "notice_working_days": 3,  # routine and special inspections are announced this far ahead
    # Working days to rectify, by severity (4 = immediate jeopardy) …
    "deadline_working_days": {4: 5, 3: 15, 2: 30, 1: 60},
    # … and never more than six months (domain.md §4).
    "max_deadline_months": 6,
    "filing_inspection_working_days": 20,  # a new filing is inspected on site within 20 working days
}

SCOPE_ORDER = [FindingScope.ISOLATED, FindingScope.PATTERN, FindingScope.WIDESPREAD]


def setting(key: str, defaults: dict = DEFAULTS):
    """A rule's value: the configured one (settings.INSPECTIONS), else the default. A table
    (dict) is merged key by key, so overriding one severity keeps the others; JSON keys are strings."""
    configured = getattr(settings, "INSPECTIONS", {}).get(key)
    default = defaults.get(key)
    if isinstance(default, dict) and isinstance(configured, dict):
        return {**{str(k): v for k, v in default.items()}, **{str(k): v for k, v in configured.items()}}
    return default if configured is None else configured


def grade_for(severity: int, scope: str) -> str:
    """The CMS grid: severity 1–4 down, isolated / pattern / widespread across → A … L."""
    if severity not in (1, 2, 3, 4) or scope not in SCOPE_ORDER:
        raise ValueError(f"no grade for severity {severity!r} and scope {scope!r}")
    return GRADES[(severity - 1) * 3 + SCOPE_ORDER.index(scope)]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def latest_deadline(issued_on: date) -> date:
    return add_months(issued_on, setting("max_deadline_months"))


def default_deadline(issued_on: date, severity: int) -> date:
    days = setting("deadline_working_days")
    working_days = int(days.get(severity, days.get(str(severity))))
    return min(add_working_days(issued_on, working_days), latest_deadline(issued_on))


def notice_due_by(scheduled_for: date, *, today: date) -> bool:
    """Is there still time to give the notice: `notice_working_days` working days before the visit?"""
    return add_working_days(today, setting("notice_working_days")) <= scheduled_for
