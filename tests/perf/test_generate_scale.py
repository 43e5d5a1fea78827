"""`manage.py generate_scale`: a small run must hold what the benchmarks rely on — counts in range,
an inspection of every home every year with its answers, claims whose status is their last event's,
policies the model accepts, a credit score for every home — and the same seed the same data."""

import io
from collections import Counter
from datetime import date, timedelta
from random import Random

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from credit.models import BlacklistCase, Complaint, CreditScore
from inspections import rules
from inspections.models import ChecklistItem, Finding, Inspection, InspectionResult, Penalty
from inspections.services import refresh_finding_counts, refresh_hazard_counts
from institutions.models import Institution, Person, Practitioner
from institutions.regions import load_regions
from institutions.scale import MEAN_BEDS, sample_beds
from insurance.models import Claim, ClaimEvent, Incident, Insurer, Policy
from insurance.services import refresh_insured

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
HOMES, YEARS = 40, 2
DONE = ("completed", "closed")


def generate(seed: int = 7) -> str:
    out = io.StringIO()
    call_command("generate_scale", institutions=HOMES, years=YEARS, seed=seed, today=TODAY, no_progress=True,
                 stdout=out)
    return out.getvalue()


@pytest.fixture
def regions():
    load_regions()


@pytest.fixture
def output(regions):
    return generate()


def test_counts_are_in_the_expected_ranges(output):
    assert Institution.objects.count() == HOMES
    assert HOMES * 3 <= Practitioner.objects.count() == Person.objects.count() <= HOMES * 80
    per_home_year = Policy.objects.exclude(status="draft").count() / (HOMES * YEARS)
    assert 0.8 <= per_home_year <= 1.6
    assert Insurer.objects.count() == 10
    beds = sum(Institution.objects.values_list("beds_total", flat=True))
    incidents = Incident.objects.count()
    assert 0.5 <= incidents / (beds / 100 * YEARS) <= 6  # a few per hundred beds a year
    assert 0 < Claim.objects.count() <= incidents
    assert Finding.objects.exists() and Penalty.objects.exists() and Complaint.objects.exists()
    assert Finding.objects.filter(is_major_hazard=True).count() < Finding.objects.count() / 3
    # The insured flags written by the generator are the ones the daily job would write.
    assert Institution.objects.filter(insured=True).exists()
    assert refresh_insured(today=TODAY) == 0
    assert refresh_hazard_counts(today=TODAY) == 0
    # The generator writes the counters the services keep (the list shows them): a refresh changes nothing.
    assert Inspection.objects.filter(findings_open__gt=0).exists() and Inspection.objects.filter(major_hazards__gt=0).exists()
    assert refresh_finding_counts() == 0
    assert "rows" in output and "Institution" in output


def test_every_home_is_inspected_every_year_with_answers_to_every_item(output):
    start = TODAY - timedelta(days=365 * YEARS)
    items = Counter(ChecklistItem.objects.filter(template__code="joint-safety").values_list("department", flat=True))
    for home in Institution.objects.all():
        for year in range(YEARS):
            first = start + timedelta(days=365 * year)
            assert Inspection.objects.filter(institution=home, status__in=DONE, scheduled_for__gte=first,
                                             scheduled_for__lt=first + timedelta(days=365)).exists(), (home, year)
    answered = Counter(InspectionResult.objects.values_list("inspection_id", flat=True))
    for inspection in Inspection.objects.prefetch_related("inspectors"):
        expected = sum(items[d] for d in inspection.departments)
        assert answered[inspection.pk] == (expected if inspection.status in DONE else 0), inspection.number
        team = list(inspection.inspectors.all())
        assert len(team) >= 2
        assert {u.department for u in team} == set(inspection.departments)
        assert all(u.role == Role.INSPECTOR and u.region_id == inspection.institution.region_id for u in team)
        assert inspection.number == f"JC{inspection.scheduled_for.year}-{inspection.pk:06d}"
        if inspection.status == "closed":  # closed only after every finding was closed or escalated
            for finding in inspection.findings.all():
                assert finding.status in ("closed", "escalated")
                assert (finding.closed_at or finding.escalated_at) < inspection.closed_at


def test_findings_are_graded_and_due_by_the_rules(output):
    for finding in Finding.objects.select_related("inspection")[:60]:
        assert finding.grade == rules.grade_for(finding.severity, finding.scope_of_harm)
        issued = finding.inspection.scheduled_for
        assert finding.deadline == rules.default_deadline(issued, finding.severity)
    statuses = set(Finding.objects.values_list("status", flat=True))
    assert "closed" in statuses


def test_claims_status_is_their_last_events(output):
    last = {}
    for claim_id, to_status in ClaimEvent.objects.order_by("claim_id", "at", "id").values_list("claim_id", "to_status"):
        last[claim_id] = to_status
    claims = list(Claim.objects.select_related("policy"))
    assert len({c.status for c in claims}) >= 4  # spread over statuses
    for claim in claims:
        assert last[claim.pk] == claim.status, claim.number
        assert claim.number == f"CLM-{timezone.localdate(claim.created_at).year}-{claim.pk:07d}"
        assert claim.version == claim.events.count()
        assert claim.insurer_id == claim.policy.insurer_id
        if claim.paid_amount is not None:
            assert claim.paid_amount <= claim.approved_amount
        if claim.paid_at is not None:  # the database's own column, for the statistics
            assert claim.days_to_payment == pytest.approx((claim.paid_at - claim.created_at).total_seconds() / 86400)
    assert len({c.updated_at.date() for c in claims}) > 20  # spread in time, for updated_since polling


def test_every_fact_carries_its_homes_region(output):
    """The generator writes rows without save(): the region the dashboard groups by must still be
    the home's, or a province's figures would be counted under another."""
    for model in (Policy, Claim, Inspection, Finding):
        assert model.objects.exists(), model
        assert not model.objects.exclude(region=F("institution__region")).exists(), model


def test_policies_pass_full_clean_and_funding_adds_up(output):
    for policy in Policy.objects.prefetch_related("funding", "sections")[:80]:
        policy.full_clean()
        assert sum(f.amount for f in policy.funding.all()) == policy.premium
        assert policy.sections.count() == 4
        assert policy.version == policy.events.count()


def test_credit_scores_and_accounts_for_every_role(output):
    homes = set(Institution.objects.values_list("pk", flat=True))
    assert set(CreditScore.objects.filter(is_latest=True).values_list("institution_id", flat=True)) == homes
    assert not Institution.objects.filter(credit_grade="").exists()
    listed = set(BlacklistCase.objects.filter(status="listed").values_list("institution_id", flat=True))
    assert set(Institution.objects.filter(is_blacklisted=True).values_list("pk", flat=True)) == listed
    for role in (Role.REGULATOR, Role.INSPECTOR, Role.INSURER, Role.INSTITUTION):
        user = User.objects.filter(role=role).order_by("pk").first()
        assert user.username in output
        assert user.check_password("careguard-scale")


def test_a_second_run_refuses_a_database_with_institutions(output):
    with pytest.raises(CommandError, match="already holds 40 institutions"):
        generate()
    assert Institution.objects.count() == HOMES


def _fingerprint(seed: int) -> list:
    with transaction.atomic():
        generate(seed)
        data = [
            list(Institution.objects.order_by("pk").values_list("pk", "uscc", "region_id", "beds_total")),
            list(Policy.objects.order_by("pk").values_list("number", "start_date", "premium", "status")),
            list(Claim.objects.order_by("pk").values_list("number", "status", "claimed_amount", "updated_at")),
            list(Finding.objects.order_by("pk").values_list("grade", "deadline", "status")),
            list(CreditScore.objects.order_by("institution_id").values_list("institution_id", "score")),
        ]
        transaction.set_rollback(True)
    return data


def test_the_same_seed_gives_the_same_data(regions):
    first = _fingerprint(3)
    assert first == _fingerprint(3)
    assert first[0] != _fingerprint(4)[0]


def test_beds_have_a_long_tail_around_127():
    rng = Random(1)
    beds = [sample_beds(rng) for _ in range(20000)]
    assert abs(sum(beds) / len(beds) - MEAN_BEDS) < 5
    assert min(beds) >= 10 and max(beds) <= 2000
    assert sum(b > 300 for b in beds) / len(beds) > 0.03  # a long tail of big homes
    assert sorted(beds)[len(beds) // 2] < MEAN_BEDS  # median below the mean


def test_every_benchmark_case_runs_on_a_small_dataset(output, settings):
    """CI does not run `make bench`; its cases must still run against the code as it is now (each
    once, untimed; the 40,000-row import is left out for its length)."""
    from tests.perf.bench import Bench

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    cases = [case for case in Bench(None).cases() if case.name != "institution_import_40000_rows"]
    assert len(cases) == 12
    for case in cases:
        case.run()
        if case.floor:
            case.floor()
