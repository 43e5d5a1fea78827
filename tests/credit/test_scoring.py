"""The credit score as a pure function: each rule from facts to points, the bounds, the grades,
and the properties (within [0, 100]; a deduction fact never raises the score; same facts, same
score). No database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.scoring import DEFAULT_BASE, DEFAULT_CUTOFFS, DEFAULT_RULES, Fact, Facts, grade_for, score

AS_OF = date(2026, 6, 30)


def days_ago(n: int) -> date:
    return AS_OF - timedelta(days=n)


def covered(**overrides) -> Facts:
    """A home insured all year, filed on time, no level: nothing but the continuous-insurance bonus."""
    facts = Facts(1, filing_status="filed", filed_on=date(2020, 1, 5), residents_since=date(2020, 1, 1))
    facts.policies = [Fact("policy", 1, "P-1", date(2025, 1, 1), end=date(2026, 12, 31))]
    for name, value in overrides.items():
        setattr(facts, name, value)
    return facts


def run(facts: Facts, rules=None):
    return score(facts, rules or DEFAULT_RULES, DEFAULT_BASE, DEFAULT_CUTOFFS, AS_OF)


def points(result, rule: str) -> Decimal:
    return next(Decimal(line["points"]) for line in result.breakdown if line["rule"] == rule)


def line(result, rule: str) -> dict:
    return next(line for line in result.breakdown if line["rule"] == rule)


def finding(pk, grade="D", ago=10, status="closed", major=False, inspection=100):
    return Fact("finding", pk, f"{grade} 隐患{pk}", days_ago(ago), grade=grade, status=status, major=major,
                parent=inspection)


def test_a_clean_insured_home_gets_the_base_plus_the_insurance_bonus():
    result = run(covered())
    assert result.score == Decimal("82.00")
    assert result.grade == "B"
    assert points(result, "continuous_insurance") == Decimal("2.00")
    # Every rule is listed, those worth nothing with 0 points.
    assert [line["rule"] for line in result.breakdown] == list(DEFAULT_RULES)
    assert points(result, "findings") == 0


def test_not_filed_though_taking_residents():
    result = run(covered(filing_status="not_filed", filed_on=None))
    assert points(result, "filing_missing") == Decimal("-8.00")
    assert points(result, "filing_late") == 0
    assert points(run(covered(filing_status="not_filed", filed_on=None, residents_since=None)), "filing_missing") == 0


def test_filed_late():
    result = run(covered(filed_on=date(2020, 2, 1)))
    assert points(result, "filing_late") == Decimal("-3.00")
    assert points(result, "filing_missing") == 0


def test_findings_by_grade_band_and_recent_ones_weigh_more():
    facts = covered(findings=[finding(1, "B"), finding(2, "E"), finding(3, "H"), finding(4, "K"),
                              finding(5, "K", ago=500), finding(6, "K", ago=800)])
    result = run(facts)
    # -0.5 -1 -2 -4 (recent), -4 × 0.5 (between 12 and 24 months), the 800-day-old one outside the window
    assert points(result, "findings") == Decimal("-9.50")
    assert [fact["id"] for fact in line(result, "findings")["facts"]] == [5, 1, 2, 3, 4]
    assert line(result, "findings")["facts"][0] == {"type": "finding", "id": 5, "label": "K 隐患5",
                                                    "date": days_ago(500).isoformat()}


def test_findings_are_capped():
    result = run(covered(findings=[finding(n, "L") for n in range(10)]))
    assert points(result, "findings") == Decimal("-20.00")


def test_overdue_rectifications_and_open_major_hazards():
    facts = covered(findings=[finding(1, "A", status="overdue"), finding(2, "A", status="escalated"),
                              finding(3, "A", status="open", major=True), finding(4, "A", status="closed", major=True),
                              finding(5, "A", status="overdue", major=True, ago=2000)])
    result = run(facts)
    assert points(result, "overdue_rectifications") == Decimal("-4.00")  # the 2000-day-old one is out of the window
    # open major hazards count whatever their age; closed ones do not
    assert points(result, "major_hazards") == Decimal("-10.00")
    assert {f["id"] for f in line(result, "major_hazards")["facts"]} == {3, 5}


def test_penalties_by_kind():
    facts = covered(penalties=[Fact("penalty", 1, "W-1", days_ago(30), kind="warning"),
                               Fact("penalty", 2, "F-1", days_ago(30), kind="fine"),
                               Fact("penalty", 3, "S-1", days_ago(800), kind="suspension")])
    assert points(run(facts), "penalties") == Decimal("-6.00")


def test_incidents_with_main_or_direct_responsibility():
    facts = covered(incidents=[Fact("incident", 1, "跌倒", days_ago(10), kind="main"),
                               Fact("incident", 2, "烫伤", days_ago(10), kind="direct"),
                               Fact("incident", 3, "走失", days_ago(10), kind="secondary")])
    result = run(facts)
    assert points(result, "incidents") == Decimal("-11.00")
    assert [f["id"] for f in line(result, "incidents")["facts"]] == [1, 2]


def test_days_without_insurance_cost_a_point_per_30_days_capped():
    # Insured until 95 days before as_of: 95 uncovered days → 3 points, and no continuity bonus.
    facts = covered(policies=[Fact("policy", 1, "P-1", date(2025, 1, 1), end=days_ago(95))])
    result = run(facts)
    assert points(result, "uninsured_days") == Decimal("-3.00")
    assert points(result, "continuous_insurance") == 0
    assert line(result, "uninsured_days")["facts"][0]["id"] == 1
    assert points(run(covered(policies=[])), "uninsured_days") == Decimal("-12.00")


def test_overlapping_and_back_to_back_policies_cover_continuously():
    facts = covered(policies=[Fact("policy", 1, "P-1", date(2025, 1, 1), end=date(2025, 12, 31)),
                              Fact("policy", 2, "P-2", date(2025, 6, 1), end=date(2026, 1, 31)),
                              Fact("policy", 3, "P-3", date(2026, 2, 1), end=date(2027, 1, 31))])
    result = run(facts)
    assert points(result, "uninsured_days") == 0
    assert points(result, "continuous_insurance") == Decimal("2.00")


def test_substantiated_complaints_and_practitioners_dishonesty():
    facts = covered(complaints=[Fact("complaint", n, f"C{n}", days_ago(20)) for n in range(3)],
                    dishonesty=[Fact("dishonesty", 1, "张三", days_ago(100), kind="abuse")])
    result = run(facts)
    assert points(result, "complaints") == Decimal("-6.00")
    assert points(result, "practitioner_dishonesty") == Decimal("-3.00")


def test_level_rating_and_clean_inspections_add_points():
    facts = covered(level=4, level_rated_on=date(2024, 1, 1),
                    inspections=[Fact("inspection", 100, "I-100", days_ago(50)),
                                 Fact("inspection", 101, "I-101", days_ago(60))],
                    findings=[finding(1, "A", inspection=100)])
    result = run(facts)
    assert points(result, "level_rating") == Decimal("4.00")
    assert points(result, "clean_inspections") == Decimal("1.00")  # 100 had a finding; 101 was clean
    assert line(result, "clean_inspections")["facts"][0]["id"] == 101


def test_score_is_clamped_and_graded():
    worst = covered(policies=[], filing_status="not_filed", filed_on=None,
                    findings=[finding(n, "L", status="overdue", major=True) for n in range(10)],
                    penalties=[Fact("penalty", n, "S", days_ago(5), kind="suspension") for n in range(5)],
                    incidents=[Fact("incident", n, "火灾", days_ago(5), kind="direct") for n in range(5)],
                    complaints=[Fact("complaint", n, "C", days_ago(5)) for n in range(9)],
                    dishonesty=[Fact("dishonesty", n, "某", days_ago(5)) for n in range(5)])
    result = run(worst)
    assert result.score == Decimal("0.00")
    assert result.grade == "D"
    best = covered(level=5, level_rated_on=date(2020, 1, 1),
                   inspections=[Fact("inspection", n, "I", days_ago(n + 1)) for n in range(5)])
    assert run(best).score == Decimal("90.00")
    assert run(best).grade == "A"


@pytest.mark.parametrize(("value", "grade"), [("90", "A"), ("89.99", "B"), ("75", "B"), ("60", "C"), ("59.99", "D")])
def test_grade_cutoffs(value, grade):
    assert grade_for(Decimal(value), DEFAULT_CUTOFFS) == grade


def test_a_rule_set_without_a_rule_does_not_apply_it():
    rules = {code: params for code, params in DEFAULT_RULES.items() if code != "continuous_insurance"}
    result = run(covered(), rules)
    assert result.score == Decimal("80.00")
    assert "continuous_insurance" not in [line["rule"] for line in result.breakdown]


# Properties ---------------------------------------------------------------------------------

grades = st.sampled_from("ABCDEFGHIJKL")
ages = st.integers(min_value=0, max_value=1500)
finding_facts = st.builds(lambda pk, g, a, s, m, i: finding(pk, g, a, s, m, i), st.integers(1, 10**6), grades, ages,
                          st.sampled_from(["open", "submitted", "closed", "overdue", "escalated"]), st.booleans(),
                          st.integers(1, 5))
penalty_facts = st.builds(lambda pk, k, a: Fact("penalty", pk, "P", days_ago(a), kind=k), st.integers(1, 10**6),
                          st.sampled_from(["warning", "fine", "suspension"]), ages)
incident_facts = st.builds(lambda pk, k, a: Fact("incident", pk, "I", days_ago(a), kind=k), st.integers(1, 10**6),
                           st.sampled_from(["none", "secondary", "main", "direct"]), ages)
complaint_facts = st.builds(lambda pk, a: Fact("complaint", pk, "C", days_ago(a)), st.integers(1, 10**6), ages)
dishonesty_facts = st.builds(lambda pk, a: Fact("dishonesty", pk, "D", days_ago(a)), st.integers(1, 10**6), ages)
policy_facts = st.builds(lambda pk, a, n: Fact("policy", pk, "P", days_ago(a), end=days_ago(a) + timedelta(days=n)),
                         st.integers(1, 10**6), ages, st.integers(1, 800))
inspection_facts = st.builds(lambda pk, a: Fact("inspection", pk, "I", days_ago(a)), st.integers(1, 5), ages)


@st.composite
def facts_strategy(draw):
    return Facts(
        1, filing_status=draw(st.sampled_from(["filed", "not_filed", "cancelled"])),
        filed_on=draw(st.one_of(st.none(), st.dates(date(2015, 1, 1), AS_OF))),
        residents_since=draw(st.one_of(st.none(), st.dates(date(2015, 1, 1), AS_OF))),
        level=draw(st.one_of(st.none(), st.integers(1, 5))), level_rated_on=date(2020, 1, 1),
        findings=draw(st.lists(finding_facts, max_size=8)), penalties=draw(st.lists(penalty_facts, max_size=4)),
        incidents=draw(st.lists(incident_facts, max_size=4)), policies=draw(st.lists(policy_facts, max_size=3)),
        complaints=draw(st.lists(complaint_facts, max_size=4)), dishonesty=draw(st.lists(dishonesty_facts, max_size=3)),
        inspections=draw(st.lists(inspection_facts, max_size=4)),
    )


deduction_facts = st.one_of(
    st.tuples(st.just("findings"), finding_facts), st.tuples(st.just("penalties"), penalty_facts),
    st.tuples(st.just("incidents"), incident_facts), st.tuples(st.just("complaints"), complaint_facts),
    st.tuples(st.just("dishonesty"), dishonesty_facts),
)


@settings(max_examples=150, deadline=None)
@given(facts_strategy())
def test_the_score_stays_within_bounds_and_its_grade_matches(facts):
    result = run(facts)
    assert Decimal(0) <= result.score <= Decimal(100)
    assert result.grade == grade_for(result.score, DEFAULT_CUTOFFS)
    total = DEFAULT_BASE + sum(Decimal(line["points"]) for line in result.breakdown)
    assert result.score == min(max(total, Decimal(0)), Decimal(100))


@settings(max_examples=200, deadline=None)
@given(facts_strategy(), deduction_facts)
def test_adding_a_deduction_fact_never_raises_the_score(facts, extra):
    before = run(facts).score
    kind, fact = extra
    getattr(facts, kind).append(fact)
    assert run(facts).score <= before


@settings(max_examples=100, deadline=None)
@given(facts_strategy())
def test_identical_facts_give_identical_scores(facts):
    shuffled = Facts(**{name: list(reversed(value)) if isinstance(value, list) else value
                        for name, value in vars(facts).items()})
    first, again = run(facts), run(shuffled)
    assert (first.score, first.grade, first.breakdown) == (again.score, again.grade, again.breakdown)


def test_insurance_before_the_home_was_known_to_the_system_is_not_a_gap():
    """A county going live imports its homes today: their earlier cover is unknown, not missing."""
    assert points(run(covered(policies=[], known_since=days_ago(20))), "uninsured_days") == 0
    assert points(run(covered(policies=[], known_since=days_ago(95))), "uninsured_days") == Decimal("-3.00")
