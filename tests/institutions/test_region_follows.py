"""A home's policies, claims, inspections and findings carry its region (the regulators' figures
group by it without reading every home): set when each is made through its service, and moved
with the home — by the API or an import — in the same transaction, touching nothing else."""

from datetime import timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Department, Role
from inspections import services as inspection_services
from inspections.choices import InspectionType
from inspections.models import Finding, Inspection
from institutions import importing
from institutions.models import Institution
from insurance.models import Claim, Policy
from insurance.services import claims as claim_services
from tests.claims.conftest import active_policy, incident
from tests.conftest import client_for
from tests.factories import InstitutionFactory, make_scheme, make_user, region, term_covering
from tests.fixtures.spreadsheets import xlsx_upload
from tests.inspections.conftest import checklist  # noqa: F401  (re-exported fixture)

pytestmark = pytest.mark.django_db

FACTS = (Policy, Claim, Inspection, Finding)
# What moving a home may write: the home, its change-log entry, and its four kinds of fact.
MOVE_TABLES = {"institutions_institution", "auditlog_logentry", "insurance_policy", "insurance_claim",
               "inspections_inspection", "inspections_finding"}


class Home:
    """A home of 广州 越秀 (440104) with one fact of each kind made through the services."""

    def __init__(self, w, name):
        self.home = InstitutionFactory(region=region("440104"), name=name)
        self.user = make_user(Role.INSTITUTION, institution=self.home)
        self.policy = active_policy(self.home, self.user, w.insurer)
        event = incident(self.user, occurred_at=timezone.now() - timedelta(days=2))
        self.claim = claim_services.create_claim(actor=self.user, policy_id=self.policy.pk, incident_id=event.pk,
                                                 section="general", claimed_amount=Decimal("3000.00"))
        self.inspection = inspection_services.plan_inspection(actor=w.regulator, plan=inspection_services.Plan(
            institution_id=self.home.pk, type=InspectionType.CASE, scheduled_for=timezone.localdate(),
            departments=[Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE], inspector_ids=[w.civil.pk, w.fire.pk],
            checklist_id=w.checklist.pk, reason="投诉核查"))
        inspection_services.start_inspection(actor=w.civil, inspection_id=self.inspection.pk)
        item = w.checklist.items.get(code="BR-1")
        self.finding = inspection_services.record_finding(
            actor=w.civil, inspection_id=self.inspection.pk,
            data=inspection_services.FindingData(description="安全警示标识缺失", severity=2, scope="pattern",
                                                 item_id=item.pk))

    def facts(self):
        return [self.policy, self.claim, self.inspection, self.finding]


class World:
    pass


@pytest.fixture
def rw(checklist):  # noqa: F811  (the fixture imported above)
    w = World()
    w.checklist = checklist
    w.admin = make_user(Role.ADMIN)
    w.regulator = make_user(Role.REGULATOR, region_code="440100")  # 广州: 越秀 and 天河
    w.yuexiu_regulator = make_user(Role.REGULATOR, region_code="440104")
    w.civil = make_user(Role.INSPECTOR, region_code="440100", department=Department.CIVIL_AFFAIRS)
    w.fire = make_user(Role.INSPECTOR, region_code="440100", department=Department.FIRE_RESCUE)
    w.insurer = make_user(Role.INSURER)
    start, _end = term_covering()
    for year in sorted({start.year, timezone.localdate().year}):
        make_scheme("440000", year=year, actor=w.admin)
    w.mover = Home(w, "越秀康乐养老院")
    w.neighbour = Home(w, "越秀福寿养老院")
    return w


def regions_of(facts) -> list[str]:
    return [type(fact).objects.values_list("region_id", flat=True).get(pk=fact.pk) for fact in facts]


def stamps_of(facts) -> list[tuple]:
    """What clients see change on a record: its version and `updated_at`."""
    return [type(fact).objects.values_list("version", "updated_at").get(pk=fact.pk) for fact in facts]


def written_tables(queries) -> set[str]:
    tables = set()
    for query in queries:
        sql = query["sql"].lstrip().upper()
        if sql.startswith(("INSERT", "UPDATE", "DELETE")):
            word = {"INSERT": "INTO", "UPDATE": "UPDATE", "DELETE": "FROM"}[sql.split()[0]]
            words = query["sql"].split()
            tables.add(words[[w.upper() for w in words].index(word) + 1].strip('"'))
    return tables


def test_facts_made_through_the_services_carry_their_homes_region(rw):
    # 越秀, not the region of any user who made them (the regulator and inspectors are of 广州).
    assert regions_of(rw.mover.facts()) == ["440104"] * 4
    assert {type(fact) for fact in rw.mover.facts()} == set(FACTS)


def test_a_regulator_moving_a_home_by_the_api_moves_its_facts_and_writes_nothing_else(rw):
    before = stamps_of(rw.mover.facts() + rw.neighbour.facts())
    logged = LogEntry.objects.count()

    with CaptureQueriesContext(connection) as queries:
        response = client_for(rw.regulator).patch(f"/api/v1/institutions/{rw.mover.home.pk}/",
                                                  {"region": "440106"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["region"] == "440106"
    assert regions_of(rw.mover.facts()) == ["440106"] * 4
    assert regions_of(rw.neighbour.facts()) == ["440104"] * 4  # the home next door stays
    # No version or `updated_since` change on any fact, and one change-log entry: the home's.
    assert stamps_of(rw.mover.facts() + rw.neighbour.facts()) == before
    assert LogEntry.objects.count() == logged + 1
    assert written_tables(queries.captured_queries) <= MOVE_TABLES


def test_a_move_the_regulator_may_not_make_moves_nothing(rw):
    response = client_for(rw.yuexiu_regulator).patch(f"/api/v1/institutions/{rw.mover.home.pk}/",
                                                     {"region": "440106"}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["region"]
    assert Institution.objects.get(pk=rw.mover.home.pk).region_id == "440104"
    assert regions_of(rw.mover.facts()) == ["440104"] * 4


def test_an_import_that_moves_a_home_moves_its_facts(rw, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    token = importing.stash_upload(actor=rw.regulator, uploaded_file=xlsx_upload([
        {"id": rw.mover.home.pk, "region": "440106", "beds_total": rw.mover.home.beds_total},
        {"id": rw.neighbour.home.pk, "region": "440104", "beds_total": 90},
    ]))

    report = importing.commit_import(actor=rw.regulator, token=token)

    assert report.counts["update"] == 2
    assert regions_of(rw.mover.facts()) == ["440106"] * 4
    assert regions_of(rw.neighbour.facts()) == ["440104"] * 4  # updated, not moved


def test_a_fact_made_after_the_move_is_in_the_new_region(rw):
    client_for(rw.regulator).patch(f"/api/v1/institutions/{rw.mover.home.pk}/", {"region": "440106"}, format="json")

    event = incident(rw.mover.user, occurred_at=timezone.now() - timedelta(days=1))
    claim = claim_services.create_claim(actor=rw.mover.user, policy_id=rw.mover.policy.pk, incident_id=event.pk,
                                        section="general", claimed_amount=Decimal("500.00"))

    assert regions_of([claim]) == ["440106"]


def test_the_django_admin_gives_a_new_home_its_region_but_never_moves_one(db):
    from django.test import Client

    home = InstitutionFactory(region=region("440104"))

    operator = make_user(Role.ADMIN)
    operator.is_staff = operator.is_superuser = True
    operator.save()
    web = Client()
    web.force_login(operator)
    assert 'name="region"' in web.get("/admin/institutions/institution/add/").content.decode()
    change = web.get(f"/admin/institutions/institution/{home.pk}/change/").content.decode()
    assert 'name="region"' not in change and home.region.name in change


def test_the_nightly_run_gives_facts_left_behind_their_homes_region(rw):
    """A fact made while its home was moving (or written directly) keeps the old region until the
    nightly jobs of insurance and inspections put it right; facts already right are not written."""
    from io import StringIO

    from django.core.management import call_command

    for fact in rw.mover.facts():
        type(fact).objects.filter(pk=fact.pk).update(region_id="440106")  # 天河, not the home's 越秀
    before = stamps_of(rw.neighbour.facts())
    out = StringIO()
    call_command("run_daily", "--today", timezone.localdate().isoformat(), stdout=out)
    assert regions_of(rw.mover.facts()) == ["440104"] * 4
    assert "2 policies and claims were given their home's region" in out.getvalue()
    assert "2 inspections and findings were given their home's region" in out.getvalue()
    assert stamps_of(rw.neighbour.facts()) == before
