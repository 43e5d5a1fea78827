"""Reads of the insurance room, scoped and optimised."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.scoping import region_in_scope, region_q, scoped
from config.errors import NotAllowed, NotFound
from institutions.selectors import institutions_for, regions_for
from insurance.choices import Payer
from insurance.models import CoInsurance, FundingShare, Insurer, Policy, RatingScheme, in_force_q


def insurers_for(user):
    """Insurers are public parties of the scheme: every signed-in user may read the list."""
    return Insurer.objects.filter(is_active=True)


def schemes_for(user):
    """The unified base rate is public within the scheme: every signed-in user may read it."""
    return RatingScheme.objects.select_related("region").prefetch_related("sections")


def policies_for(user):
    return scoped(
        user,
        Policy.objects.select_related("institution", "institution__region", "insurer", "broker", "scheme"),
    ).prefetch_related(
        "sections",
        "documents",
        Prefetch("funding", queryset=FundingShare.objects.order_by("payer")),
        Prefetch("co_insurers", queryset=CoInsurance.objects.select_related("insurer")),
    )


def policy_detail_for(user, pk: int) -> Policy | None:
    return policies_for(user).prefetch_related("events__actor").filter(pk=pk).first()


# ---------------------------------------------------------------------------------------------
# Coverage monitoring: a fixed handful of queries whatever the size of the region.

EXPIRY_WINDOWS = (30, 60, 90)


@dataclass
class CoverageRow:
    code: str
    name: str
    institutions: int = 0
    insured_institutions: int = 0
    beds: int = 0
    insured_beds: int = 0

    @property
    def institution_rate(self) -> Decimal | None:
        return _rate(self.insured_institutions, self.institutions)

    @property
    def bed_rate(self) -> Decimal | None:
        return _rate(self.insured_beds, self.beds)


@dataclass
class Coverage:
    region: object  # Region, or None for the whole country
    as_of: date
    rows: list[CoverageRow]
    total: CoverageRow
    expiring: dict[int, int]
    premium_total: Decimal
    funding_by_payer: list[tuple[str, str, Decimal]]  # (payer, label, amount)


def coverage_region(user, code: str | None):
    """The region a coverage view is about: the requested one if within the caller's scope
    (404 otherwise, like any record), else the caller's own; None is the whole country.
    Shared by the API and the HTML page."""
    if user.role not in (Role.ADMIN, Role.REGULATOR):
        raise NotAllowed(_("Coverage monitoring is for regulators."))
    code = code or user.region_id
    if not code:
        return None
    region = regions_for(user).filter(code=code).first()
    if region is None or not region_in_scope(user, region.code):
        raise NotFound()
    return region


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else None


def _child_prefix_length(region) -> int:
    if region is None:
        return 2
    return {"province": 4, "city": 6}.get(region.level, 6)


def coverage_for(user, region=None, today: date | None = None) -> Coverage:
    """Insurance coverage of the institutions under `region`, broken down by its children
    (country → provinces → cities → counties). Insured = a policy in force today."""
    today = today or timezone.localdate()
    homes = institutions_for(user).filter(is_active=True)
    if region is not None:
        homes = homes.filter(region_q("region", region.code))
    length = _child_prefix_length(region)
    child = Substr("region_id", 1, length)

    rows: dict[str, CoverageRow] = {}
    for item in (
        homes.annotate(child=child).values("child").annotate(
            n=Count("id"), insured_n=Count("id", filter=Q(insured=True)), beds=Sum("beds_total")
        ).order_by()
    ):
        rows[item["child"]] = CoverageRow(
            code=item["child"], name="", institutions=item["n"], insured_institutions=item["insured_n"],
            beds=item["beds"] or 0,
        )

    in_force = policies_for(user).filter(in_force_q(today), institution__in=homes)
    for item in (
        in_force.annotate(child=Substr("region_id", 1, length)).values("child")
        .annotate(beds=Sum("insured_beds")).order_by()
    ):
        if item["child"] in rows:
            rows[item["child"]].insured_beds = item["beds"] or 0

    codes = {code.ljust(6, "0"): code for code in rows}
    names = dict(regions_for(user).filter(code__in=codes).values_list("code", "name"))
    for full, code in codes.items():
        rows[code].name = names.get(full, code)
        rows[code].code = full

    total = CoverageRow(code=region.code if region else "", name=region.name if region else "")
    for row in rows.values():
        total.institutions += row.institutions
        total.insured_institutions += row.insured_institutions
        total.beds += row.beds
        total.insured_beds += row.insured_beds

    windows = {
        f"d{days}": Count("id", filter=Q(end_date__lte=today + timedelta(days=days))) for days in EXPIRY_WINDOWS
    }
    counts = in_force.order_by().aggregate(premium=Sum("premium"), **windows)
    funding = (
        FundingShare.objects.filter(policy__in=in_force.values("pk")).values("payer")
        .annotate(amount=Sum("amount")).order_by("payer")
    )
    labels = dict(Payer.choices)
    return Coverage(
        region=region,
        as_of=today,
        rows=sorted(rows.values(), key=lambda r: r.code),
        total=total,
        expiring={days: counts[f"d{days}"] for days in EXPIRY_WINDOWS},
        premium_total=counts["premium"] or Decimal("0"),
        funding_by_payer=[(f["payer"], str(labels[f["payer"]]), f["amount"]) for f in funding],
    )
