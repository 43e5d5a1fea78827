"""Benchmark dataset, insurance part: ten national insurers each tendered in some provinces, a
rating scheme per province and year, yearly policies (some homes uninsured, some with gaps, some
due within 30 days), and incidents with claims in every status whose events tell the same story.
See accounts.scale for the rules every step keeps."""

import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from random import Random

from accounts.choices import Role
from accounts.jobs import scale_step
from accounts.scale import Home, ScaleContext, at, mobile, person_name, regulator_for
from institutions.models import Institution
from institutions.scale import make_uscc
from insurance import rating
from insurance.choices import PolicyStatus, Section
from insurance.models import (
    Claim,
    ClaimEvent,
    ClaimLine,
    CoverageSection,
    Dispute,
    FundingShare,
    Incident,
    IncidentPerson,
    Insurer,
    Payment,
    Policy,
    PolicyEvent,
    RatingScheme,
    SchemeSection,
)
from insurance.models.claims import OTHER_LIABILITY_CATEGORIES, IncidentCategory, Outcome, PersonKind

INSURERS = [  # code, name, weight in tenders
    ("picc", "中国人民财产保险股份有限公司", 10), ("pingan", "中国平安财产保险股份有限公司", 8),
    ("cpic", "中国太平洋财产保险股份有限公司", 7), ("chinalife", "中国人寿财产保险股份有限公司", 5),
    ("taiping", "太平财产保险有限公司", 3), ("ccic", "中国大地财产保险股份有限公司", 3),
    ("sunshine", "阳光财产保险股份有限公司", 2), ("huaan", "华安财产保险股份有限公司", 1),
    ("yongan", "永安财产保险股份有限公司", 1), ("zking", "紫金财产保险股份有限公司", 1),
]
INSURERS_PER_PROVINCE = 3
SECTIONS = [  # 元: per person, per accident, aggregate, deductible
    (Section.GENERAL, 200_000, 1_000_000, 3_000_000, 500),
    (Section.OTHER, 100_000, 1_000_000, 3_000_000, 500),
    (Section.THIRD_PARTY, 100_000, 500_000, 1_000_000, 500),
    (Section.LEGAL_COSTS, 50_000, 100_000, 200_000, 0),
]
UNINSURED_SHARE, GAP_SHARE, CANCELLED_SHARE = 0.12, 0.08, 0.02
INCIDENTS_PER_100_BEDS_YEAR, CLAIM_SHARE = 2.5, 0.7
CENT = Decimal("0.01")
CATEGORIES = [  # (category, weight)
    (IncidentCategory.FALL, 40), (IncidentCategory.BED_FALL, 12), (IncidentCategory.CHOKING, 8),
    (IncidentCategory.PRESSURE_SORE, 6), (IncidentCategory.SCALD, 6), (IncidentCategory.WRONG_INTAKE, 5),
    (IncidentCategory.WANDERING, 5), (IncidentCategory.HARM, 4), (IncidentCategory.RECREATION, 4),
    (IncidentCategory.FOOD_POISONING, 2), (IncidentCategory.FACILITY_DEFECT, 3), (IncidentCategory.ELEVATOR, 1),
    (IncidentCategory.FIRE, 1), (IncidentCategory.OTHER, 3),
]
CATEGORY_CODES = [c.value for c, _w in CATEGORIES]
CATEGORY_WEIGHTS = [w for _c, w in CATEGORIES]
CATEGORY_LABELS = {c.value: str(c.label) for c, _w in CATEGORIES}
PLACES = ["卫生间", "卧室", "餐厅", "走廊", "活动室", "楼梯间", "院内花园", "浴室", "大堂入口"]
# Which statuses a claim of a given age has reached (weights), youngest first.
STATUS_BY_AGE = [
    (7, {"reported": 45, "registered": 30, "documents_requested": 10, "approved": 8, "withdrawn": 7}),
    (45, {"reported": 5, "registered": 15, "documents_requested": 12, "approved": 18, "paid": 25, "rejected": 10,
          "withdrawn": 5, "disputed": 4, "closed": 6}),
    (None, {"registered": 2, "documents_requested": 2, "approved": 3, "paid": 15, "rejected": 4, "withdrawn": 6,
            "disputed": 2, "closed": 66}),
]
PATHS = {  # status → the actions that lead there from `create`
    "reported": [], "registered": ["register"], "documents_requested": ["register", "request-documents"],
    "approved": ["register", "approve"], "rejected": ["register", "reject"], "paid": ["register", "approve", "pay"],
    "withdrawn": ["withdraw"], "closed": ["register", "approve", "pay", "close"],
}
TARGET = {"register": "registered", "request-documents": "documents_requested", "approve": "approved",
          "reject": "rejected", "pay": "paid", "close": "closed", "withdraw": "withdrawn", "dispute": "disputed"}
MILESTONE = {"register": "registered_at", "request-documents": "documents_requested_at", "approve": "approved_at",
             "pay": "paid_at", "close": "closed_at", "dispute": "disputed_at"}


def poisson(rng: Random, lam: float) -> int:
    if lam > 30:  # normal approximation: the exact method is slow for large means
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


@scale_step("insurance", order=30)
def insurance(ctx: ScaleContext) -> None:
    rng = ctx.rng("insurance")
    codes, users = _insurers(ctx, rng)
    insurers = list(codes)
    provinces = sorted({home.region[:2] for home in ctx.homes})
    tender = {p: rng.choices(insurers, weights=[w for _c, _n, w in INSURERS], k=INSURERS_PER_PROVINCE)
              for p in provinces}
    schemes = _schemes(ctx, provinces)
    splits = {p: rng.choice([{"institution": 40, "city": 60}, {"institution": 30, "county": 30, "city": 40},
                             {"institution": 100}, {"institution": 50, "province": 50}]) for p in provinces}
    insured_until = {}
    for home in ctx.bar(ctx.homes, "insurance"):
        policies = _policies(ctx, rng, home, tender[home.region[:2]], schemes, splits[home.region[:2]], codes, users)
        _incidents(ctx, rng, home, policies, users)
        if (policy := _in_force(policies, ctx.today)) and policy["status"] == PolicyStatus.ACTIVE:
            insured_until[home.id] = policy["end_date"]
    ctx.flush()
    _mark_insured(insured_until)


def _mark_insured(insured_until: dict[int, date]) -> None:
    """What insurance.services.refresh_insured writes, from the policies just generated: one UPDATE
    per end date. refresh_insured itself is not called here: on SQLite its `insured_until` subquery
    is planned on the (status, end_date) index, a scan of every active policy for every home —
    hours at 40,000 homes (reported to the lead). The test checks both agree."""
    by_day: dict[date, list[int]] = {}
    for home, day in insured_until.items():
        by_day.setdefault(day, []).append(home)
    for day, homes in by_day.items():
        for start in range(0, len(homes), 500):
            Institution.objects.filter(pk__in=homes[start:start + 500]).update(insured=True, insured_until=day)


def _insurers(ctx: ScaleContext, rng: Random) -> tuple[dict[int, str], dict[int, int]]:
    """Insurer id → its code in upper case (the prefix of its policy numbers), and → its account."""
    ids, users = {}, {}
    for n, (code, name, _weight) in enumerate(INSURERS):
        pk = ctx.new_id(Insurer)
        ctx.row(Insurer, id=pk, code=code, name=name, uscc=make_uscc("91", "110000", 71000000 + n),
                contact_person=person_name(rng), contact_phone=mobile(rng))
        users[pk] = ctx.add_user(f"insurer_{code}", Role.INSURER, insurer_id=pk, full_name=person_name(rng))
        ids[pk] = code.upper()
    return ids, users


def _schemes(ctx: ScaleContext, provinces: list[str]) -> dict[tuple[str, int], RatingScheme]:
    schemes = {}
    rng = ctx.rng("rating schemes")
    for province in provinces:
        base = rng.randrange(60, 151)
        for year in range(ctx.start.year - 1, ctx.today.year + 2):
            scheme = RatingScheme(
                id=ctx.new_id(RatingScheme), region_id=f"{province}0000", year=year, version=1,
                name=f"{year}年度养老机构责任保险统一方案", base_rate_per_bed=Decimal(base + (year - ctx.start.year) * 2),
                level_factors=rating.DEFAULT_LEVEL_FACTORS, grade_factors=rating.DEFAULT_GRADE_FACTORS,
                inspection_factors=rating.DEFAULT_INSPECTION_FACTORS, loss_ratio_factors=rating.DEFAULT_LOSS_RATIO_FACTORS,
                created_by_id=regulator_for(ctx, f"{province}0000"), created_at=at(date(year - 1, 11, 15)),
                updated_at=at(date(year - 1, 11, 15)),
            )
            ctx.add(scheme)
            for section, person, accident, aggregate, deductible in SECTIONS:
                ctx.row(SchemeSection, scheme_id=scheme.id, section=section, per_person_limit=person,
                        per_accident_limit=accident, aggregate_limit=aggregate, deductible=deductible)
            schemes[province, year] = scheme
    return schemes


def _year_later(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return date(day.year + 1, 3, 1)


def _policies(ctx, rng: Random, home: Home, insurers, schemes, split, codes, users) -> list[dict]:
    """Yearly policies back to back from before the window to today; gaps for some homes, none for
    the uninsured; a draft renewal for some policies that end within 30 days."""
    if rng.random() < UNINSURED_SHARE:
        return []
    insurer = rng.choice(insurers)
    start = ctx.start - timedelta(days=rng.randrange(0, 365))
    made = []
    while start <= ctx.today:
        end = _year_later(start) - timedelta(days=1)
        if rng.random() < 0.1:
            insurer = rng.choice(insurers)  # re-tendered
        status = PolicyStatus.ACTIVE if end >= ctx.today else PolicyStatus.EXPIRED
        if rng.random() < CANCELLED_SHARE:
            status = PolicyStatus.CANCELLED
        made.append(_policy(ctx, rng, home, insurer, schemes[home.region[:2], start.year], split, start, end, status,
                            codes[insurer], users[insurer]))
        start = end + timedelta(days=1)
        if rng.random() < GAP_SHARE:
            start += timedelta(days=rng.randrange(20, 200))
    last = made[-1] if made else None
    if (last and last["status"] == PolicyStatus.ACTIVE and last["end_date"] <= ctx.today + timedelta(days=30)
            and rng.random() < 0.4):
        start = last["end_date"] + timedelta(days=1)
        _policy(ctx, rng, home, last["insurer_id"], schemes[home.region[:2], start.year], split, start,
                _year_later(start) - timedelta(days=1), PolicyStatus.DRAFT, codes[last["insurer_id"]],
                users[last["insurer_id"]])
    return made


def _policy(ctx, rng, home: Home, insurer_id, scheme, split, start, end, status, code, actor) -> dict:
    """One policy as the services leave it: rated by its scheme, four sections, funding adding up to
    the premium, an event per transition and a version counting them."""
    hazards = rng.choice([None, 0, 0, 0, 1, 3])
    quote = rating.quote(scheme=scheme, inputs=rating.RatingInputs(level=home.level, major_hazards_last_year=hazards),
                         insured_beds=home.beds)
    pk = ctx.new_id(Policy)
    created = min(start - timedelta(days=rng.randrange(3, 40)), ctx.today)
    bound = min(created + timedelta(days=rng.randrange(1, 5)), ctx.today)
    events = [("create", "", PolicyStatus.DRAFT, at(created, 10))]
    if status != PolicyStatus.DRAFT:
        events.append(("activate", PolicyStatus.DRAFT, PolicyStatus.ACTIVE, at(bound, 15)))
    if status == PolicyStatus.EXPIRED:
        events.append(("expire", PolicyStatus.ACTIVE, PolicyStatus.EXPIRED, at(end + timedelta(days=1), 1)))
    if status == PolicyStatus.CANCELLED:
        day = min(max(start, bound) + timedelta(days=rng.randrange(10, 300)), ctx.today)
        events.append(("cancel", PolicyStatus.ACTIVE, PolicyStatus.CANCELLED, at(day, 11)))
    bound_policy = status != PolicyStatus.DRAFT
    policy = ctx.row(
        Policy, id=pk, number=f"{code}{start.year}{pk:08d}" if bound_policy else "",
        institution_id=home.id, region_id=home.region, insurer_id=insurer_id, scheme_id=scheme.id,
        start_date=start, end_date=end,
        insured_beds=home.beds, base_rate_per_bed=quote.base_rate_per_bed, rate_factor=quote.rate_factor,
        premium=quote.premium,
        rating=quote.as_json() | {"scheme": {"id": scheme.id, "name": scheme.name, "version": scheme.version}},
        status=status, version=len(events),
        not_charged_declared_at=at(created, 11) if bound_policy else None,
        verified_at=at(bound, 16) if bound_policy and rng.random() < 0.7 else None,
        not_charged_declared_by_id=ctx.home_users[home.id] if bound_policy else None,
        created_by_id=actor, created_at=events[0][3], updated_at=events[-1][3],
    )
    for action, before, after, when in events:
        ctx.row(PolicyEvent, policy_id=pk, action=action, from_status=before, to_status=after, at=when,
                actor_id=None if action == "expire" else actor)
    for section, person, accident, aggregate, deductible in SECTIONS:
        ctx.row(CoverageSection, policy_id=pk, section=section, per_person_limit=person, per_accident_limit=accident,
                aggregate_limit=aggregate, deductible=deductible)
    for payer, amount in rating.split_premium(quote.premium, {k: Decimal(v) for k, v in split.items()}).items():
        ctx.row(FundingShare, policy_id=pk, payer=payer, amount=amount)
    return policy


def _in_force(policies: list[dict], day: date) -> dict | None:
    for policy in policies:
        if policy["status"] in (PolicyStatus.ACTIVE, PolicyStatus.EXPIRED) and policy["start_date"] <= day <= policy["end_date"]:
            return policy
    return None


def _incidents(ctx: ScaleContext, rng: Random, home: Home, policies: list[dict], insurer_users) -> None:
    """A few incidents per hundred beds a year; most of those covered become claims."""
    span = (ctx.today - ctx.start).days
    for _n in range(poisson(rng, home.beds / 100 * INCIDENTS_PER_100_BEDS_YEAR * ctx.years)):
        day = ctx.start + timedelta(days=rng.randrange(span))
        occurred = at(day, rng.randrange(0, 24), rng.randrange(60))
        category = rng.choices(CATEGORY_CODES, weights=CATEGORY_WEIGHTS)[0]
        kind = rng.choices([PersonKind.RESIDENT, PersonKind.THIRD_PARTY, PersonKind.STAFF], weights=[90, 8, 2])[0]
        outcome = rng.choices([Outcome.INJURY, Outcome.DISABILITY, Outcome.DEATH], weights=[90, 6, 4])[0]
        determined = (ctx.today - day).days > 60 and rng.random() < 0.3
        responsibility = rng.choices(["none", "secondary", "main", "direct"], weights=[50, 40, 8, 2])[0] if determined else ""
        resident = kind == PersonKind.RESIDENT
        incident = ctx.new_id(Incident)
        ctx.row(
            Incident, id=incident, institution_id=home.id, occurred_at=occurred, category=category,
            place=rng.choice(PLACES), description=f"{CATEGORY_LABELS[category]}：在{rng.choice(PLACES)}发生意外，已及时处置。",
            first_aid="护理员到场处置并报告值班医生。", hospital_transfer=outcome != Outcome.INJURY or rng.random() < 0.4,
            family_notified_at=occurred + timedelta(hours=1) if resident else None,
            family_notified_how="phone" if resident else "",
            responsibility=responsibility, responsibility_note="经调查认定。" if determined else "",
            responsibility_determined_at=occurred + timedelta(days=rng.randrange(20, 60)) if determined else None,
            version=2 if determined else 1, reported_by_id=ctx.home_users[home.id], created_at=occurred + timedelta(hours=2),
            updated_at=occurred + timedelta(days=60 if determined else 0, hours=2),
        )
        person = ctx.new_id(IncidentPerson)
        ctx.row(IncidentPerson, id=person, incident_id=incident, kind=kind, name=person_name(rng), outcome=outcome,
                injury="骨折" if outcome == Outcome.INJURY else "")
        policy = _in_force(policies, day)
        if policy is not None and kind != PersonKind.STAFF and rng.random() < CLAIM_SHARE:
            section = (Section.THIRD_PARTY if kind == PersonKind.THIRD_PARTY
                       else Section.OTHER if category in OTHER_LIABILITY_CATEGORIES else Section.GENERAL)
            _claim(ctx, rng, home, incident, occurred + timedelta(hours=2), person, outcome, section, policy,
                   insurer_users[policy["insurer_id"]])


def _amounts(rng: Random, outcome: str) -> list[tuple[str, Decimal]]:
    if outcome == Outcome.DEATH:
        return [("death", money(100_000 * rng.uniform(0.5, 1.2))), ("funeral", money(20_000 * rng.uniform(0.5, 1.2)))]
    if outcome == Outcome.DISABILITY:
        return [("disability", money(60_000 * rng.uniform(0.5, 1.2))), ("medical", money(15_000 * rng.uniform(0.5, 1.2)))]
    return [("medical", money(rng.lognormvariate(math.log(3000), 0.8) + 50))]


def _path(rng: Random, status: str) -> list[str]:
    if status == "disputed":
        return ["register", rng.choice(["approve", "reject"]), "dispute"]
    if status == "closed" and rng.random() < 0.2:
        return ["register", "reject", "close"]
    if status == "withdrawn" and rng.random() < 0.5:
        return ["register", "withdraw"]
    return PATHS[status]


def _claim(ctx, rng: Random, home: Home, incident: int, reported, person: int, outcome: str, section: str,
           policy: dict, handler: int) -> None:
    """A claim whose status is the last event's, milestones the first time each was reached, and
    amounts that respect claimed ≥ approved ≥ paid line by line."""
    now = at(ctx.today, 23, 59)
    reported = min(reported + timedelta(hours=rng.randrange(1, 72)), now - timedelta(hours=1))
    age = (ctx.today - reported.date()).days
    weights = next(w for limit, w in STATUS_BY_AGE if limit is None or age < limit)
    status = rng.choices(list(weights), weights=list(weights.values()))[0]
    path = _path(rng, status)
    gaps = [rng.uniform(0.5, 12) for _ in path]  # days between events, squeezed to end before now
    room = (now - reported).total_seconds() / 86400
    squeeze = min(1.0, room * 0.9 / sum(gaps)) if gaps else 1.0
    items = _amounts(rng, outcome)
    approved, paid, rejected = "approve" in path, "pay" in path, "reject" in path
    pk = ctx.new_id(Claim)
    lines = []
    for item, amount in items:
        line_approved = money(float(amount) * rng.uniform(0.7, 1.0)) if approved else None
        lines.append(dict(claim_id=pk, person_id=person, item=item, claimed_amount=amount,
                          approved_amount=line_approved, paid_amount=line_approved if paid else None,
                          rejection_reason="no_liability" if rejected else ""))
    # insurer and region: the policy's and the home's, denormalised on the claim (Claim.save fills
    # them; rows here bypass save).
    claim = dict(id=pk, number=f"CLM-{reported.year}-{pk:07d}", policy_id=policy["id"],
                 insurer_id=policy["insurer_id"], incident_id=incident,
                 institution_id=home.id, region_id=home.region, section=section,
                 claimed_amount=sum((a for _i, a in items), Decimal(0)),
                 approved_amount=sum((line["approved_amount"] for line in lines), Decimal(0)) if approved else None,
                 status=status, version=1 + len(path), rejection_reason="no_liability" if rejected else "",
                 created_by_id=ctx.home_users[home.id], created_at=reported)
    events = [dict(claim_id=pk, action="create", from_status="", to_status="reported", at=reported,
                   actor_id=ctx.home_users[home.id], data={"claimed_amount": f"{claim['claimed_amount']:.2f}"})]
    when, before = reported, "reported"
    for action, gap in zip(path, gaps, strict=True):
        when = when + timedelta(days=gap * squeeze)
        after = TARGET[action]
        data = ({"approved_amount": f"{claim['approved_amount']:.2f}"} if action == "approve"
                else {"reason": "no_liability"} if action == "reject" else {})
        actor = ctx.home_users[home.id] if action in ("withdraw", "dispute") else handler
        events.append(dict(claim_id=pk, action=action, from_status=before, to_status=after, at=when, data=data,
                           actor_id=actor))
        if action in MILESTONE:
            claim.setdefault(MILESTONE[action], when)
        if action == "register":
            claim["insurer_reference"] = f"LP{pk:09d}"
        if action == "pay":
            claim.update(paid_amount=claim["approved_amount"], paid_on=when.date(), payment_reference=f"PAY{pk:010d}")
        before = after
    claim["updated_at"] = when
    ctx.row(Claim, **claim)
    for line in lines:
        ctx.row(ClaimLine, **line)
    for event in events:
        ctx.row(ClaimEvent, **event)
    if paid:
        ctx.row(Payment, claim_id=pk, amount=claim["paid_amount"], paid_on=claim["paid_on"],
                reference=claim["payment_reference"], at=claim["paid_at"], actor_id=handler)
    if status == "disputed":
        ctx.row(Dispute, claim_id=pk, from_status=TARGET[path[1]], grounds="机构对核定结果有异议，申请调解。",
                approved_before=claim["approved_amount"], raised_at=claim["disputed_at"], raised_by_id=ctx.home_users[home.id])
