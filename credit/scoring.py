"""The credit score as a pure function of facts (issue 6): no database here, so the same facts give
the same score, and every rule can be tested from facts to points.

A rule set's `rules` is `{rule code: {parameters}}`; every rule has a `cap` (the most it may move
the score, negative for deductions) and most a `window_days`. The default below follows Shanghai's
public model (domain.md §5): start at 80, weighted deductions and additions, grades by cut-offs.

The breakdown lists every rule of the rule set in a fixed order, including those worth 0 points, so
a home sees what it was checked for, not only what it lost.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_noop

CENT = Decimal("0.01")
ZERO = Decimal("0")
GRADE_BANDS = {"A": "a_c", "B": "a_c", "C": "a_c", "D": "d_f", "E": "d_f", "F": "d_f",
               "G": "g_i", "H": "g_i", "I": "g_i", "J": "j_l", "K": "j_l", "L": "j_l"}
OPEN_FINDING = ("open", "submitted", "overdue", "escalated")
OVERDUE_FINDING = ("overdue", "escalated")
LIABLE = ("main", "direct")

# State weights in one table. Points are per fact unless said otherwise; caps bound each rule.
DEFAULT_RULES: dict[str, dict] = {
    "filing_missing": {"points": "-8", "cap": "-8"},
    "filing_late": {"points": "-3", "cap": "-3", "grace_days": 14},
    "findings": {"a_c": "-0.5", "d_f": "-1", "g_i": "-2", "j_l": "-4", "cap": "-20", "window_days": 730,
                 "full_weight_days": 365, "older_weight": "0.5"},
    "overdue_rectifications": {"points": "-2", "cap": "-10", "window_days": 730},
    "major_hazards": {"points": "-5", "cap": "-15"},
    "penalties": {"warning": "-2", "fine": "-4", "suspension": "-8", "cap": "-15", "window_days": 730},
    "incidents": {"main": "-5", "direct": "-6", "cap": "-18", "window_days": 730},
    "uninsured_days": {"points": "-1", "per_days": 30, "cap": "-12", "window_days": 365},
    "complaints": {"points": "-2", "cap": "-10", "window_days": 365},
    "practitioner_dishonesty": {"points": "-3", "cap": "-9"},
    "level_rating": {"1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "cap": "5"},
    "clean_inspections": {"points": "1", "cap": "3", "window_days": 365},
    "continuous_insurance": {"points": "2", "cap": "2", "window_days": 365},
}
DEFAULT_BASE = Decimal("80")
DEFAULT_CUTOFFS = {"A": "90", "B": "75", "C": "60"}

# English msgids, stored in snapshots as they are and translated when shown (label()).
RULE_LABELS = {
    "filing_missing": gettext_noop("Not filed though taking residents"),
    "filing_late": gettext_noop("Filed late"),
    "findings": gettext_noop("Inspection findings by grade"),
    "overdue_rectifications": gettext_noop("Overdue rectifications"),
    "major_hazards": gettext_noop("Open major accident hazards"),
    "penalties": gettext_noop("Administrative penalties"),
    "incidents": gettext_noop("Accidents with main or direct responsibility"),
    "uninsured_days": gettext_noop("Days without liability insurance"),
    "complaints": gettext_noop("Substantiated complaints"),
    "practitioner_dishonesty": gettext_noop("Practitioners' serious dishonesty"),
    "level_rating": gettext_noop("Level rating"),
    "clean_inspections": gettext_noop("Inspections without findings"),
    "continuous_insurance": gettext_noop("Continuous liability insurance"),
}


@dataclass(frozen=True)
class Fact:
    """One fact behind a rule: what it is (type + id, for a link), how to name it, when it happened,
    and the few attributes the rules read."""

    type: str  # finding | inspection | penalty | incident | policy | complaint | dishonesty
    id: int
    label: str
    date: date | None
    grade: str = ""  # finding grade A–L
    major: bool = False  # finding: major accident hazard
    status: str = ""  # finding status
    kind: str = ""  # penalty kind, incident responsibility, dishonesty kind
    end: date | None = None  # policy: last day of the term
    parent: int | None = None  # finding: its inspection

    def link(self) -> dict:
        return {"type": self.type, "id": self.id, "label": self.label,
                "date": self.date.isoformat() if self.date else None}


@dataclass
class Facts:
    institution_id: int
    filing_status: str = ""
    filed_on: date | None = None
    residents_since: date | None = None
    level: int | None = None
    level_rated_on: date | None = None
    findings: list[Fact] = field(default_factory=list)
    inspections: list[Fact] = field(default_factory=list)  # completed ones
    penalties: list[Fact] = field(default_factory=list)
    incidents: list[Fact] = field(default_factory=list)
    policies: list[Fact] = field(default_factory=list)
    complaints: list[Fact] = field(default_factory=list)
    dishonesty: list[Fact] = field(default_factory=list)
    # The day the system first knew the home: insurance before it is unknown, not missing (a county
    # going live must not see every home penalised for the years before its records).
    known_since: date | None = None


@dataclass
class Line:
    rule: str
    label: str
    points: Decimal
    facts: list[Fact]

    def as_json(self) -> dict:
        return {"rule": self.rule, "label": self.label, "points": str(self.points),
                "facts": [fact.link() for fact in self.facts]}


@dataclass
class Result:
    score: Decimal
    grade: str
    breakdown: list[dict]


def label(rule: str, stored: str = "") -> str:
    """A rule's label in the active language."""
    return gettext(RULE_LABELS.get(rule, stored or rule))


def dec(value) -> Decimal:
    return Decimal(str(value))


def _within(fact: Fact, as_of: date, days) -> bool:
    if fact.date is None or fact.date > as_of:
        return False
    return days is None or fact.date > as_of - timedelta(days=int(days))


def _capped(points: Decimal, cap) -> Decimal:
    cap = dec(cap) if cap is not None else None
    if cap is not None:
        points = max(points, cap) if cap < 0 else min(points, cap)
    return points


def _per_fact(facts: list[Fact], weight: Callable[[Fact], Decimal]) -> tuple[Decimal, list[Fact]]:
    used = [fact for fact in facts if weight(fact) != 0]
    return sum((weight(fact) for fact in used), ZERO), used


def _filing_missing(f: Facts, p: dict, as_of: date):
    taking = f.residents_since is not None and f.residents_since <= as_of
    filed = f.filing_status == "filed" and f.filed_on is not None and f.filed_on <= as_of
    return (dec(p["points"]), []) if taking and not filed else (ZERO, [])


def _filing_late(f: Facts, p: dict, as_of: date):
    if f.filing_status != "filed" or not f.filed_on or not f.residents_since or f.filed_on > as_of:
        return ZERO, []
    late = f.filed_on > f.residents_since + timedelta(days=int(p.get("grace_days", 14)))
    return (dec(p["points"]), []) if late else (ZERO, [])


def _findings(f: Facts, p: dict, as_of: date):
    full = int(p.get("full_weight_days", p.get("window_days", 365)))

    def weight(fact):
        if not _within(fact, as_of, p.get("window_days")):
            return ZERO
        points = dec(p.get(GRADE_BANDS.get(fact.grade, ""), 0))
        return points if fact.date > as_of - timedelta(days=full) else points * dec(p.get("older_weight", 1))

    return _per_fact(f.findings, weight)


def _overdue(f: Facts, p: dict, as_of: date):
    return _per_fact(f.findings, lambda x: dec(p["points"]) if x.status in OVERDUE_FINDING
                     and _within(x, as_of, p.get("window_days")) else ZERO)


def _major_hazards(f: Facts, p: dict, as_of: date):
    return _per_fact(f.findings, lambda x: dec(p["points"]) if x.major and x.status in OPEN_FINDING
                     and _within(x, as_of, None) else ZERO)


def _penalties(f: Facts, p: dict, as_of: date):
    return _per_fact(f.penalties, lambda x: dec(p.get(x.kind, 0)) if _within(x, as_of, p.get("window_days"))
                     else ZERO)


def _incidents(f: Facts, p: dict, as_of: date):
    return _per_fact(f.incidents, lambda x: dec(p.get(x.kind, 0)) if x.kind in LIABLE
                     and _within(x, as_of, p.get("window_days")) else ZERO)


def _complaints(f: Facts, p: dict, as_of: date):
    return _per_fact(f.complaints, lambda x: dec(p["points"]) if _within(x, as_of, p.get("window_days"))
                     else ZERO)


def _dishonesty(f: Facts, p: dict, as_of: date):
    return _per_fact(f.dishonesty, lambda x: dec(p["points"]) if _within(x, as_of, None) else ZERO)


def covered_days(policies: list[Fact], start: date, end: date) -> int:
    """Days of [start, end] on which at least one policy's term runs (terms merged, overlaps once)."""
    terms = sorted((max(x.date, start), min(x.end or x.date, end)) for x in policies if x.date)
    total, reached = 0, start - timedelta(days=1)  # the last day already counted
    for first, last in terms:
        first = max(first, reached + timedelta(days=1))
        if last >= first:
            total += (last - first).days + 1
            reached = last
    return total


def _window(p: dict, as_of: date) -> tuple[date, int]:
    days = int(p.get("window_days", 365))
    return as_of - timedelta(days=days - 1), days


def _uninsured(f: Facts, p: dict, as_of: date):
    start, days = _window(p, as_of)
    if f.known_since and f.known_since > start:
        start, days = f.known_since, max((as_of - f.known_since).days + 1, 0)
    gap = days - covered_days(f.policies, start, as_of) if days else 0
    relevant = [x for x in f.policies if x.date <= as_of and (x.end or x.date) >= start]
    return dec(p["points"]) * (gap // int(p.get("per_days", 30))), relevant if gap else []


def _continuous(f: Facts, p: dict, as_of: date):
    start, days = _window(p, as_of)
    relevant = [x for x in f.policies if x.date <= as_of and (x.end or x.date) >= start]
    return (dec(p["points"]), relevant) if covered_days(f.policies, start, as_of) == days else (ZERO, [])


def _level(f: Facts, p: dict, as_of: date):
    if not f.level or (f.level_rated_on and f.level_rated_on > as_of):
        return ZERO, []
    return dec(p.get(str(f.level), 0)), []


def _clean(f: Facts, p: dict, as_of: date):
    with_findings = {x.parent for x in f.findings}
    return _per_fact(f.inspections, lambda x: dec(p["points"]) if x.id not in with_findings
                     and _within(x, as_of, p.get("window_days")) else ZERO)


RULES: dict[str, Callable] = {
    "filing_missing": _filing_missing,
    "filing_late": _filing_late,
    "findings": _findings,
    "overdue_rectifications": _overdue,
    "major_hazards": _major_hazards,
    "penalties": _penalties,
    "incidents": _incidents,
    "uninsured_days": _uninsured,
    "complaints": _complaints,
    "practitioner_dishonesty": _dishonesty,
    "level_rating": _level,
    "clean_inspections": _clean,
    "continuous_insurance": _continuous,
}
DEDUCTIONS = [code for code, params in DEFAULT_RULES.items() if dec(params["cap"]) < 0]


def grade_for(score: Decimal, cutoffs: dict) -> str:
    for grade, cutoff in sorted(cutoffs.items(), key=lambda item: dec(item[1]), reverse=True):
        if score >= dec(cutoff):
            return grade
    return "D"


def score(facts: Facts, rule_set_rules: dict, base: Decimal, cutoffs: dict, as_of: date) -> Result:
    """The score of one home on `as_of` under a rule set: base + every rule's capped points,
    clamped to [0, 100]; its grade by the cut-offs; the breakdown rule by rule with its facts."""
    lines = []
    for code in RULES:
        if code not in rule_set_rules:
            continue
        params = rule_set_rules[code]
        points, used = RULES[code](facts, params, as_of)
        points = _capped(points, params.get("cap")).quantize(CENT, ROUND_HALF_UP)
        lines.append(Line(code, RULE_LABELS[code], points + ZERO, sorted(used, key=_order)))
    total = dec(base) + sum((line.points for line in lines), ZERO)
    total = min(max(total, ZERO), Decimal(100)).quantize(CENT, ROUND_HALF_UP)
    return Result(total, grade_for(total, cutoffs), [line.as_json() for line in lines])


def _order(fact: Fact):
    return (fact.date or date.min, fact.type, fact.id, fact.label, fact.grade, fact.status, fact.kind)
