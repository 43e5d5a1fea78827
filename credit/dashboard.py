"""The regulators' dashboard: the figures of a region and of each of its child regions (country →
provinces → cities → counties) for a period (a year or a quarter).

Set-based like insurance's coverage and the inspection overview: seven grouped queries whatever
the number of homes, the child region being a prefix of the GB/T 2260 code. State figures (homes,
coverage, grades, open hazards, overdue rectifications, blacklist) are as of today; flow figures
(inspections, claims, premiums) belong to the period. Reads the other rooms' facts, writes nothing.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Substr
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.scoping import region_in_scope, region_q, scoped
from config.errors import NotAllowed, NotFound, ValidationFailed
from credit.choices import CaseStatus
from credit.models import BlacklistCase
from inspections.choices import InspectionStatus
from inspections.models import Finding, Inspection
from inspections.selectors import OPEN_FINDING_STATUSES, overdue_q
from institutions.choices import CreditGrade, RegionLevel
from institutions.models import Institution, Region
from insurance.choices import PolicyStatus
from insurance.models import Claim, ClaimStatus, Policy

READERS = {Role.ADMIN, Role.REGULATOR}
GRADES = [*CreditGrade.values, ""]  # "" = not rated yet
STARTED = (InspectionStatus.IN_PROGRESS, InspectionStatus.COMPLETED, InspectionStatus.CLOSED)
LISTED = (CaseStatus.LISTED, CaseStatus.REMOVAL_REQUESTED)
IN_PROCEDURE = (CaseStatus.PROPOSED, CaseStatus.NOTIFIED, CaseStatus.OBJECTION, CaseStatus.REVIEWED)
PAID = (ClaimStatus.PAID, ClaimStatus.CLOSED)
ZERO = Decimal("0")
FIGURES = ("homes", "beds", "insured", "insured_beds", "major_open", "overdue", "inspected_homes",
           "inspections_done", "claims", "paid_amount", "premium", "listed", "in_procedure")


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None

    @property
    def start(self) -> date:
        return date(self.year, 3 * (self.quarter - 1) + 1, 1) if self.quarter else date(self.year, 1, 1)

    @property
    def end(self) -> date:
        """The last day of the period."""
        if self.quarter and self.quarter < 4:
            return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)
        return date(self.year, 12, 31)

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.quarter}季度" if self.quarter else f"{self.year}年度"

    def bounds(self):
        """[start, end) as aware datetimes of the site's time zone."""
        tz = timezone.get_current_timezone()
        start = datetime(self.start.year, self.start.month, self.start.day, tzinfo=tz)
        after = self.end + timedelta(days=1)
        return start, datetime(after.year, after.month, after.day, tzinfo=tz)


def period_of(year=None, quarter=None, today: date | None = None) -> Period:
    """A period from page or command input; bad values are a 400 with the field named."""
    today = today or timezone.localdate()
    try:
        year = int(year) if year not in (None, "") else today.year
        quarter = int(quarter) if quarter not in (None, "") else None
    except (TypeError, ValueError):
        raise ValidationFailed(_("Year and quarter are numbers."), fields={"year": [_("Enter a year.")]}) from None
    if not 2000 <= year <= today.year + 1:
        raise ValidationFailed(_("Choose a year between 2000 and next year."), fields={"year": [_("Out of range.")]})
    if quarter is not None and not 1 <= quarter <= 4:
        raise ValidationFailed(_("A quarter is 1 to 4."), fields={"quarter": [_("Out of range.")]})
    return Period(year, quarter)


def dashboard_region(user, code: str | None) -> Region | None:
    """The requested region if within the caller's scope (404 otherwise, like any record), else the
    caller's own; None is the whole country (administrators)."""
    if user.role not in READERS:
        raise NotAllowed(_("The dashboard is for regulators."))
    code = code or user.region_id
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None or not region_in_scope(user, region.code):
        raise NotFound()
    return region


def _rate(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Row:
    code: str
    name: str
    homes: int = 0
    beds: int = 0
    insured: int = 0
    insured_beds: int = 0
    grades: dict = field(default_factory=lambda: dict.fromkeys(GRADES, 0))
    major_open: int = 0
    overdue: int = 0
    inspected_homes: int = 0
    inspections_done: int = 0
    claims: int = 0
    paid_amount: Decimal = ZERO
    premium: Decimal = ZERO
    listed: int = 0
    in_procedure: int = 0
    links: dict = field(default_factory=dict)

    @property
    def insured_rate(self):
        return _rate(self.insured, self.homes)

    @property
    def inspected_rate(self):
        return _rate(self.inspected_homes, self.homes)

    @property
    def uninsured(self) -> int:
        return self.homes - self.insured

    @property
    def not_inspected(self) -> int:
        return self.homes - self.inspected_homes

    @property
    def loss_ratio(self):
        """Paid ÷ premium, in per cent."""
        return _rate(self.paid_amount, self.premium)

    def add(self, other: "Row") -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for grade, n in other.grades.items():
            self.grades[grade] += n


def child_length(region) -> int:
    if region is None:
        return 2
    return {RegionLevel.PROVINCE: 4, RegionLevel.CITY: 6}.get(region.level, 6)


def blacklist_path() -> str:
    """The blacklist case list (credit/blacklist_urls.py), or its plain path while it is not there yet."""
    try:
        return reverse("blacklist-list")
    except NoReverseMatch:
        return "/blacklist-cases/"


def _url(path: str, **params) -> str:
    pairs = []
    for key, value in params.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            pairs.append((key, item))
    return f"{path}?{urlencode(pairs)}"


def links_for(code: str, period: Period) -> dict:
    """The list behind each figure, filtered to the region (and period where the list has one)."""
    institutions, findings, claims = reverse("institution-list"), reverse("finding-list"), reverse("claim-list")
    region = {"region": code} if code else {}
    links = {
        "homes": _url(institutions, **region, is_active="true"),
        "insured": _url(institutions, **region, is_active="true", insured="true"),
        "uninsured": _url(institutions, **region, is_active="true", insured="false"),
        "coverage": _url(reverse("coverage"), **region),
        "major_open": _url(findings, **region, is_major_hazard="true", open="true"),
        "overdue": _url(findings, **region, overdue="true"),
        "inspections": _url(reverse("inspection-list"), **region, status=list(STARTED),
                            scheduled_after=period.start.isoformat(), scheduled_before=period.end.isoformat()),
        "inspection_overview": _url(reverse("inspection-overview"), **region),
        "claims": _url(claims, **region),
        "paid": _url(claims, **region, status=list(PAID)),
        "loss_ratio": _url(reverse("claim-statistics"), **region),
        "listed": _url(blacklist_path(), **region, status=list(LISTED)),
        "in_procedure": _url(blacklist_path(), **region, status=list(IN_PROCEDURE)),
        "dashboard": _url(reverse("dashboard"), **region),
    }
    for grade in CreditGrade.values:
        links[f"grade_{grade}"] = _url(institutions, **region, is_active="true", credit_grade=grade)
    return links


def _grouped(queryset, path: str, length: int, **aggregates) -> list[dict]:
    return list(queryset.order_by().annotate(child=Substr(path, 1, length)).values("child").annotate(**aggregates)
                .order_by())


def dashboard(user, region_code: str | None = None, year=None, *, quarter=None, today: date | None = None) -> dict:
    """The figures of `region_code` (default: the user's region; the country for administrators)
    and of each child region. Regulators: their region and below (404 outside); others: 403."""
    today = today or timezone.localdate()
    region = dashboard_region(user, region_code)
    period = period_of(year, quarter, today)
    start, end = period.bounds()
    length = child_length(region)
    code = region.code if region is not None else ""

    def within(path: str, queryset):
        queryset = scoped(user, queryset)
        return queryset.filter(region_q(path, code)) if code else queryset

    rows: dict[str, Row] = {}

    def row(child: str) -> Row:
        return rows.setdefault(child, Row(code=child, name=""))

    started = Inspection.objects.filter(institution=OuterRef("pk"), status__in=STARTED,
                                        started_at__gte=start, started_at__lt=end)
    grade_counts = {f"g{grade or '_'}": Count("id", filter=Q(credit_grade=grade)) for grade in GRADES}
    for item in _grouped(
        within("region", Institution.objects.filter(is_active=True)), "region_id", length,
        n=Count("id"), beds=Sum("beds_total"), covered=Count("id", filter=Q(insured=True)),
        covered_beds=Sum("beds_total", filter=Q(insured=True)), inspected=Count("id", filter=Q(Exists(started))),
        **grade_counts,
    ):
        r = row(item["child"])
        r.homes, r.beds, r.insured = item["n"], item["beds"] or 0, item["covered"]
        r.insured_beds, r.inspected_homes = item["covered_beds"] or 0, item["inspected"]
        r.grades = {grade: item[f"g{grade or '_'}"] for grade in GRADES}

    # Findings, inspections, claims and policies carry their home's region: the whole country groups
    # them by it, each from its own covering index, without joining every fact to its home. A region
    # finds its facts through its homes instead (`institution__region`): the few homes' keys lead
    # into the facts' (institution, …) indexes, where the facts' own region would mean scanning the
    # whole period's index (an administrator's county: 3.5 → 19 ms of SQL); the home being joined
    # anyway, its region groups them without reading the facts' rows.
    # Open findings of inactive homes are left out by a look-up of the home by key (NOT EXISTS),
    # not by a scan of every home for the inactive ones (6–8 ms whatever the region).
    fact_region = "institution__region_id" if code else "region_id"
    inactive_home = Institution.objects.filter(pk=OuterRef("institution_id"), is_active=False)
    for item in _grouped(
        within("institution__region",
               Finding.objects.filter(~Exists(inactive_home), status__in=OPEN_FINDING_STATUSES)),
        fact_region, length, major=Count("id", filter=Q(is_major_hazard=True, status__in=OPEN_FINDING_STATUSES)),
        overdue=Count("id", filter=overdue_q(today)),
    ):
        row(item["child"]).major_open, row(item["child"]).overdue = item["major"], item["overdue"]

    for item in _grouped(
        within("institution__region",
               Inspection.objects.filter(status__in=STARTED, started_at__gte=start, started_at__lt=end)),
        fact_region, length, n=Count("id"),
    ):
        row(item["child"]).inspections_done = item["n"]

    # Claims reported and payments made in the period: two range scans of their own indexes, not
    # one scan of every claim for either.
    claims = within("institution__region", Claim.objects.all())
    for item in _grouped(claims.filter(created_at__gte=start, created_at__lt=end), fact_region, length,
                         n=Count("id")):
        row(item["child"]).claims = item["n"]
    for item in _grouped(claims.filter(paid_at__gte=start, paid_at__lt=end), fact_region, length,
                         paid=Sum("paid_amount")):
        row(item["child"]).paid_amount = item["paid"] or ZERO

    policies = within("institution__region", Policy.objects.filter(
        status__in=[PolicyStatus.ACTIVE, PolicyStatus.EXPIRED], start_date__lte=period.end, end_date__gte=period.start))
    for item in _grouped(policies, fact_region, length, premium=Sum("premium")):
        row(item["child"]).premium = item["premium"] or ZERO

    for item in _grouped(
        within("institution__region", BlacklistCase.objects.filter(status__in=[*LISTED, *IN_PROCEDURE])),
        "institution__region_id", length,
        listed=Count("id", filter=Q(status__in=LISTED)), procedure=Count("id", filter=Q(status__in=IN_PROCEDURE)),
    ):
        row(item["child"]).listed, row(item["child"]).in_procedure = item["listed"], item["procedure"]

    full = {child.ljust(6, "0"): child for child in rows}
    names = dict(Region.objects.filter(code__in=full).values_list("code", "name"))
    for code6, child in full.items():
        rows[child].code, rows[child].name = code6, names.get(code6, code6)
        rows[child].links = links_for(code6, period)

    total = Row(code=code, name=region.name if region is not None else _("All provinces"))
    for r in rows.values():
        total.add(r)
    total.links = links_for(code, period)
    return {
        "region": region,
        "period": period,
        "as_of": today,
        "rows": sorted(rows.values(), key=lambda r: r.code),
        "total": total,
        "drill": region is None or region.level in (RegionLevel.PROVINCE, RegionLevel.CITY),
    }


def dashboard_table(data: dict) -> tuple[list[str], list[list]]:
    """The child-region table as export rows, the total last."""
    headers = [_("Region code"), _("Region"), _("Active institutions"), _("Beds"), _("Insured institutions"),
               _("Insured (%)"), *[_("Grade %(grade)s") % {"grade": g} for g in CreditGrade.values], _("Not rated"),
               _("Open major hazards"), _("Overdue rectifications"), _("Inspected homes"), _("Inspected (%)"),
               _("Inspections started"), _("Claims"), _("Paid (yuan)"), _("Premiums (yuan)"), _("Loss ratio (%)"),
               _("Blacklisted"), _("Blacklist cases in procedure")]

    def line(r: Row, name: str) -> list:
        return [r.code, name, r.homes, r.beds, r.insured, r.insured_rate, *[r.grades[g] for g in GRADES],
                r.major_open, r.overdue, r.inspected_homes, r.inspected_rate, r.inspections_done, r.claims,
                r.paid_amount, r.premium, r.loss_ratio, r.listed, r.in_procedure]

    return headers, [*(line(r, r.name) for r in data["rows"]), line(data["total"], _("Total"))]


def trail(region) -> list[dict]:
    """Breadcrumb province → city → county down to `region`."""
    if region is None:
        return []
    codes = list(dict.fromkeys([region.code[:2] + "0000", region.code[:4] + "00", region.code]))
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [{"code": c, "name": names[c]} for c in codes if c in names]
