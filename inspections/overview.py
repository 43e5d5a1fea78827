"""The regulators' inspection overview: open findings, major hazards and overdue rectifications by
child region and by grade, and this year's inspections against the requirement (every active home
on site at least once a year, domain.md §4).

Set-based, like insurance's coverage: a fixed handful of grouped queries whatever the number of
homes, inspections or findings; the child region is a prefix of the GB/T 2260 code."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import region_in_scope, region_q
from config.errors import NotAllowed, NotFound
from inspections.choices import InspectionStatus
from inspections.models import GRADES, Finding, Inspection
from inspections.page_rules import OVERVIEW_READERS
from inspections.selectors import (
    OPEN_FINDING_STATUSES,
    findings_for,
    overdue_q,
    visible_findings,
    visible_inspections,
)
from institutions.choices import RegionLevel
from institutions.selectors import institutions_for, regions_for

DONE = (InspectionStatus.COMPLETED, InspectionStatus.CLOSED)
LISTED = 20  # rows of the "overdue" and "major hazards" tables; the finding list has them all


@dataclass
class OverviewRow:
    code: str
    name: str
    homes: int = 0  # active homes: each must be inspected this year
    inspected_homes: int = 0
    inspections_done: int = 0
    open_findings: int = 0
    major_open: int = 0
    overdue: int = 0

    @property
    def inspected_rate(self) -> Decimal | None:
        return (Decimal(self.inspected_homes) * 100 / self.homes).quantize(Decimal("0.1")) if self.homes else None

    @property
    def not_inspected(self) -> int:
        return self.homes - self.inspected_homes

    def add(self, other: "OverviewRow") -> None:
        for name in ("homes", "inspected_homes", "inspections_done", "open_findings", "major_open", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Overview:
    region: object  # Region, or None for the whole country
    as_of: date
    year: int
    rows: list[OverviewRow]
    total: OverviewRow
    grades: list[tuple[str, int]]  # open findings by grade, A … L
    overdue: list = field(default_factory=list)  # the longest-overdue findings
    major: list = field(default_factory=list)  # open major hazards, nearest deadline first


def overview_region(user, code: str | None):
    """The requested region if within the caller's scope (404 otherwise, like any record), else the
    caller's own; None is the whole country (administrators)."""
    if user.role not in OVERVIEW_READERS:
        raise NotAllowed(_("The inspection overview is for regulators."))
    code = code or user.region_id
    if not code:
        return None
    region = regions_for(user).filter(code=code).first()
    if region is None or not region_in_scope(user, region.code):
        raise NotFound()
    return region


def trail(user, region) -> list[dict]:
    """Breadcrumb province → city → county down to `region`; links only within the user's scope."""
    if region is None:
        return []
    codes = list(dict.fromkeys([region.code[:2] + "0000", region.code[:4] + "00", region.code]))
    names = dict(regions_for(user).filter(code__in=codes).values_list("code", "name"))
    return [
        {"code": code, "name": names[code], "link": code != region.code and region_in_scope(user, code)}
        for code in codes
        if code in names
    ]


def _child_length(region) -> int:
    if region is None:
        return 2
    return {RegionLevel.PROVINCE: 4, RegionLevel.CITY: 6}.get(region.level, 6)


def _year_bounds(year: int):
    tz = timezone.get_current_timezone()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def inspection_overview(user, region=None, today: date | None = None) -> Overview:
    today = today or timezone.localdate()
    start, end = _year_bounds(today.year)
    length = _child_length(region)
    where = region_q("institution__region", region.code) if region is not None else Q()
    rows: dict[str, OverviewRow] = {}

    def row(child: str) -> OverviewRow:
        return rows.setdefault(child, OverviewRow(code=child, name=""))

    done_this_year = Inspection.objects.filter(
        institution=OuterRef("pk"), status__in=DONE, completed_at__gte=start, completed_at__lt=end
    )
    homes = institutions_for(user).filter(is_active=True)
    if region is not None:
        homes = homes.filter(region_q("region", region.code))
    for item in (
        homes.annotate(child=Substr("region_id", 1, length)).values("child")
        .annotate(n=Count("id"), inspected=Count("id", filter=Q(Exists(done_this_year)))).order_by()
    ):
        row(item["child"]).homes, row(item["child"]).inspected_homes = item["n"], item["inspected"]

    done = visible_inspections(user, Inspection.objects.filter(where)).filter(
        status__in=DONE, completed_at__gte=start, completed_at__lt=end
    )
    for item in done.annotate(child=Substr("region_id", 1, length)).values("child").annotate(n=Count("id")).order_by():
        row(item["child"]).inspections_done = item["n"]

    open_findings = visible_findings(user, Finding.objects.filter(where)).filter(status__in=OPEN_FINDING_STATUSES)
    for item in (
        open_findings.annotate(child=Substr("region_id", 1, length)).values("child")
        .annotate(n=Count("id"), major=Count("id", filter=Q(is_major_hazard=True)),
                  overdue=Count("id", filter=overdue_q(today))).order_by()
    ):
        r = row(item["child"])
        r.open_findings, r.major_open, r.overdue = item["n"], item["major"], item["overdue"]

    codes = {code.ljust(6, "0"): code for code in rows}
    names = dict(regions_for(user).filter(code__in=codes).values_list("code", "name"))
    for full, code in codes.items():
        rows[code].name, rows[code].code = names.get(full, full), full

    total = OverviewRow(code=region.code if region else "", name=region.name if region else "")
    for r in rows.values():
        total.add(r)
    by_grade = dict(open_findings.values("grade").annotate(n=Count("id")).order_by().values_list("grade", "n"))
    listed = findings_for(user).filter(where).select_related(None).select_related("institution")
    return Overview(
        region=region, as_of=today, year=today.year, rows=sorted(rows.values(), key=lambda r: r.code), total=total,
        grades=[(grade, by_grade.get(grade, 0)) for grade in GRADES],
        overdue=list(listed.filter(overdue_q(today)).order_by("deadline", "id")[:LISTED]),
        major=list(listed.filter(status__in=OPEN_FINDING_STATUSES, is_major_hazard=True).order_by("deadline", "id")[:LISTED]),
    )


def overview_table(data: Overview) -> tuple[list[str], list[list]]:
    """The child-region table of the page as export rows, the total last."""
    headers = [_("Region code"), _("Region"), _("Active institutions"), _("Inspected this year"),
               _("Inspected (%)"), _("Not inspected yet"), _("Inspections done"), _("Open findings"),
               _("Open major hazards"), _("Overdue rectifications")]

    def line(r: OverviewRow, name: str) -> list:
        return [r.code, name, r.homes, r.inspected_homes, r.inspected_rate, r.not_inspected, r.inspections_done,
                r.open_findings, r.major_open, r.overdue]

    return headers, [*(line(r, r.name) for r in data.rows), line(data.total, _("Total"))]
