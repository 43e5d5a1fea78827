"""Double-random draws (双随机、一公开): which homes are inspected, and by whom, reproducibly.

Two layers:

- `draw(...)` is a pure function of a seed, the two pools and the parameters: no database, no
  clock. It draws every random number from `random.Random(seed).random()` — the one part of
  Python's random module whose sequence for a given seed is promised never to change between
  Python versions — and builds its own shuffle and tie-breaks on top, after sorting both pools by
  id. The same inputs give the same draw on any machine, database or Python version.
- `create_draw`, `reproduce`, `verify_draw` and `publish_draw` are the service around it. A draw
  records its seed, both pools (ids, and the attributes the draw used: region, credit class,
  department), the homes and inspectors excluded by the previous draw, and its parameters, so
  `reproduce` needs nothing but the draw's own row.

Sampling, by rate (the documented choice): homes are split into strata — one for a flat rate, one
per credit class (A, B, C, D, not rated, blacklisted) with the grade rates. In a stratum of n homes
at rate r, n·r = k + f with k whole and 0 ≤ f < 1: the stratum is shuffled, its first k homes are
taken, and one more with probability f. Every home's chance is exactly r, as with a coin flip per
home, but a stratum's count never strays more than one from n·r: asking for 20 % of 50 homes gives
10, not anything from 4 to 16. By count: that many homes, uniformly without replacement.

Assignment: the drawn homes are visited in random order. A home's candidates are the inspectors of
the requested departments whose region covers it (GB/T 2260 prefix) and who did not inspect it in
the previous draw of the same region. The team first takes one inspector of each requested
department that has a candidate, then fills up from any department; each pick is the least-loaded
candidate so far, ties broken by the RNG. A home with fewer candidates than the team size is
`unstaffed` (drawn, but no team and no inspection): never dropped silently.
"""

import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Department, Role
from accounts.models import User
from accounts.scoping import region_in_scope, region_prefix, region_q, scoped
from accounts.workdays import add_working_days
from config.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from inspections import rules
from inspections.choices import DrawStatus, InspectionStatus, InspectionType, TemplateStatus
from inspections.models import ChecklistTemplate, DrawAssignment, RandomDraw
from inspections.checklist_selectors import current_template
from inspections.services import Plan, plan_inspection  # the one way to plan an inspection
from institutions.models import Institution, Region

# Bump when the algorithm changes; old draws keep the version they were made with.
ALGORITHM = "stratified-1"
BLACKLISTED = "blacklisted"
GRADE_CLASSES = ("A", "B", "C", "D", "", BLACKLISTED)
DRAW_DEFAULTS = {
    # Sampling rate by credit risk class (domain.md §4-5: credit drives the odds; a blacklisted
    # home is always checked). Override with settings.INSPECTIONS["draw_rates_by_grade"].
    "rates_by_grade": {"A": "0.05", "B": "0.10", "C": "0.20", "D": "0.40", "": "0.10", BLACKLISTED: "1.00"},
}
DRAWERS = {Role.REGULATOR, Role.ADMIN}
MAX_TEAM = 10
MAX_PERIOD_DAYS = 366  # a draw plans at most a year of visits…
MAX_LEAD_DAYS = 3 * 366  # …starting within the next three years
DONE_STATUSES = (InspectionStatus.COMPLETED, InspectionStatus.CLOSED)
# What a draw's `parameters` show people and clients; the pools' attributes and the result are
# kept there for `reproduce` but are bulky, so pages and the API show them in their own fields.
PUBLIC_PARAMETERS = (
    "algorithm", "mode", "sample_count", "rate", "rates_by_grade", "inspectors_per_institution", "departments",
    "checklist", "scheduled_for", "previous_draw",
)


# ---------------------------------------------------------------------------------------------
# The pure draw


@dataclass(frozen=True)
class PoolInstitution:
    id: int
    region_code: str
    credit_grade: str = ""
    is_blacklisted: bool = False

    @property
    def risk_class(self) -> str:
        return BLACKLISTED if self.is_blacklisted else self.credit_grade


@dataclass(frozen=True)
class PoolInspector:
    id: int
    region_code: str
    department: str


@dataclass(frozen=True)
class DrawResult:
    selected: tuple[int, ...]  # drawn homes, by id
    assignments: dict[int, tuple[int, ...]]  # staffed home → its inspectors, by id
    unstaffed: tuple[int, ...] = ()  # drawn, but too few inspectors may go there
    uncovered: dict[int, tuple[str, ...]] = field(default_factory=dict)  # staffed home → departments missing

    def as_json(self) -> dict:
        return {
            "selected": list(self.selected),
            "assignments": [[home, list(team)] for home, team in sorted(self.assignments.items())],
            "unstaffed": list(self.unstaffed),
            "uncovered": [[home, list(missing)] for home, missing in sorted(self.uncovered.items())],
        }

    @classmethod
    def from_json(cls, data: dict) -> "DrawResult":
        return cls(
            selected=tuple(data.get("selected", ())),
            assignments={home: tuple(team) for home, team in data.get("assignments", ())},
            unstaffed=tuple(data.get("unstaffed", ())),
            uncovered={home: tuple(missing) for home, missing in data.get("uncovered", ())},
        )


def _shuffled(items: list, rng) -> list:
    """Fisher–Yates on rng.random() alone (random.shuffle's algorithm may change between versions)."""
    items = list(items)
    for i in range(len(items) - 1, 0, -1):
        j = int(rng.random() * (i + 1))
        items[i], items[j] = items[j], items[i]
    return items


def _least_loaded(candidates: list[PoolInspector], load: dict[int, int], rng) -> PoolInspector:
    lightest = min(load[c.id] for c in candidates)
    ties = [c for c in candidates if load[c.id] == lightest]
    return ties[int(rng.random() * len(ties))] if len(ties) > 1 else ties[0]


def _sample(homes: list[PoolInstitution], rng, *, sample_count, rate, rates_by_grade) -> list[PoolInstitution]:
    if sample_count is not None:
        return _shuffled(homes, rng)[: min(sample_count, len(homes))]
    strata: dict[str, list[PoolInstitution]] = defaultdict(list)
    for home in homes:
        strata["all" if rates_by_grade is None else home.risk_class].append(home)
    chosen = []
    for key in sorted(strata):
        members = strata[key]
        stratum_rate = Decimal(rate) if rates_by_grade is None else Decimal(rates_by_grade[key])
        expected = len(members) * stratum_rate
        whole = int(expected.to_integral_value(rounding=ROUND_FLOOR))
        extra = 1 if rng.random() < float(expected - whole) else 0
        chosen.extend(_shuffled(members, rng)[: min(whole + extra, len(members))])
    return chosen


def draw(
    *,
    seed: str,
    institutions: list[PoolInstitution],
    inspectors: list[PoolInspector],
    sample_count: int | None = None,
    rate: Decimal | None = None,
    rates_by_grade: dict | None = None,
    inspectors_per_institution: int,
    departments: list[str],
    previous_pairs: set[tuple[int, int]] = frozenset(),
) -> DrawResult:
    """The draw itself: see the module's docstring. Exactly one of sample_count, rate, rates_by_grade."""
    if sum(x is not None for x in (sample_count, rate, rates_by_grade)) != 1:
        raise ValueError("give exactly one of sample_count, rate, rates_by_grade")
    if inspectors_per_institution < 1:
        raise ValueError("a team has at least one inspector")
    rng = random.Random(seed)  # only its .random() is used: see the module's docstring
    homes = sorted(institutions, key=lambda h: h.id)
    wanted = set(departments)
    pool = sorted((i for i in inspectors if not wanted or i.department in wanted), key=lambda i: i.id)

    picked = _sample(homes, rng, sample_count=sample_count, rate=rate, rates_by_grade=rates_by_grade)
    by_prefix: dict[str, list[PoolInspector]] = defaultdict(list)  # who covers a region prefix
    for inspector in pool:
        by_prefix[region_prefix(inspector.region_code)].append(inspector)
    load = {i.id: 0 for i in pool}
    assignments, unstaffed, uncovered = {}, [], {}
    for home in _shuffled(sorted(picked, key=lambda h: h.id), rng):
        code = home.region_code
        candidates = sorted(
            (i for prefix in {code[:2], code[:4], code} for i in by_prefix.get(prefix, ())
             if (home.id, i.id) not in previous_pairs),
            key=lambda i: i.id,
        )
        if len(candidates) < inspectors_per_institution:
            unstaffed.append(home.id)
            continue
        team: list[PoolInspector] = []
        for department in departments:
            if len(team) == inspectors_per_institution:
                break
            of_department = [c for c in candidates if c.department == department and c not in team]
            if of_department:
                team.append(_least_loaded(of_department, load, rng))
        while len(team) < inspectors_per_institution:
            team.append(_least_loaded([c for c in candidates if c not in team], load, rng))
        for member in team:
            load[member.id] += 1
        assignments[home.id] = tuple(sorted(member.id for member in team))
        missing = tuple(d for d in departments if d not in {member.department for member in team})
        if missing:
            uncovered[home.id] = missing
    return DrawResult(
        selected=tuple(sorted(h.id for h in picked)),
        assignments=assignments,
        unstaffed=tuple(sorted(unstaffed)),
        uncovered=uncovered,
    )


# ---------------------------------------------------------------------------------------------
# Settings


def default_rates_by_grade() -> dict[str, Decimal]:
    """The per-class sampling rates: DRAW_DEFAULTS, overridden by settings.INSPECTIONS["draw_rates_by_grade"]."""
    rates = rules.setting("draw_rates_by_grade", {"draw_rates_by_grade": DRAW_DEFAULTS["rates_by_grade"]})
    return {key: Decimal(str(value)) for key, value in rates.items()}


def min_team() -> int:
    return rules.setting("min_inspectors")


# ---------------------------------------------------------------------------------------------
# Input checks: each a field error, so forms and the API point at the right field.


@dataclass
class _Problems:
    fields: dict = field(default_factory=dict)

    def add(self, name: str, message) -> None:
        self.fields.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(next(iter(self.fields.values()))[0], fields=self.fields)


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _clean_rates(rates_by_grade, problems: _Problems) -> dict[str, Decimal]:
    rates = default_rates_by_grade()
    for key, value in (rates_by_grade or {}).items():
        number = _decimal(value)
        if key not in GRADE_CLASSES:
            problems.add("rates_by_grade", _("Unknown credit class %(key)s: use A, B, C, D, blacklisted or an empty "
                                             "key for homes not rated.") % {"key": key})
        elif number is None or not Decimal("0") <= number <= Decimal("1"):
            problems.add("rates_by_grade", _("A rate is a number from 0 to 1."))
        else:
            rates[key] = number
    return rates


def _checklist(region_code: str, checklist_id, problems: _Problems) -> ChecklistTemplate | None:
    """The chosen template, or None: each home then gets the list that applies in its own region
    (its local version, else the one above, else the national joint-safety list — as any planned
    inspection does)."""
    if checklist_id in (None, ""):
        if region_code and current_template(region_code) is None:
            problems.add("checklist", _("No published checklist applies in this division: choose one."))
        return None
    template = ChecklistTemplate.objects.filter(pk=checklist_id, status=TemplateStatus.PUBLISHED).first()
    # A local template serves its own region and those below it: here, every home of the draw.
    if template is None or (template.region_id and not region_code.startswith(region_prefix(template.region_id))):
        problems.add("checklist", _("Not a published checklist you may use."))
        return None
    return template


@dataclass(frozen=True)
class _Request:
    region: Region
    period_start: date
    period_end: date
    mode: str
    sample_count: int | None
    rate: Decimal | None
    rates_by_grade: dict | None
    team_size: int
    departments: list[str]
    seed: str
    checklist: ChecklistTemplate | None
    scheduled_for: date | None
    first_day: date  # the earliest day an inspection may be scheduled (the notice period allowing)


def _clean(actor, *, region_code, period_start, period_end, sample_count, rate, use_grade_rates, rates_by_grade,
           inspectors_per_institution, departments, seed, checklist_id, scheduled_for, today) -> _Request:
    problems = _Problems()
    region_code = str(region_code or "").strip()
    region = Region.objects.filter(code=region_code).first() if region_code.isdigit() else None
    if region is None or not region_in_scope(actor, region.code):
        problems.add("region", _("Choose a division within your jurisdiction (6-digit code)."))

    if period_start is None:
        problems.add("period_start", _("This field is required."))
    if period_end is None:
        problems.add("period_end", _("This field is required."))
    elif period_start is not None and period_end < period_start:
        problems.add("period_end", _("The period cannot end before it starts."))
    elif period_start is not None and (period_end - period_start).days >= MAX_PERIOD_DAYS:
        problems.add("period_end", _("A draw covers at most one year."))
    if period_start is not None and period_start > today + timedelta(days=MAX_LEAD_DAYS):
        problems.add("period_start", _("Draw for a period starting within the next three years."))

    modes = [name for name, given in (("count", sample_count is not None), ("rate", rate is not None),
                                      ("grade_rates", bool(use_grade_rates))) if given]
    if len(modes) != 1:
        message = _("Give either a number of homes, a sampling rate or use the credit-grade rates: exactly one.")
        problems.add("sample_count", message)
        problems.add("rate", message)
    if sample_count is not None and (not isinstance(sample_count, int) or sample_count < 1):
        problems.add("sample_count", _("Draw at least one home."))
    if rate is not None:
        rate = _decimal(rate)
        if rate is None or not Decimal("0") < rate <= Decimal("1"):
            problems.add("rate", _("A sampling rate is more than 0 and at most 1 (e.g. 0.2 for 20%)."))
    rates = _clean_rates(rates_by_grade, problems) if use_grade_rates else None
    if rates_by_grade and not use_grade_rates:
        problems.add("rates_by_grade", _("Rates by credit grade apply only when sampling by credit grade."))

    chosen = [code for code in Department.values if code in set(departments or [])]  # stable order, no repeats
    if not chosen or len(chosen) != len(set(departments or [])):
        problems.add("departments", _("Choose one or more known departments."))
    least = max(min_team(), len(chosen))
    if not isinstance(inspectors_per_institution, int) or not least <= inspectors_per_institution <= MAX_TEAM:
        problems.add("inspectors_per_institution",
                     _("Send %(least)s to %(most)s inspectors to each home: at least %(min)s, and one per department "
                       "taking part.") % {"least": least, "most": MAX_TEAM, "min": min_team()})

    seed = (seed or "").strip() or secrets.token_hex(16)
    if len(seed) > 64:
        problems.add("seed", _("A seed is at most 64 characters; leave it empty to have one generated."))

    template = _checklist(region.code if region else "", checklist_id, problems)

    first_day = period_start
    if "period_start" not in problems.fields and "period_end" not in problems.fields:
        # Routine inspections are announced ahead (inspections.rules): nothing can happen sooner.
        first_day = max(period_start, add_working_days(today, rules.setting("notice_working_days")))
        if scheduled_for is not None and not first_day <= scheduled_for <= period_end:
            problems.add("scheduled_for", _("Choose a date within the period, at least %(n)s working days from "
                                            "today (%(date)s or later).")
                         % {"n": rules.setting("notice_working_days"), "date": first_day.isoformat()})
        elif first_day > period_end:
            problems.add("period_end", _("The period ends before the inspections could be announced "
                                         "(%(n)s working days ahead): end it on %(date)s or later.")
                         % {"n": rules.setting("notice_working_days"), "date": first_day.isoformat()})
    problems.raise_if_any()
    return _Request(
        region=region, period_start=period_start, period_end=period_end, mode=modes[0], sample_count=sample_count,
        rate=rate, rates_by_grade=rates, team_size=inspectors_per_institution, departments=chosen, seed=seed,
        checklist=template, scheduled_for=scheduled_for, first_day=first_day,
    )


# ---------------------------------------------------------------------------------------------
# The service


def not_a_drawer() -> str:
    return _("Only regulators make and publish random draws.")


def _inspector_pool(region: Region, departments: list[str]):
    """Active inspectors of the departments whose region lies within the draw's region (a county's
    staff in a city draw) or above it (a city's staff in a county draw). Each may still only go to
    homes their own region covers: the pure draw checks that home by home."""
    code = region.code
    above = {code[:2] + "0000", code[:4] + "00"} - {code}
    return (
        User.objects.filter(role=Role.INSPECTOR, is_active=True, department__in=departments)
        .filter(region_q("region", code) | Q(region_id__in=above))
        .order_by("pk")
    )


def _schedule(count: int, first: date, last: date) -> list[date]:
    """`count` visit dates spread evenly over [first, last], each moved to a working day when one
    follows within the period (the visiting order is random already, so the spread is fair)."""
    span = (last - first).days + 1
    moved: dict[date, date] = {}
    days = []
    for n in range(count):
        day = first + timedelta(days=n * span // count)
        if day not in moved:
            working = add_working_days(day, 0)
            moved[day] = working if working <= last else day
        days.append(moved[day])
    return days


@transaction.atomic
def create_draw(
    *,
    actor,
    region_code: str,
    period_start: date,
    period_end: date,
    sample_count: int | None = None,
    rate: Decimal | None = None,
    use_grade_rates: bool = False,
    rates_by_grade: dict | None = None,
    inspectors_per_institution: int = 2,
    departments: list[str],
    seed: str | None = None,
    checklist_id: int | None = None,
    scheduled_for: date | None = None,
    today: date | None = None,
) -> RandomDraw:
    """Draw homes and teams in a region and plan one routine inspection per staffed home.

    Regulators (and administrators) of the region only. The previous draw of the same region
    supplies the home–inspector pairs that may not meet again."""
    if actor.role not in DRAWERS:
        raise NotAllowed(not_a_drawer())
    today = today or timezone.localdate()
    req = _clean(
        actor, region_code=region_code, period_start=period_start, period_end=period_end, sample_count=sample_count,
        rate=rate, use_grade_rates=use_grade_rates, rates_by_grade=rates_by_grade,
        inspectors_per_institution=inspectors_per_institution, departments=departments, seed=seed,
        checklist_id=checklist_id, scheduled_for=scheduled_for, today=today,
    )
    # Two draws of one region at once would both miss the other as "the previous draw".
    Region.objects.select_for_update().filter(pk=req.region.pk).first()

    homes = [
        PoolInstitution(pk, region_id, grade, blacklisted)
        for pk, region_id, grade, blacklisted in Institution.objects.filter(is_active=True)
        .filter(region_q("region", req.region.code)).order_by("pk")
        .values_list("pk", "region_id", "credit_grade", "is_blacklisted")
    ]
    inspectors = [
        PoolInspector(pk, region_id, department)
        for pk, region_id, department in _inspector_pool(req.region, req.departments)
        .values_list("pk", "region_id", "department")
    ]
    problems = _Problems()
    if not homes:
        problems.add("region", _("No active institutions in this division."))
    if not inspectors:
        problems.add("departments", _("No active inspectors of these departments work in this division."))
    problems.raise_if_any()

    previous = RandomDraw.objects.filter(region=req.region).order_by("-created_at", "-pk").first()
    excluded = sorted(
        DrawAssignment.objects.filter(draw=previous).values_list("institution_id", "inspector_id")
    ) if previous else []
    result = draw(
        seed=req.seed, institutions=homes, inspectors=inspectors, sample_count=req.sample_count, rate=req.rate,
        rates_by_grade=req.rates_by_grade, inspectors_per_institution=req.team_size, departments=req.departments,
        previous_pairs=set(excluded),
    )
    parameters = {
        "algorithm": ALGORITHM,
        "mode": req.mode,
        "sample_count": req.sample_count,
        "rate": str(req.rate) if req.rate is not None else None,
        "rates_by_grade": {k: str(v) for k, v in req.rates_by_grade.items()} if req.rates_by_grade else None,
        "inspectors_per_institution": req.team_size,
        "departments": req.departments,
        "checklist": req.checklist.pk if req.checklist else None,  # None: each home's regional list
        "scheduled_for": req.scheduled_for.isoformat() if req.scheduled_for else None,
        "previous_draw": previous.pk if previous else None,
        "excluded_pairs": [list(pair) for pair in excluded],
        # What the draw saw of each home and inspector: grades and regions change later.
        "pool": {
            "institutions": [[h.id, h.region_code, h.credit_grade, h.is_blacklisted] for h in homes],
            "inspectors": [[i.id, i.region_code, i.department] for i in inspectors],
        },
        "result": result.as_json(),
    }
    record = RandomDraw.objects.create(
        region=req.region, period_start=req.period_start, period_end=req.period_end, parameters=parameters,
        seed=req.seed, institution_pool=[h.id for h in homes], inspector_pool=[i.id for i in inspectors],
        created_by=actor if actor.pk else None,
    )
    record.number = f"SJ{req.period_start.year}-{record.pk:06d}"  # from the key, never "last row + 1"
    record.save(update_fields=["number"])
    DrawAssignment.objects.bulk_create(
        DrawAssignment(draw=record, institution_id=home, inspector_id=inspector)
        for home, team in sorted(result.assignments.items()) for inspector in team
    )
    staffed = sorted(result.assignments)
    dates = [req.scheduled_for] * len(staffed) if req.scheduled_for else _schedule(len(staffed), req.first_day,
                                                                                   req.period_end)
    for home, day in zip(staffed, dates):
        plan_inspection(
            actor=actor, today=today, draw=record,
            plan=Plan(institution_id=home, type=InspectionType.ROUTINE, scheduled_for=day,
                      departments=req.departments, inspector_ids=list(result.assignments[home]),
                      checklist_id=req.checklist.pk if req.checklist else None,
                      reason=_("Random draw %(number)s") % {"number": record.number}),
        )
    return record


def reproduce(record: RandomDraw) -> DrawResult:
    """Run the pure draw again from what the draw recorded: seed, pools as they were, parameters."""
    p = record.parameters
    pool = p.get("pool", {})
    institution_ids, inspector_ids = set(record.institution_pool), set(record.inspector_pool)
    homes = [PoolInstitution(pk, region, grade, bool(black))
             for pk, region, grade, black in pool.get("institutions", []) if pk in institution_ids]
    inspectors = [PoolInspector(pk, region, department)
                  for pk, region, department in pool.get("inspectors", []) if pk in inspector_ids]
    rates = p.get("rates_by_grade")
    return draw(
        seed=record.seed, institutions=homes, inspectors=inspectors, sample_count=p.get("sample_count"),
        rate=Decimal(p["rate"]) if p.get("rate") is not None else None,
        rates_by_grade={k: Decimal(v) for k, v in rates.items()} if rates else None,
        inspectors_per_institution=p["inspectors_per_institution"], departments=p["departments"],
        previous_pairs={tuple(pair) for pair in p.get("excluded_pairs", [])},
    )


def recorded_result(record: RandomDraw) -> DrawResult:
    """What the draw says it drew: the assignment rows, and the drawn and unstaffed homes it stored."""
    stored = DrawResult.from_json(record.parameters.get("result", {}))
    teams = defaultdict(list)
    for assignment in record.assignments.all():  # prefetched by the selectors
        teams[assignment.institution_id].append(assignment.inspector_id)
    return DrawResult(
        selected=stored.selected,
        assignments={home: tuple(sorted(team)) for home, team in teams.items()},
        unstaffed=stored.unstaffed,
        uncovered=stored.uncovered,
    )


@dataclass(frozen=True)
class Verification:
    matches: bool
    differences: list[str]  # human sentences, empty when it matches
    reproduced: DrawResult
    recorded: DrawResult


def verify_draw(record: RandomDraw) -> Verification:
    """Does re-running the draw give exactly what was recorded? (the auditor's check)"""
    stored = recorded_result(record)
    try:
        again = reproduce(record)
    except (KeyError, TypeError, ValueError, InvalidOperation):  # a record not made by create_draw
        return Verification(matches=False, differences=[_("The draw's record is incomplete: it cannot be re-run.")],
                            reproduced=DrawResult(selected=(), assignments={}), recorded=stored)
    differences = []
    pool = record.parameters.get("pool", {})
    if [row[0] for row in pool.get("institutions", [])] != list(record.institution_pool) or [
        row[0] for row in pool.get("inspectors", [])
    ] != list(record.inspector_pool):
        differences.append(_("The recorded pools and their attributes disagree."))
    if again.selected != stored.selected:
        differences.append(_("The drawn institutions differ."))
    if again.assignments != stored.assignments:
        changed = sorted(set(again.assignments.items()) ^ set(stored.assignments.items()))
        homes = sorted({home for home, _team in changed})
        differences.append(_("The teams of %(n)s institutions differ (ids %(ids)s).")
                           % {"n": len(homes), "ids": ", ".join(map(str, homes))})
    if again.unstaffed != stored.unstaffed:
        differences.append(_("The unstaffed institutions differ."))
    return Verification(matches=not differences, differences=differences, reproduced=again, recorded=stored)


@transaction.atomic
def publish_draw(*, actor, draw_id: int) -> RandomDraw:
    """一公开: publish the results once every inspection of the draw is completed or closed."""
    record = scoped(actor, RandomDraw.objects.select_for_update()).filter(pk=draw_id).first()
    if record is None:
        raise NotFound()
    if actor.role not in DRAWERS:
        raise NotAllowed(not_a_drawer())
    if record.status == DrawStatus.PUBLISHED:
        raise Conflict(_("This draw is already published."), code="invalid_transition")
    pending = record.inspections.exclude(status__in=DONE_STATUSES).count()
    if pending:
        raise Conflict(
            _("%(n)s inspections of this draw are not completed yet: publish once all are done.") % {"n": pending},
            code="inspections_pending",
        )
    record.status = DrawStatus.PUBLISHED
    record.published_at = timezone.now()
    record.save(update_fields=["status", "published_at", "updated_at"])
    return record


def public_parameters(record: RandomDraw) -> dict:
    return {key: record.parameters.get(key) for key in PUBLIC_PARAMETERS}

