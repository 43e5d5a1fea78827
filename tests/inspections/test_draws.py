"""Double-random draws (双随机、一公开) and the homes due for inspection: the pure draw (reproducible,
fair, within the region, never the same pair twice running), the service, the API and the pages."""

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.choices import Department, Role
from accounts.scoping import region_prefix
from accounts.workdays import add_working_days
from config.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from inspections import draws
from inspections.choices import InspectionStatus, InspectionType
from inspections.draw_selectors import DueReason, due_for_inspection, filing_overdue_through
from inspections.draws import PoolInspector, PoolInstitution, draw
from inspections.models import ChecklistTemplate, DrawAssignment, Inspection, RandomDraw
from institutions.choices import FilingStatus
from tests.conftest import client_for
from tests.factories import InstitutionFactory, make_user, region

CA, FR, HO = Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE, Department.HOUSING
TODAY = date(2026, 6, 1)  # a Monday
JULY = {"period_start": date(2026, 7, 1), "period_end": date(2026, 7, 31)}
DRAWS = "/api/v1/random-draws/"
DUE = "/api/v1/due-inspections/"


# --- the pure draw: no database ---------------------------------------------------------------------


def homes(n=40, codes=("440106", "440104")):
    return [PoolInstitution(i, codes[i % len(codes)], "ABCD"[i % 4]) for i in range(1, n + 1)]


def team_pool():
    """Four inspectors in 天河 (two per department), two in 越秀, two for all 广州."""
    return [
        PoolInspector(101, "440106", CA), PoolInspector(102, "440106", CA),
        PoolInspector(103, "440106", FR), PoolInspector(104, "440106", FR),
        PoolInspector(105, "440104", CA), PoolInspector(106, "440104", FR),
        PoolInspector(107, "440100", CA), PoolInspector(108, "440100", FR),
    ]


def run(seed="seed-1", **overrides):
    kwargs = {"seed": seed, "institutions": homes(), "inspectors": team_pool(), "sample_count": 10,
              "inspectors_per_institution": 2, "departments": [CA, FR], **overrides}
    return draw(**kwargs)


def test_same_seed_and_pools_give_the_same_draw_whatever_the_order_given():
    first = run()
    again = run(institutions=list(reversed(homes())), inspectors=list(reversed(team_pool())))
    assert first == again
    assert len(first.selected) == 10 and len(first.assignments) == 10


def test_another_seed_gives_another_draw():
    assert run("seed-1").selected != run("seed-2").selected


def test_the_algorithm_does_not_drift():
    """A recorded draw must re-run identically for years: this pins the sequence for one seed.
    If it fails, old draws no longer verify — bump draws.ALGORITHM and keep the old path."""
    result = run("2026-Q3 公开摇号", sample_count=4)
    assert result.selected == (8, 21, 36, 37)
    assert result.assignments == {8: (102, 103), 21: (105, 106), 36: (101, 104), 37: (107, 108)}


def test_no_inspector_goes_outside_their_region():
    inspectors = {i.id: i for i in team_pool()}
    for n in range(50):
        result = run(f"region-{n}")
        for home_id, team in result.assignments.items():
            home_region = homes()[home_id - 1].region_code
            for inspector in team:
                assert home_region.startswith(region_prefix(inspectors[inspector].region_code)), (home_id, inspector)


def test_no_inspector_meets_the_same_home_two_draws_running():
    first = run("first", sample_count=40)
    pairs = {(home, inspector) for home, team in first.assignments.items() for inspector in team}
    second = run("second", sample_count=40, previous_pairs=pairs)
    assert second.assignments  # the pool is large enough to staff homes again
    again = {(home, inspector) for home, team in second.assignments.items() for inspector in team}
    assert not pairs & again


def test_every_department_taking_part_sends_someone_when_it_can():
    result = run(sample_count=40, departments=[CA, FR])
    by_id = {i.id: i for i in team_pool()}
    for team in result.assignments.values():
        assert {by_id[i].department for i in team} == {CA, FR}
    assert result.uncovered == {}


def test_a_department_nobody_covers_is_reported_not_hidden():
    result = run(sample_count=5, departments=[CA, HO], inspectors_per_institution=2)
    assert len(result.assignments) == 5
    assert set(result.uncovered) == set(result.assignments)
    assert all(missing == (HO,) for missing in result.uncovered.values())


def test_homes_nobody_may_visit_are_listed_as_unstaffed():
    far = [PoolInstitution(900, "610902"), PoolInstitution(901, "610902")]
    result = run(institutions=homes(4) + far, sample_count=6)
    assert result.unstaffed == (900, 901)
    assert set(result.assignments) == {1, 2, 3, 4}
    assert set(result.selected) == {1, 2, 3, 4, 900, 901}


def test_load_is_balanced():
    """Everyone eligible everywhere: the busiest inspector has at most one visit more than the idlest."""
    pool = [PoolInspector(200 + n, "440100", CA if n % 2 else FR) for n in range(6)]
    for seed in ("a", "b", "c"):
        result = run(seed, inspectors=pool, sample_count=40)
        load = Counter(i for team in result.assignments.values() for i in team)
        assert sum(load.values()) == 80
        assert max(load.values()) - min(load.values()) <= 1, load


RUNS = 2000
TOLERANCE = 0.04  # over 4.5 standard deviations of a frequency at p = 0.2 over 2,000 runs


def test_a_fixed_number_of_homes_gives_every_home_the_same_chance():
    pool = homes(30)
    seen = Counter()
    for n in range(RUNS):
        result = draw(seed=f"fair-{n}", institutions=pool, inspectors=[], sample_count=6,
                      inspectors_per_institution=2, departments=[CA])
        assert len(result.selected) == 6
        seen.update(result.selected)
    for home in pool:
        assert abs(seen[home.id] / RUNS - 0.2) < TOLERANCE, (home.id, seen[home.id])


def test_grade_rates_give_each_home_its_grades_chance_with_stable_counts():
    rates = {"A": Decimal("0.05"), "B": Decimal("0.10"), "C": Decimal("0.25"), "D": Decimal("0.40"),
             "": Decimal("0.10"), "blacklisted": Decimal("1")}
    pool = [PoolInstitution(i, "440106", "ABCD"[i % 4], is_blacklisted=i % 10 == 0) for i in range(1, 41)]
    expected = {h.id: rates[h.risk_class] for h in pool}
    per_class = Counter(h.risk_class for h in pool)
    seen = Counter()
    for n in range(RUNS):
        result = draw(seed=f"grades-{n}", institutions=pool, inspectors=[], rates_by_grade=rates,
                      inspectors_per_institution=2, departments=[CA])
        drawn = Counter(expected_class for expected_class in (pool[i - 1].risk_class for i in result.selected))
        for grade, count in per_class.items():
            assert abs(drawn[grade] - count * float(rates[grade])) < 1, (grade, drawn[grade])
        seen.update(result.selected)
    for home in pool:
        assert abs(seen[home.id] / RUNS - float(expected[home.id])) < TOLERANCE, (home, seen[home.id])
    assert all(seen[h.id] == RUNS for h in pool if h.is_blacklisted)  # the blacklisted: every time


def test_a_flat_rate_draws_within_one_of_the_expected_count():
    pool = homes(37)
    seen, total = Counter(), 0
    for n in range(RUNS):
        result = draw(seed=f"rate-{n}", institutions=pool, inspectors=[], rate=Decimal("0.2"),
                      inspectors_per_institution=2, departments=[CA])
        assert len(result.selected) in (7, 8)  # 37 × 0.2 = 7.4
        seen.update(result.selected)
        total += len(result.selected)
    assert abs(total / RUNS - 7.4) < 0.05  # 8 homes four times in ten: on average exactly the rate
    for home in pool:
        assert abs(seen[home.id] / RUNS - 0.2) < TOLERANCE


def test_exactly_one_way_of_sampling():
    with pytest.raises(ValueError):
        run(rate=Decimal("0.2"))  # and sample_count=10


# --- the service ------------------------------------------------------------------------------------


@pytest.fixture
def dw(iw):
    """iw plus enough inspectors in 广州 for teams of two departments, and a few more homes."""
    iw.homes = [iw.home, iw.other_home] + InstitutionFactory.create_batch(4, region=region("440106"))
    iw.yuexiu_home = InstitutionFactory(region=region("440104"), name="越秀颐养院")
    iw.closed_home = InstitutionFactory(region=region("440106"), is_active=False, name="已注销养老院")
    iw.inspectors = [iw.inspector, iw.inspector2] + [
        make_user(Role.INSPECTOR, region_code="440106", department=department)
        for department in (CA, CA, FR, FR)
    ]
    iw.yuexiu_inspector = make_user(Role.INSPECTOR, region_code="440104", department=CA)
    iw.housing_inspector = make_user(Role.INSPECTOR, region_code="440106", department=HO)
    iw.insurer = make_user(Role.INSURER)
    return iw


def joint_safety():
    return ChecklistTemplate.objects.filter(code="joint-safety", region__isnull=True, status="published").latest("version")


def new_draw(w, actor=None, **overrides):
    kwargs = {"region_code": "440106", **JULY, "rate": Decimal("1"), "departments": [CA, FR], "seed": "fixed",
              "today": TODAY, **overrides}
    return draws.create_draw(actor=actor or w.regulator, **kwargs)


def test_a_draw_records_seed_pools_and_plans_an_inspection_per_staffed_home(dw):
    record = new_draw(dw)
    assert record.number == f"SJ2026-{record.pk:06d}"
    assert record.seed == "fixed"
    assert record.institution_pool == sorted(h.pk for h in dw.homes)  # active homes of 天河 only
    # 天河 and 广州 inspectors of the two departments: not 越秀, not housing, not 安康.
    assert record.inspector_pool == sorted(u.pk for u in dw.inspectors)
    assert record.parameters["departments"] == [CA, FR]
    inspections = list(record.inspections.prefetch_related("inspectors"))
    assert {i.institution_id for i in inspections} == {h.pk for h in dw.homes}
    teams = {(a.institution_id, a.inspector_id) for a in DrawAssignment.objects.filter(draw=record)}
    for inspection in inspections:
        assert inspection.type == InspectionType.ROUTINE and inspection.status == InspectionStatus.PLANNED
        assert inspection.checklist == joint_safety() and inspection.departments == [CA, FR]
        assert JULY["period_start"] <= inspection.scheduled_for <= JULY["period_end"]
        assert inspection.scheduled_for.weekday() < 5
        members = {u.pk for u in inspection.inspectors.all()}
        assert len(members) == 2 and {(inspection.institution_id, m) for m in members} <= teams
        assert {u.department for u in inspection.inspectors.all()} == {CA, FR}
    assert len({i.scheduled_for for i in inspections}) > 1  # spread over the month


def test_reproduce_gives_what_was_recorded_and_verify_catches_tampering(dw):
    record = new_draw(dw)
    stored = RandomDraw.objects.prefetch_related("assignments").get(pk=record.pk)
    assert draws.reproduce(stored) == draws.recorded_result(stored)
    assert draws.verify_draw(stored).matches
    # Someone swaps an inspector in the record after the fact.
    row = DrawAssignment.objects.filter(draw=record).first()
    outsider = next(u for u in dw.inspectors if not DrawAssignment.objects.filter(
        draw=record, institution_id=row.institution_id, inspector=u).exists())
    DrawAssignment.objects.filter(pk=row.pk).update(inspector=outsider)
    check = draws.verify_draw(RandomDraw.objects.prefetch_related("assignments").get(pk=record.pk))
    assert not check.matches
    assert str(row.institution_id) in " ".join(check.differences)


def test_a_record_that_cannot_be_re_run_says_so(dw):
    odd = RandomDraw.objects.create(region=region("440106"), **JULY, seed="hand-made", number="SJ2026-HAND")
    check = draws.verify_draw(odd)
    assert not check.matches and check.differences


def test_grades_seen_at_draw_time_are_what_a_later_check_uses(dw):
    record = new_draw(dw, rate=None, use_grade_rates=True, seed="grades")
    for home in dw.homes:  # credit/ recomputes grades afterwards
        home.credit_grade, home.is_blacklisted = "A", False
        home.save()
    assert draws.verify_draw(RandomDraw.objects.prefetch_related("assignments").get(pk=record.pk)).matches


def test_the_next_draw_of_the_region_sends_other_inspectors(dw):
    first = new_draw(dw, seed="one")
    second = new_draw(dw, seed="two")
    before = set(DrawAssignment.objects.filter(draw=first).values_list("institution_id", "inspector_id"))
    after = set(DrawAssignment.objects.filter(draw=second).values_list("institution_id", "inspector_id"))
    assert after and not before & after
    assert second.parameters["previous_draw"] == first.pk


def test_blacklisted_homes_are_always_drawn_with_grade_rates(dw):
    target = dw.homes[3]
    target.is_blacklisted = True
    target.save()
    for seed in ("g1", "g2", "g3"):
        record = new_draw(dw, rate=None, use_grade_rates=True, seed=seed)
        assert target.pk in record.parameters["result"]["selected"]


def test_grade_rates_come_from_settings(dw, settings):
    settings.INSPECTIONS = {"draw_rates_by_grade": {"": "0"}}
    assert draws.default_rates_by_grade()["A"] == Decimal("0.05")  # the defaults stay for the rest
    record = new_draw(dw, rate=None, use_grade_rates=True)  # every home here is unrated
    assert record.parameters["rates_by_grade"][""] == "0"
    assert record.parameters["result"]["selected"] == []


def test_unstaffable_homes_are_reported_and_get_no_inspection(dw):
    # Teams of three civil-affairs inspectors: 天河 homes have three who may go (two of 天河, 王检查 of
    # the city), 越秀 only two (its own and 王检查).
    record = new_draw(dw, region_code="440100", departments=[CA], inspectors_per_institution=3, seed="three")
    assert record.parameters["result"]["unstaffed"] == [dw.yuexiu_home.pk]
    assert dw.yuexiu_home.pk in record.parameters["result"]["selected"]
    assert not record.inspections.filter(institution=dw.yuexiu_home).exists()
    assert record.inspections.count() == len(dw.homes)


@pytest.mark.parametrize("overrides, field", [
    ({"sample_count": 3}, "sample_count"),  # with rate=1 as well
    ({"rate": Decimal("1.5")}, "rate"),
    ({"rate": Decimal("0")}, "rate"),
    ({"period_end": date(2026, 6, 30)}, "period_end"),
    ({"period_end": date(2027, 7, 2)}, "period_end"),
    ({"period_start": date(2029, 7, 1), "period_end": date(2029, 7, 31)}, "period_start"),
    ({"departments": ["police"]}, "departments"),
    ({"departments": []}, "departments"),
    ({"inspectors_per_institution": 1}, "inspectors_per_institution"),
    ({"departments": [CA, FR, HO], "inspectors_per_institution": 2}, "inspectors_per_institution"),
    ({"region_code": "610902"}, "region"),
    ({"region_code": "999999"}, "region"),
    ({"scheduled_for": date(2026, 8, 3)}, "scheduled_for"),
    ({"seed": "x" * 65}, "seed"),
    ({"checklist_id": 999999}, "checklist"),
    ({"rates_by_grade": {"A": "0.5"}}, "rates_by_grade"),  # without use_grade_rates
])
def test_bad_input_is_refused_on_its_field(dw, overrides, field):
    with pytest.raises(ValidationFailed) as refused:
        new_draw(dw, **overrides)
    assert field in refused.value.fields
    assert not RandomDraw.objects.exists() and not Inspection.objects.exists()


def test_a_period_before_the_notice_can_be_given_is_refused(dw):
    with pytest.raises(ValidationFailed) as refused:
        new_draw(dw, period_start=date(2026, 6, 1), period_end=date(2026, 6, 3))
    assert "2026-06-04" in str(refused.value.fields["period_end"][0])


def test_only_regulators_and_administrators_draw(dw):
    for who in (dw.inspector, dw.institution, dw.insurer):
        with pytest.raises(NotAllowed):
            new_draw(dw, actor=who)
    assert new_draw(dw, actor=dw.admin).created_by == dw.admin


def test_publishing_waits_for_every_inspection(dw):
    record = new_draw(dw, sample_count=2, rate=None)
    with pytest.raises(Conflict):
        draws.publish_draw(actor=dw.regulator, draw_id=record.pk)
    with pytest.raises(NotFound):
        draws.publish_draw(actor=dw.far_regulator, draw_id=record.pk)
    with pytest.raises(NotAllowed):
        draws.publish_draw(actor=dw.inspector, draw_id=record.pk)
    first, second = record.inspections.all()
    Inspection.objects.filter(pk=first.pk).update(status=InspectionStatus.CLOSED)
    Inspection.objects.filter(pk=second.pk).update(status=InspectionStatus.COMPLETED)
    published = draws.publish_draw(actor=dw.regulator, draw_id=record.pk)
    assert published.status == "published" and published.published_at is not None
    with pytest.raises(Conflict):
        draws.publish_draw(actor=dw.regulator, draw_id=record.pk)


# --- due for inspection -----------------------------------------------------------------------------


def started(home, when: datetime, w):
    inspection = w.plan(home)
    Inspection.objects.filter(pk=inspection.pk).update(started_at=when, status=InspectionStatus.IN_PROGRESS)
    return inspection


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=timezone.get_current_timezone())


def build_due(w, today: date):
    """Homes in every situation, dated relative to `today`."""
    w.today = today
    w.done = w.home  # inspected on site this year
    started(w.done, at(date(today.year, 1, 1)), w)
    w.last_year = w.other_home  # last inspected last year, a visit planned
    started(w.last_year, at(date(today.year - 1, 11, 5)), w)
    w.planned = w.plan(w.last_year, scheduled_for=today + timedelta(days=14))
    w.new_filing = InstitutionFactory(region=region("440106"), name="新备案养老院",
                                      filing_status=FilingStatus.FILED, filed_on=today - timedelta(days=7))
    w.late_filing = InstitutionFactory(region=region("440106"), name="逾期未查养老院",
                                       filing_status=FilingStatus.FILED, filed_on=today - timedelta(days=61))
    w.checked_filing = InstitutionFactory(region=region("440106"), name="已查备案养老院",
                                          filing_status=FilingStatus.FILED, filed_on=today - timedelta(days=61))
    started(w.checked_filing, at(max(today - timedelta(days=30), date(today.year, 1, 1))), w)
    w.gone = InstitutionFactory(region=region("440106"), is_active=False)
    return w


@pytest.fixture
def due_world(iw):
    return build_due(iw, TODAY)


@pytest.fixture
def due_now(iw):
    return build_due(iw, timezone.localdate())


def test_due_reasons(due_world):
    w = due_world
    due = {home.pk: home for home in due_for_inspection(w.regulator, today=TODAY)}
    assert set(due) == {w.last_year.pk, w.new_filing.pk, w.late_filing.pk}  # 安康 is outside, the rest checked
    assert due[w.late_filing.pk].reason == DueReason.FILING_OVERDUE
    assert due[w.new_filing.pk].reason == DueReason.NEW_FILING
    assert due[w.last_year.pk].reason == DueReason.NOT_THIS_YEAR
    assert timezone.localdate(due[w.last_year.pk].last_inspected) == date(2025, 11, 5)
    assert due[w.last_year.pk].next_scheduled == date(2026, 6, 15)
    assert due[w.late_filing.pk].filed_on == date(2026, 4, 1)
    assert due[w.new_filing.pk].last_inspected is None
    ordered = [home.pk for home in due_for_inspection(w.regulator, today=TODAY)]
    assert ordered == [w.late_filing.pk, w.new_filing.pk, w.last_year.pk]  # most urgent first
    assert {h.pk for h in due_for_inspection(w.far_regulator, today=TODAY)} == {w.far_home.pk}
    assert not due_for_inspection(w.institution, today=TODAY).exists()


@pytest.mark.django_db
def test_a_filing_is_overdue_the_day_after_its_twentieth_working_day():
    # Filed Monday 2026-03-02: its 20th working day is Monday 2026-03-30.
    assert filing_overdue_through(date(2026, 3, 30)) < date(2026, 3, 2)
    assert filing_overdue_through(date(2026, 3, 31)) == date(2026, 3, 2)
    # Around the Labour Day holiday (1–5 May 2026) the holiday table moves the deadline.
    for today in (date(2026, 5, 20), date(2026, 5, 29), date(2026, 6, 2)):
        last = filing_overdue_through(today)
        assert add_working_days(last, 20) < today <= add_working_days(last + timedelta(days=1), 20)


# --- the API ------------------------------------------------------------------------------------------


def body(**overrides):
    start = timezone.localdate() + timedelta(days=30)
    return {"region": "440106", "period_start": start.isoformat(), "period_end": (start + timedelta(days=30)).isoformat(),
            "rate": "1", "departments": [CA, FR], "inspectors_per_institution": 2, **overrides}


def test_create_through_the_api(dw):
    response = client_for(dw.regulator).post(DRAWS, body(seed="api"), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["seed"] == "api" and data["region"] == "440106" and data["status"] == "drawn"
    assert data["parameters"]["mode"] == "rate" and data["parameters"]["rate"] == "1.0000"
    assert "pool" not in data["parameters"]
    assert set(data["period"]) == {"start", "end"}
    assert sorted(data["institutions"]) == sorted(h.pk for h in dw.homes)
    assert {row["institution"] for row in data["assignments"]} == set(data["institutions"])
    assert all(len(row["inspectors"]) == 2 for row in data["assignments"])
    assert data["unstaffed"] == [] and len(data["inspections"]) == len(dw.homes)
    verify = client_for(dw.regulator).get(f"{DRAWS}{data['id']}/verify/").json()
    assert verify["matches"] is True and verify["differences"] == []
    assert verify["reproduced"] == verify["recorded"]


@pytest.mark.parametrize("overrides, field", [
    ({"sample_count": 2}, "sample_count"),
    ({"rate": "1.5"}, "rate"),
    ({"departments": ["police"]}, "departments"),
    ({"departments": []}, "departments"),
    ({"region": "44010"}, "region"),
    ({"region": "610902"}, "region"),
    ({"inspectors_per_institution": 1}, "inspectors_per_institution"),
    ({"rates_by_grade": {"Z": "0.1"}, "use_grade_rates": True, "rate": None}, "rates_by_grade"),
    ({"period_end": "2020-01-01"}, "period_end"),
    ({"period_start": "0001-01-01", "period_end": "9999-12-31"}, "period_end"),
    ({"period_start": "9999-12-01", "period_end": "9999-12-31"}, "period_start"),
])
def test_bad_input_answers_400_with_the_field(dw, overrides, field):
    response = client_for(dw.regulator).post(DRAWS, body(**overrides), format="json")
    assert response.status_code == 400, response.json()
    error = response.json()
    assert error["code"] == "invalid" and error["detail"]
    assert field in error["fields"], error


@pytest.mark.parametrize("who, create, read_own, read_other, publish_own", [
    ("regulator", 201, 200, 404, 409),
    ("admin", 201, 200, 200, 409),
    ("inspector", 403, 200, 404, 403),
    ("institution", 403, 404, 404, 404),
    ("insurer", 403, 404, 404, 404),
    ("far_regulator", 400, 404, 200, 404),
])
def test_permissions(dw, who, create, read_own, read_other, publish_own):
    own = new_draw(dw, sample_count=1, rate=None, seed="own")
    other = RandomDraw.objects.create(region=region("610902"), **JULY, seed="other", number="SJ2026-OTHER")
    client = client_for(getattr(dw, who))
    assert client.post(DRAWS, body(), format="json").status_code == create
    assert client.get(f"{DRAWS}{own.pk}/").status_code == read_own
    assert client.get(f"{DRAWS}{own.pk}/verify/").status_code == read_own
    assert client.get(f"{DRAWS}{other.pk}/").status_code == read_other
    assert client.post(f"{DRAWS}{own.pk}/publish/").status_code == publish_own


def test_lists_are_scoped_and_filtered(dw):
    new_draw(dw, sample_count=1, rate=None)
    RandomDraw.objects.create(region=region("610902"), **JULY, seed="other", number="SJ2026-OTHER")
    assert client_for(dw.regulator).get(DRAWS).json()["count"] == 1
    assert client_for(dw.far_regulator).get(DRAWS).json()["count"] == 1
    assert client_for(dw.institution).get(DRAWS).json()["count"] == 0
    assert client_for(dw.admin).get(DRAWS).json()["count"] == 2
    assert client_for(dw.admin).get(DRAWS, {"region": "610000"}).json()["count"] == 1
    assert client_for(dw.admin).get(DRAWS, {"region": "6109"}).status_code == 400
    assert [d["number"] for d in client_for(dw.admin).get(DRAWS, {"q": "other"}).json()["results"]] == ["SJ2026-OTHER"]


def test_create_is_idempotent(dw):
    client = client_for(dw.regulator)
    first = client.post(DRAWS, body(), format="json", HTTP_IDEMPOTENCY_KEY="draw-7")
    second = client.post(DRAWS, body(), format="json", HTTP_IDEMPOTENCY_KEY="draw-7")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"] and first.json()["seed"] == second.json()["seed"]
    assert second["Idempotent-Replayed"] == "true"
    assert RandomDraw.objects.count() == 1 and Inspection.objects.count() == len(dw.homes)


def test_publish_through_the_api(dw):
    record = new_draw(dw, sample_count=1, rate=None)
    client = client_for(dw.regulator)
    refused = client.post(f"{DRAWS}{record.pk}/publish/")
    assert refused.status_code == 409 and refused.json()["code"] == "inspections_pending"
    record.inspections.update(status=InspectionStatus.CLOSED)
    published = client.post(f"{DRAWS}{record.pk}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert published.json()["published_at"]


def test_due_inspections_api(due_now):
    w = due_now
    response = client_for(w.regulator).get(DUE)
    assert response.status_code == 200
    rows = {row["institution"]: row for row in response.json()["results"]}
    assert set(rows) >= {w.last_year.pk, w.new_filing.pk, w.late_filing.pk}
    assert w.done.pk not in rows and w.checked_filing.pk not in rows
    assert rows[w.last_year.pk]["last_inspected"] == f"{w.today.year - 1}-11-05"
    assert rows[w.late_filing.pk]["reason"] == "filing_overdue"
    with translation.override("zh-hans"):
        assert rows[w.late_filing.pk]["reason_display"] == str(DueReason.FILING_OVERDUE.label)
    overdue = client_for(w.regulator).get(DUE, {"reason": "filing_overdue"}).json()
    assert [row["institution"] for row in overdue["results"]] == [w.late_filing.pk]
    assert client_for(w.regulator).get(DUE, {"reason": "soon"}).status_code == 400
    for user in (w.institution, make_user(Role.INSURER)):
        assert client_for(user).get(DUE).status_code == 403


def list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_queries_do_not_grow_with_rows(dw, django_assert_max_num_queries):
    client = client_for(dw.regulator)
    new_draw(dw, seed="a")
    few = list_queries(client, DRAWS)
    for seed in ("b", "c", "d"):
        new_draw(dw, seed=seed)
    assert list_queries(client, DRAWS) == few
    with django_assert_max_num_queries(few):
        client.get(f"{DRAWS}?page_size=500")
    due = list_queries(client, DUE)
    InstitutionFactory.create_batch(20, region=region("440106"), filing_status=FilingStatus.FILED,
                                    filed_on=date(2026, 1, 5))
    with django_assert_max_num_queries(due):
        client.get(DUE)


# --- the pages ----------------------------------------------------------------------------------------


@pytest.fixture
def pages(client):
    def signed_in(user):
        client.force_login(user)
        return client

    return signed_in


def test_a_regulator_draws_through_the_form_and_sees_the_teams(dw, pages):
    page = pages(dw.regulator)
    form = page.get("/random-draws/new/")
    assert form.status_code == 200
    assert 'id="grade-rates"' in form.content.decode() and "40 %" in form.content.decode()  # grade D's rate
    start = timezone.localdate() + timedelta(days=30)
    response = page.post("/random-draws/new/", {
        "region": "440106", "period_start": start.isoformat(), "period_end": (start + timedelta(days=20)).isoformat(),
        "mode": "rate", "rate": "100", "inspectors_per_institution": "2", "departments": [CA, FR], "seed": "页面",
    })
    assert response.status_code == 302, response.context["form"].errors
    record = RandomDraw.objects.get()
    assert record.seed == "页面" and record.parameters["rate"] == "1"
    detail = page.get(response["Location"]).content.decode()
    assert record.number in detail and 'id="teams"' in detail
    for home in dw.homes:
        assert home.name in detail
    verified = page.get(f"/random-draws/{record.pk}/verify/").content.decode()
    assert 'data-matches="true"' in verified


def test_the_form_shows_the_services_refusal_on_the_field(dw, pages):
    page = pages(dw.regulator)
    start = timezone.localdate() + timedelta(days=30)
    response = page.post("/random-draws/new/", {
        "region": "440106", "period_start": start.isoformat(), "period_end": (start + timedelta(days=20)).isoformat(),
        "mode": "count", "sample_count": "", "inspectors_per_institution": "2", "departments": [CA, FR, HO],
    })
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "sample_count" in errors
    response = page.post("/random-draws/new/", {
        "region": "440106", "period_start": start.isoformat(), "period_end": (start + timedelta(days=20)).isoformat(),
        "mode": "count", "sample_count": "2", "inspectors_per_institution": "2", "departments": [CA, FR, HO],
    })
    assert "inspectors_per_institution" in response.context["form"].errors
    assert not RandomDraw.objects.exists()


def test_unstaffed_homes_are_warned_about_on_the_page(dw, pages):
    record = new_draw(dw, region_code="440100", departments=[CA], inspectors_per_institution=3, seed="three")
    html = pages(dw.regulator).get(f"/random-draws/{record.pk}/").content.decode()
    assert 'id="unstaffed"' in html and dw.yuexiu_home.name in html


def test_publishing_from_the_page(dw, pages):
    record = new_draw(dw, sample_count=1, rate=None)
    page = pages(dw.regulator)
    page.post(f"/random-draws/{record.pk}/publish/")
    assert RandomDraw.objects.get(pk=record.pk).status == "drawn"
    record.inspections.update(status=InspectionStatus.COMPLETED)
    follow = page.post(f"/random-draws/{record.pk}/publish/", follow=True)
    assert RandomDraw.objects.get(pk=record.pk).status == "published"
    assert 'data-status="published"' in follow.content.decode()
    assert pages(dw.inspector).post(f"/random-draws/{record.pk}/publish/").status_code == 403
    assert pages(dw.far_regulator).get(f"/random-draws/{record.pk}/").status_code == 404


def test_page_permissions(dw, pages):
    assert pages(dw.inspector).get("/random-draws/new/").status_code == 403
    assert pages(dw.institution).get("/random-draws/").status_code == 403
    assert pages(dw.institution).get("/due-inspections/").status_code == 403
    assert pages(dw.inspector).get("/due-inspections/").status_code == 200


def test_due_page_and_its_csv(due_now, pages):
    page = pages(due_now.regulator)
    html = page.get("/due-inspections/").content.decode()
    for home in (due_now.late_filing, due_now.new_filing, due_now.last_year):
        assert home.name in html
    assert due_now.done.name not in html and due_now.checked_filing.name not in html
    export = page.get("/due-inspections/export/", {"reason": "filing_overdue"})
    text = export.content.decode("utf-8")
    assert text.startswith("\ufeff") and "逾期未查养老院" in text and "新备案养老院" not in text
    assert export["Content-Type"].startswith("text/csv")


def test_due_page_empty_state(iw, pages):
    started(iw.home, timezone.now(), iw)
    started(iw.other_home, timezone.now(), iw)
    html = pages(iw.regulator).get("/due-inspections/").content.decode()
    assert 'id="empty"' in html


def test_page_queries_do_not_grow_with_rows(dw, pages, django_assert_max_num_queries):
    page = pages(dw.regulator)
    first = new_draw(dw, seed="a")
    counts = {url: list_queries(page, url) for url in ("/random-draws/", "/due-inspections/",
                                                        f"/random-draws/{first.pk}/")}
    for seed in ("b", "c"):
        new_draw(dw, seed=seed)
    InstitutionFactory.create_batch(10, region=region("440106"))
    bigger = new_draw(dw, seed="d")
    for url, count in counts.items():
        with django_assert_max_num_queries(count):
            page.get(url.replace(str(first.pk), str(bigger.pk)))


def test_a_local_checklist_serves_its_region_and_below(dw):
    mine = ChecklistTemplate.objects.create(code="gz-local", version=1, name="广州本地检查表", region=region("440100"),
                                            status="published", published_at=timezone.now())
    theirs = ChecklistTemplate.objects.create(code="ak-local", version=1, name="安康本地检查表", region=region("610900"),
                                              status="published", published_at=timezone.now())
    record = new_draw(dw, sample_count=1, rate=None, checklist_id=mine.pk)
    assert record.inspections.get().checklist == mine
    with pytest.raises(ValidationFailed) as refused:
        new_draw(dw, sample_count=1, rate=None, checklist_id=theirs.pk, seed="other")
    assert "checklist" in refused.value.fields
