"""Reads of incidents and claims, scoped and optimised; claims statistics in a fixed handful of
queries whatever the number of claims."""

from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Func, IntegerField, Prefetch, Q, Sum, Window
from django.db.models.functions import RowNumber, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.scoping import region_in_scope, region_q, scoped
from config.errors import NotAllowed, NotFound
from institutions.models import Region
from insurance.choices import PolicyStatus, Section
from insurance.models import (
    OPEN_STATUSES,
    Claim,
    ClaimEvent,
    ClaimLine,
    ClaimStatus,
    Incident,
    IncidentCategory,
    Policy,
)

ZERO = Decimal("0")
OVERDUE_AFTER = timedelta(days=30)
STATISTICS_ROLES = {Role.ADMIN, Role.REGULATOR, Role.INSURER}


def visible_claims(user, queryset):
    """Claims a user may see: the scoping rule, except that inspectors (who read incidents for
    case inspections) see no claims — the money side is the regulators' and insurers'."""
    if getattr(user, "role", None) == Role.INSPECTOR:
        return queryset.none()
    return scoped(user, queryset)


def incidents_for(user):
    """Institutions their own, regulators and inspectors their region, insurers the incidents a
    claim against one of their policies refers to."""
    return scoped(user, Incident.objects.select_related("institution")).prefetch_related("persons", "attachments")


def incident_detail_for(user, pk: int) -> Incident | None:
    return incidents_for(user).filter(pk=pk).first()


def claims_for(user):
    return visible_claims(
        user,
        # The policy's number is all a claim shows of it: its rating breakdown (JSON) stays unread.
        Claim.objects.select_related("policy", "insurer", "incident", "institution").defer("policy__rating"),
    ).prefetch_related(
        Prefetch("lines", queryset=ClaimLine.objects.select_related("person").order_by("id")),
        "documents",
        Prefetch("events", queryset=ClaimEvent.objects.select_related("actor").order_by("at", "id")),
        "disputes",
    )


def claim_detail_for(user, pk: int) -> Claim | None:
    return claims_for(user).select_related("policy__scheme").filter(pk=pk).first()


# ---------------------------------------------------------------------------------------------
# Statistics (赔偿案件数据统计分析) and the periodic evaluation of insurers' claims service


def statistics_region(user, code: str | None):
    """The region statistics are about: a requested one must lie within a regulator's region
    (404 otherwise, like any record); none means the caller's whole scope."""
    if user.role not in STATISTICS_ROLES:
        raise NotAllowed(_("Claims statistics are for regulators, insurers and administrators."))
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None or (user.role == Role.REGULATOR and not region_in_scope(user, region.code)):
        raise NotFound()
    return region


def _child_length(user, region) -> int:
    """Break regions down one level below the one looked at (country → provinces → cities → counties)."""
    anchor = region if region is not None else (user.region if user.role == Role.REGULATOR else None)
    if anchor is None:
        return 2
    return {"province": 4, "city": 6}.get(anchor.level, 6)


def _money(value) -> Decimal:
    return (value or ZERO).quantize(Decimal("0.01"))


def _ratio(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _days(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class _Year(Func):
    """The calendar year of a date; native on SQLite, where Django's ExtractYear calls back into
    Python for every row (0.7 s over the country's claims)."""

    output_field = IntegerField()
    template = "CAST(EXTRACT(YEAR FROM %(expressions)s) AS INTEGER)"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CAST(strftime('%%%%Y', %(expressions)s) AS INTEGER)",
                           **extra_context)


# Each step's days are kept on the claim by the database (Claim.days_to_*).
DURATION_STEPS = {"to_registration": "days_to_registration", "to_approval": "days_to_approval",
                  "to_payment": "days_to_payment"}
# Percentiles as fractions, so the ranks around them come out in integer arithmetic.
PERCENTILES = {"median_days": (1, 2), "p90_days": (9, 10)}


def _positions(n: int):
    """(percentile name, rank below, rank above, fraction of the way between) in n sorted values,
    ranks from 1 — closest ranks interpolated like PostgreSQL's percentile_cont."""
    for name, (num, den) in PERCENTILES.items():
        low = (n - 1) * num // den
        yield name, low + 1, min(low + 2, n), (n - 1) * num / den - low


def _ranks(n: int) -> set[int]:
    """The ranks the percentiles of n values are interpolated between."""
    return {rank for _name, low, high, _fraction in _positions(n) for rank in (low, high)}


def _summary(n: int, ranked: dict) -> dict:
    """Count, median and 90th percentile of n values from the ranked ones around each percentile
    (rank → value)."""
    summary = {"count": n} | dict.fromkeys(PERCENTILES)
    for name, low, high, fraction in _positions(n) if n else ():
        summary[name] = _days(ranked[low] + (ranked[high] - ranked[low]) * fraction)
    return summary


NO_DURATIONS = _summary(0, {})


def _durations(claims) -> tuple[dict, dict]:
    """Days from the report to registration, approval and payment: ({step: summary} over all the
    claims, {insurer id: {step: summary}}). Per step, one grouped count, then the database ranks the
    claims and returns only the few values around each percentile — never every claim's days (the
    country has 220,000 claims)."""
    overall, per_insurer = {}, defaultdict(dict)
    for name, days in DURATION_STEPS.items():
        timed = claims.filter(**{f"{days}__isnull": False})
        counts = dict(timed.values_list("insurer_id").annotate(n=Count("pk")).order_by())
        n_all = sum(counts.values())
        ranks_all, ranks_one = {}, defaultdict(dict)
        if counts:  # rows a rank of one insurer's brings along for another insurer are harmless
            order = [F(days).asc(), F("pk").asc()]
            ranked = timed.annotate(
                rank_all=Window(RowNumber(), order_by=order),
                rank_one=Window(RowNumber(), partition_by=[F("insurer_id")], order_by=order),
            ).filter(Q(rank_all__in=_ranks(n_all)) | Q(rank_one__in=set().union(*map(_ranks, counts.values()))))
            for insurer, value, rank, rank_mine in ranked.values_list("insurer_id", days, "rank_all", "rank_one"):
                ranks_all[rank], ranks_one[insurer][rank_mine] = value, value
        overall[name] = _summary(n_all, ranks_all)
        for insurer, n in counts.items():
            per_insurer[insurer][name] = _summary(n, ranks_one[insurer])
    return overall, per_insurer


AMOUNTS = {"count": Count("id"), "claimed": Sum("claimed_amount"), "approved": Sum("approved_amount"),
           "paid": Sum("paid_amount")}


def _row(key, label, item) -> dict:
    return {"key": key, "label": label, "count": item["count"], "claimed_amount": _money(item["claimed"]),
            "approved_amount": _money(item["approved"]), "paid_amount": _money(item["paid"])}


def claim_statistics(user, *, year: int | None = None, region=None, now=None) -> dict:
    """Counts and amounts by status, section, incident category, insurer and region; loss ratio
    (paid ÷ premium) by insurer, region and year; days from report to registration, approval and
    payment (median, 90th percentile); open claims older than 30 days; and the evaluation table
    of each insurer's claims service.

    `year` is the underwriting year (the year the policy starts): claims and premiums of the
    policies of that year. A fixed number of queries whatever the number of claims (two per duration step).
    """
    if user.role not in STATISTICS_ROLES:
        raise NotAllowed(_("Claims statistics are for regulators, insurers and administrators."))
    now = now or timezone.now()
    claims = visible_claims(user, Claim.objects.all())
    policies = scoped(user, Policy.objects.filter(status__in=[PolicyStatus.ACTIVE, PolicyStatus.EXPIRED]))
    if region is not None:
        claims = claims.filter(region_q("institution__region", region.code))
        policies = policies.filter(region_q("institution__region", region.code))
    if year is not None:
        claims = claims.filter(policy__start_date__year=year)
        policies = policies.filter(start_date__year=year)
    claims = claims.order_by()
    length = _child_length(user, region)
    overdue = Q(status__in=OPEN_STATUSES, created_at__lt=now - OVERDUE_AFTER)

    statuses = dict(ClaimStatus.choices)
    by_status = [_row(i["status"], str(statuses.get(i["status"], i["status"])), i)
                 for i in claims.values("status").annotate(**AMOUNTS).order_by("status")]
    sections = dict(Section.choices)
    by_section = [_row(i["section"], str(sections.get(i["section"], i["section"])), i)
                  for i in claims.values("section").annotate(**AMOUNTS).order_by("section")]
    categories = dict(IncidentCategory.choices)
    by_category = [_row(i["incident__category"], str(categories.get(i["incident__category"], "")), i)
                   for i in claims.values("incident__category").annotate(**AMOUNTS).order_by("incident__category")]

    insurer_rows = list(
        claims.values("insurer", "insurer__code", "insurer__name").annotate(
            **AMOUNTS,
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("id", filter=overdue),
            overdue_claimed=Sum("claimed_amount", filter=overdue),
            settled=Count("id", filter=Q(paid_at__isnull=False)),
            rejected=Count("id", filter=~Q(rejection_reason="")),
            disputed=Count("id", filter=Q(disputed_at__isnull=False)),
            reopened=Count("id", filter=Q(reopen_count__gt=0)),
            fast=Count("id", filter=Q(fast_track=True)),
            withdrawn=Count("id", filter=Q(status=ClaimStatus.WITHDRAWN)),
        ).order_by("insurer__code")
    )
    by_insurer = [_row(i["insurer__code"], i["insurer__name"], i) for i in insurer_rows]

    region_rows = list(
        claims.annotate(child=Substr("region_id", 1, length)).values("child").annotate(**AMOUNTS)
        .order_by("child")
    )

    paid_cells = list(
        claims.annotate(child=Substr("region_id", 1, length), year=_Year("policy__start_date"))
        .values("insurer__code", "child", "year").annotate(paid=Sum("paid_amount"))
        .order_by()
    )
    premium_cells = list(
        policies.order_by().annotate(child=Substr("region_id", 1, length), year=_Year("start_date"))
        .values("insurer__code", "insurer__name", "child", "year").annotate(premium=Sum("premium"))
        .order_by()
    )
    children = {row["child"] for row in region_rows} | {c["child"] for c in premium_cells}
    names = dict(Region.objects.filter(code__in=[c.ljust(6, "0") for c in children]).values_list("code", "name"))

    overall_durations, insurer_durations = _durations(claims)

    # --- combine in Python: nothing below touches the database.
    def region_label(child):
        return names.get(child.ljust(6, "0"), child)

    by_region = [_row(r["child"].ljust(6, "0"), region_label(r["child"]), r) for r in region_rows]

    insurer_names = {c["insurer__code"]: c["insurer__name"] for c in premium_cells}
    insurer_names.update({i["insurer__code"]: i["insurer__name"] for i in insurer_rows})
    loss = {"insurer": {}, "region": {}, "year": {}}
    for cell in premium_cells:
        for dimension, key in (("insurer", cell["insurer__code"]), ("region", cell["child"]), ("year", cell["year"])):
            entry = loss[dimension].setdefault(key, {"premium": ZERO, "paid": ZERO})
            entry["premium"] += cell["premium"] or ZERO
    for cell in paid_cells:
        for dimension, key in (("insurer", cell["insurer__code"]), ("region", cell["child"]), ("year", cell["year"])):
            entry = loss[dimension].setdefault(key, {"premium": ZERO, "paid": ZERO})
            entry["paid"] += cell["paid"] or ZERO
    labels = {
        "insurer": lambda key: insurer_names.get(key, key),
        "region": region_label,
        "year": str,
    }
    loss_ratio = {}
    for dimension, entries in loss.items():
        loss_ratio[f"by_{dimension}"] = [
            {
                "key": key.ljust(6, "0") if dimension == "region" else str(key),
                "label": labels[dimension](key),
                "premium": _money(entry["premium"]),
                "paid_amount": _money(entry["paid"]),
                "loss_ratio": _ratio(entry["paid"], entry["premium"]),
            }
            for key, entry in sorted(entries.items(), key=lambda kv: str(kv[0]))
        ]

    evaluation = []
    for item in insurer_rows:
        code = item["insurer__code"]
        mine = insurer_durations.get(item["insurer"], {})
        premium = loss["insurer"].get(code, {}).get("premium", ZERO)
        decided = item["count"] - item["withdrawn"]
        evaluation.append({
            "insurer": code,
            "name": item["insurer__name"],
            "claims": item["count"],
            "open": item["open"],
            "open_over_30_days": item["overdue"],
            "paid": item["settled"],
            "rejected": item["rejected"],
            "disputed": item["disputed"],
            "reopened": item["reopened"],
            "fast_track": item["fast"],
            "withdrawn": item["withdrawn"],
            "claimed_amount": _money(item["claimed"]),
            "approved_amount": _money(item["approved"]),
            "paid_amount": _money(item["paid"]),
            "premium": _money(premium),
            "loss_ratio": _ratio(item["paid"], premium),
            "rejection_rate": _ratio(item["rejected"], decided),
            "dispute_rate": _ratio(item["disputed"], decided),
            "median_days_to_registration": mine.get("to_registration", NO_DURATIONS)["median_days"],
            "median_days_to_approval": mine.get("to_approval", NO_DURATIONS)["median_days"],
            "median_days_to_payment": mine.get("to_payment", NO_DURATIONS)["median_days"],
            "p90_days_to_payment": mine.get("to_payment", NO_DURATIONS)["p90_days"],
        })

    return {
        "year": year,
        "region": region.code if region is not None else None,
        "as_of": timezone.localtime(now),
        "totals": {
            "count": sum(r["count"] for r in by_status),
            "claimed_amount": _money(sum((r["claimed_amount"] for r in by_status), ZERO)),
            "approved_amount": _money(sum((r["approved_amount"] for r in by_status), ZERO)),
            "paid_amount": _money(sum((r["paid_amount"] for r in by_status), ZERO)),
        },
        "by_status": by_status,
        "by_section": by_section,
        "by_category": by_category,
        "by_insurer": by_insurer,
        "by_region": by_region,
        "loss_ratio": loss_ratio,
        "durations": overall_durations,
        "open_over_30_days": {
            "count": sum(i["overdue"] for i in insurer_rows),
            "claimed_amount": _money(sum((i["overdue_claimed"] or ZERO for i in insurer_rows), ZERO)),
        },
        "insurer_evaluation": evaluation,
    }
