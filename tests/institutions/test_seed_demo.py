"""`manage.py seed_demo`: the demo data a newcomer, a test and a screenshot all see."""

import io
from collections import Counter
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from stdnum.cn import ric, uscc

from accounts.choices import Department, Role
from accounts.demo import DEMO_PASSWORD, DEMO_URL
from accounts.models import User
from institutions import demo
from institutions.choices import EquipmentKind, FilingStatus, InstitutionType, PractitionerRole
from institutions.models import Institution, Person, Practitioner, SpecialEquipment
from institutions.selectors import institutions_for
from credit.models import BlacklistCase, Complaint, CreditScore
from inspections.models import Finding, Inspection
from inspections.services import refresh_finding_counts
from inspections.selectors import checklist_items_of
from insurance.models import Insurer, Policy, RatingScheme

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SEEDED_MODELS = [Institution, Person, Practitioner, SpecialEquipment, Insurer, User, RatingScheme, Policy, Inspection,
                 Finding, CreditScore, BlacklistCase, Complaint]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the whole module inside a transaction that is rolled back at its end;
    each test runs in a savepoint inside it. Returns what the command printed."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        with transaction.atomic():
            out = io.StringIO()
            call_command("seed_demo", stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)


@pytest.fixture
def seeded_db(seeded, db):
    return seeded


def snapshot() -> dict:
    return {
        model.__name__: sorted(map(repr, model.objects.order_by("pk").values_list()))
        for model in SEEDED_MODELS
    } | {"log": list(LogEntry.objects.order_by("pk").values_list("pk", flat=True))}


def test_creates_about_sixty_institutions_in_both_provinces(seeded_db):
    institutions = list(Institution.objects.select_related("region"))
    assert len(institutions) == len(demo.INSTITUTIONS) == 60
    by_city = Counter(i.region.parent.name for i in institutions)
    assert by_city["广州市"] >= 20 and by_city["安康市"] >= 20
    assert by_city["深圳市"] > 0 and by_city["佛山市"] > 0
    # Every county of 安康 has at least one home.
    ankang_counties = {"610902", "610921", "610922", "610923", "610924", "610925", "610926", "610927", "610929",
                       "610981"}
    assert ankang_counties <= {i.region_id for i in institutions}

    types = Counter(i.type for i in institutions)
    assert set(types) == set(InstitutionType.values)
    common = types[InstitutionType.NURSING_HOME] + types[InstitutionType.RURAL_HOME] + types[InstitutionType.DAY_CARE]
    assert common > len(institutions) / 2
    assert len({i.nature for i in institutions}) == 2
    assert len({i.operation_model for i in institutions}) == 4


def test_every_record_passes_model_validation_and_identifiers_are_valid(seeded_db):
    for model in (Institution, Person, Practitioner, SpecialEquipment, Insurer):
        for obj in model.objects.all():
            obj.full_clean()  # raises on the first invalid field
    for institution in Institution.objects.select_related("region"):
        assert uscc.is_valid(institution.uscc)
        # GB 32100 carries the registering authority's division: the county's, or its city's.
        assert institution.uscc[2:8] in (institution.region_id, institution.region.parent_id)
        # 12… public institution (公办公营), 52… social organisation, 91… company (for profit).
        kind = institution.uscc[:2]
        assert kind in ("12", "52", "91")
        assert (kind == "12") == (institution.operation_model == "public"), institution.name
        assert (kind == "91") == (institution.nature == "for_profit"), institution.name
    for person in Person.objects.prefetch_related("jobs"):
        assert ric.is_valid(person.id_number), person.id_number
        born = ric.get_birth_date(person.id_number)
        assert born.year >= 1955, person.name
        for job in person.jobs.all():  # an adult when hired
            assert (job.started_on - born).days >= 18 * 365, (person.name, job.started_on)
    assert all(uscc.is_valid(i.uscc) for i in Insurer.objects.all())


def test_sizes_filing_levels_and_licences_look_like_a_real_registry(seeded_db):
    institutions = list(Institution.objects.all())
    beds = [i.beds_total for i in institutions]
    assert min(beds) >= 10 and 500 <= max(beds) <= 600
    assert 100 <= sum(beds) / len(beds) <= 140
    for i in institutions:
        assert 0.3 <= i.beds_nursing / i.beds_total <= 0.7, i.name
        assert i.residents <= i.beds_in_use <= i.beds_total, i.name
        assert i.contact_person and i.contact_phone and i.address
        if i.filing_status == FilingStatus.FILED:
            assert i.residents_since <= i.filed_on
        if i.level:
            assert i.level_rated_on and i.residents_since < i.level_rated_on
    unfiled = [i for i in institutions if i.filing_status == FilingStatus.NOT_FILED]
    assert 3 <= len(unfiled) <= 12
    levels = Counter(i.level for i in institutions if i.level)
    assert set(levels) == {1, 2, 3, 4, 5}
    assert any(i.medical_licence == "licence" for i in institutions)
    assert any(i.canteen_licence_no for i in institutions)


def test_each_institution_has_its_key_staff(seeded_db):
    current = Practitioner.objects.filter(ended_on__isnull=True)
    for institution in Institution.objects.all():
        roles = Counter(current.filter(institution=institution).values_list("role", flat=True))
        for role in (PractitionerRole.LEGAL_REPRESENTATIVE, PractitionerRole.PRINCIPAL,
                     PractitionerRole.SAFETY_OFFICER):
            assert roles[role] == 1, (institution.name, role)
        assert roles[PractitionerRole.CAREGIVER] >= 1, institution.name
        principal = current.get(institution=institution, role=PractitionerRole.PRINCIPAL)
        assert institution.contact_person == principal.person.name


def test_two_people_moved_between_institutions(seeded_db):
    movers = [p for p in Person.objects.prefetch_related("jobs") if len({j.institution_id for j in p.jobs.all()}) > 1]
    assert {p.name for p in movers} == {m.name for m in demo.MOVES}
    for person in movers:
        ended, current = sorted(person.jobs.all(), key=lambda j: j.started_on)
        assert ended.ended_on and ended.ended_on < current.started_on and current.ended_on is None


def test_larger_homes_have_elevators_and_exactly_one_inspection_has_expired(seeded_db):
    today = timezone.localdate()
    elevators = SpecialEquipment.objects.filter(kind=EquipmentKind.ELEVATOR).select_related("institution")
    assert elevators.count() >= 10
    assert all(e.institution.beds_total >= 150 for e in elevators)
    expired = SpecialEquipment.objects.filter(valid_until__lt=today)
    assert [e.institution.name for e in expired] == ["广州市越秀区老人院"]
    assert SpecialEquipment.objects.filter(valid_until__range=(today, today + timedelta(days=30))).count() == 1


EXPECTED_ACCOUNTS = {
    "admin": (Role.ADMIN, {}),
    "gd_regulator": (Role.REGULATOR, {"region_id": "440000"}),
    "gz_regulator": (Role.REGULATOR, {"region_id": "440100"}),
    "ak_regulator": (Role.REGULATOR, {"region_id": "610900"}),
    "ak_inspector": (Role.INSPECTOR, {"region_id": "610900", "department": Department.CIVIL_AFFAIRS}),
    "gz_fire_inspector": (Role.INSPECTOR, {"region_id": "440106", "department": Department.FIRE_RESCUE}),
    "gz_home": (Role.INSTITUTION, {"institution__name": "广州市天河区康乐颐养院"}),
    "ak_home": (Role.INSTITUTION, {"institution__name": "汉滨区中心敬老院"}),
    "insurer_picc": (Role.INSURER, {"insurer__code": "picc-gd"}),
    "insurer_cpic": (Role.INSURER, {"insurer__code": "cpic-sx"}),
}


def test_one_account_per_role_with_its_scope_and_the_demo_password(seeded_db):
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    for username, (role, scope) in EXPECTED_ACCOUNTS.items():
        user = User.objects.get(username=username)
        assert user.role == role and user.full_name, username
        assert User.objects.filter(username=username, **scope).exists(), username
        assert check_password(DEMO_PASSWORD, user.password), username
        user.full_clean()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def test_ankang_regulator_sees_only_ankang_institutions(seeded_db):
    ankang = set(Institution.objects.filter(region__code__startswith="6109").values_list("pk", flat=True))
    assert len(ankang) == 25
    seen = set(institutions_for(User.objects.get(username="ak_regulator")).values_list("pk", flat=True))
    assert seen == ankang
    guangzhou = institutions_for(User.objects.get(username="gz_regulator"))
    assert {i.region_id[:4] for i in guangzhou} == {"4401"}
    tianhe = institutions_for(User.objects.get(username="gz_fire_inspector"))
    assert {i.region_id for i in tianhe} == {"440106"}
    home = User.objects.get(username="gz_home")
    assert list(institutions_for(home)) == [home.institution]
    assert institutions_for(User.objects.get(username="gd_regulator")).count() == 35


def test_changes_are_logged_under_the_demo_administrator(seeded_db):
    institution = Institution.objects.get(name="汉滨区中心敬老院")
    entry = LogEntry.objects.get_for_object(institution).get()
    assert entry.actor.username == "admin"


def test_printed_table_names_every_demo_user(seeded_db):
    output = seeded_db
    assert "created" in output and "60 institutions" in output
    assert DEMO_URL in output
    table = output.split("username", 1)[1]
    for account in demo.ACCOUNTS:
        line = next(line for line in table.splitlines() if line.split() and line.split()[0] == account.username)
        assert DEMO_PASSWORD in line
    assert "广州市天河区康乐颐养院" in output and "陕西省 安康市" in output
    assert "中国人民财产保险股份有限公司广东省分公司" in output


def test_second_run_creates_and_changes_nothing(seeded_db):
    before = snapshot()
    out = io.StringIO()
    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        call_command("seed_demo", stdout=out)
    assert snapshot() == before
    assert "nothing new was created" in out.getvalue()
    # The same table as the first run.
    assert out.getvalue().split("username", 1)[1] == seeded_db.split("username", 1)[1]


def test_data_are_deterministic(seeded_db):
    """The same people every time: derived from the tables, not from a random generator."""
    plan = demo.staff_plan()
    assert plan == demo.staff_plan()
    assert {j.id_number for j in plan} == set(Person.objects.values_list("id_number", flat=True))
    assert Practitioner.objects.count() == len(plan)
    # Pinned: a change to the derivation would add a second set of people to existing databases.
    legal = next(j for j in plan if j.institution == "91440106MA4YQEKE60" and j.role == "legal_representative")
    assert (legal.name, legal.id_number) == PINNED_LEGAL_REPRESENTATIVE


PINNED_LEGAL_REPRESENTATIVE = ("钟燕", "440125195804087525")


def test_policies_make_coverage_worth_looking_at(seeded_db):
    from insurance.selectors import coverage_for

    insured = Institution.objects.filter(insured=True)
    assert 25 <= insured.count() <= 50  # most, not all, homes insured
    assert set(Policy.objects.values_list("status", flat=True)) == {"active"}
    for policy in Policy.objects.prefetch_related("funding"):
        assert sum(line.amount for line in policy.funding.all()) == policy.premium
        assert policy.not_charged_declared_at is not None and policy.number
    regulator = User.objects.get(username="gd_regulator")
    coverage = coverage_for(regulator, regulator.region)
    assert 0 < coverage.total.insured_institutions < coverage.total.institutions
    assert sum(coverage.expiring.values()) > 0 and coverage.premium_total > 0


def test_inspections_in_every_state_for_the_demo_inspectors_and_homes(seeded_db):
    assert set(Inspection.objects.values_list("status", flat=True)) == {
        "planned", "notified", "in_progress", "completed", "closed"}
    for inspection in Inspection.objects.filter(status__in=["completed", "closed"]).prefetch_related("results"):
        assert len(inspection.results.all()) == checklist_items_of(inspection).count()
        assert inspection.signatures.filter(kind="representative").count() == 1
        assert inspection.signatures.filter(kind="inspector").count() >= 2
    for username in ("ak_inspector", "gz_inspector"):
        mine = Inspection.objects.filter(inspectors__username=username)
        assert mine.filter(status="in_progress").exists(), username
    assert {"open", "overdue", "submitted", "closed"} <= set(Finding.objects.values_list("status", flat=True))
    for username in ("gz_home", "ak_home"):
        home = User.objects.get(username=username).institution
        assert Finding.objects.filter(institution=home).exclude(status="closed").exists(), username
    for finding in Finding.objects.all():
        finding.full_clean()
    # The inspections count their findings (the list shows "open / total"); the nightly repair finds nothing.
    assert Inspection.objects.filter(findings_total__gt=0).exists()
    assert refresh_finding_counts() == 0


def test_credit_scores_blacklist_and_complaints_for_the_dashboard(seeded_db):
    assert CreditScore.objects.filter(is_latest=True).count() == Institution.objects.filter(is_active=True).count()
    assert not Institution.objects.filter(is_active=True, credit_grade="").exists()
    listed = BlacklistCase.objects.get(status="listed")
    assert listed.institution.is_blacklisted and listed.expected_exit_date > listed.listed_at
    assert BlacklistCase.objects.filter(status="notified").exists()
    assert set(Complaint.objects.values_list("status", flat=True)) == {"received", "substantiated", "unsubstantiated"}
