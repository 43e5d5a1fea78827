"""The finding counts kept on each inspection (issue 7): every service that records a finding or moves
its status keeps `findings_total` / `findings_open` / `major_hazards` equal to a fresh count, the
nightly job repairs what a direct write left wrong, and the lists show and sort by them."""

import io
import re
from datetime import timedelta
from importlib import import_module

import pytest
from django.core.management import call_command
from django.db import connection, migrations
from django.db.models import Count, Q

from config.errors import Conflict, ValidationFailed
from inspections import services
from inspections.choices import EscalationKind, FindingStatus, InspectionStatus, ResultOutcome
from inspections.models import Finding, Inspection
from inspections.selectors import OPEN_FINDING_STATUSES, checklist_items_of
from tests.conftest import client_for
from tests.inspections.test_services import TODAY, png, sign_all, started
from tests.pages import as_user, text

pytestmark = pytest.mark.django_db


def counters(inspection) -> tuple[int, int, int]:
    """What the inspection says, checked against a fresh count of its findings."""
    inspection.refresh_from_db()
    kept = (inspection.findings_total, inspection.findings_open, inspection.major_hazards)
    fresh = Finding.objects.filter(inspection=inspection).aggregate(
        total=Count("id"), open=Count("id", filter=Q(status__in=OPEN_FINDING_STATUSES)),
        major=Count("id", filter=Q(is_major_hazard=True)),
    )
    assert kept == (fresh["total"], fresh["open"], fresh["major"])
    return kept


def run_daily(day) -> str:
    out = io.StringIO()
    call_command("run_daily", "--today", day.isoformat(), stdout=out)
    return out.getvalue()


def submit(iw, finding):
    services.submit_rectification(actor=iw.institution, finding_id=finding.pk, plan="限期整改", files=[png(color="green")])


def test_every_finding_transition_keeps_the_counts(iw):
    inspection = started(iw)
    assert counters(inspection) == (0, 0, 0)
    findings = []
    # NP-1 is an ordinary item; MH-1 and FS-1 are major accident hazards.
    for code, expected in (("NP-1", (1, 1, 0)), ("MH-1", (2, 2, 1)), ("FS-1", (3, 3, 2))):
        item = iw.checklist.items.get(code=code)
        findings.append(services.record_finding(
            actor=iw.inspector, inspection_id=inspection.pk, today=TODAY,
            data=services.FindingData(description=f"{code} 不符合", severity=2, scope="isolated", item_id=item.pk)))
        assert counters(inspection) == expected
    ordinary, building, exits = findings
    for item in checklist_items_of(inspection).exclude(results__inspection=inspection):
        services.record_result(actor=iw.inspector, inspection_id=inspection.pk, item_id=item.pk, outcome=ResultOutcome.PASS)
    sign_all(iw, inspection)
    services.complete_inspection(actor=iw.inspector, inspection_id=inspection.pk)

    submit(iw, ordinary)
    assert counters(inspection) == (3, 3, 2)  # a submitted plan is still open until verified
    version = inspection.version
    services.verify_rectification(actor=iw.inspector, finding_id=ordinary.pk, accepted=True, today=TODAY)
    assert counters(inspection) == (3, 2, 2)
    assert inspection.version == version  # the counts move updated_at, not the inspection's own version

    submit(iw, building)
    services.verify_rectification(actor=iw.inspector, finding_id=building.pk, accepted=False, note="未整改到位",
                                  today=TODAY)
    assert Finding.objects.get(pk=building.pk).status == FindingStatus.OPEN
    assert counters(inspection) == (3, 2, 2)

    late = max(building.deadline, exits.deadline) + timedelta(days=1)
    out = run_daily(late)
    assert set(Finding.objects.filter(pk__in=[building.pk, exits.pk]).values_list("status", flat=True)) == {"overdue"}
    assert counters(inspection) == (3, 2, 2)  # overdue is still open
    assert "0 inspections had their finding counts corrected" in out  # the services left nothing to repair

    services.escalate_finding(actor=iw.regulator, finding_id=building.pk, kind=EscalationKind.BLACKLIST_REFERRAL,
                              note="逾期未整改")
    assert counters(inspection) == (3, 1, 2)  # an escalated hazard is no longer open, still a major hazard found
    submit(iw, exits)
    services.verify_rectification(actor=iw.inspector, finding_id=exits.pk, accepted=True, today=late)
    assert counters(inspection) == (3, 0, 2)
    services.close_inspection(actor=iw.regulator, inspection_id=inspection.pk)
    assert counters(inspection) == (3, 0, 2)


def test_refused_transitions_leave_the_counts_alone(iw):
    inspection = started(iw)
    item = iw.checklist.items.get(code="FS-1")
    finding = services.record_finding(actor=iw.inspector, inspection_id=inspection.pk, today=TODAY, data=services.FindingData(
        description="安全出口锁闭", severity=4, scope="isolated", item_id=item.pk))
    with pytest.raises(Conflict):  # not completed yet: the institution may not answer
        submit(iw, finding)
    with pytest.raises(ValidationFailed):  # a bad severity records nothing
        services.record_finding(actor=iw.inspector, inspection_id=inspection.pk, today=TODAY,
                                data=services.FindingData(description="x", severity=9, scope="isolated"))
    assert counters(inspection) == (1, 1, 1)


def with_findings(iw, home=None, *statuses, major=0) -> Inspection:
    """A completed inspection whose findings are written directly (the flow is tested above), its
    counts then refreshed as the services would."""
    inspection = iw.plan(home, status=InspectionStatus.COMPLETED)
    for n, status in enumerate(statuses):
        Finding.objects.create(inspection=inspection, institution=inspection.institution, description=f"问题{n}",
                               severity=2, scope_of_harm="isolated", grade="D", deadline=TODAY, status=status,
                               is_major_hazard=n < major)
    services.refresh_finding_counts(inspection_ids=[inspection.pk])
    return inspection


def test_the_nightly_job_repairs_a_counter_and_says_so(iw, monkeypatch):
    wrong = with_findings(iw, None, "open", "closed", major=1)
    right = with_findings(iw, None, "open")
    also_wrong = with_findings(iw, iw.other_home, "closed")
    Inspection.objects.filter(pk=wrong.pk).update(findings_open=7)  # a direct write, past the services
    Finding.objects.create(inspection=wrong, institution=iw.home, description="导入的问题", severity=1,
                           scope_of_harm="isolated", grade="A", deadline=TODAY, is_major_hazard=True)
    Inspection.objects.filter(pk=also_wrong.pk).update(findings_total=0)
    before = {i.pk: (i.updated_at, i.version) for i in Inspection.objects.all()}
    monkeypatch.setattr(services, "COUNTS_BATCH", 1)  # the national run repairs in batches
    assert "2 inspections had their finding counts corrected" in run_daily(TODAY)
    assert counters(wrong) == (3, 2, 2) and counters(also_wrong) == (1, 0, 0)
    assert wrong.updated_at > before[wrong.pk][0] and wrong.version == before[wrong.pk][1]  # `updated_since` sees it
    right.refresh_from_db()
    assert right.updated_at == before[right.pk][0]  # rows whose counts are right are not touched
    assert "0 inspections had their finding counts corrected" in run_daily(TODAY)


def test_the_list_api_shows_the_counts(iw):
    busy = with_findings(iw, None, "open", "submitted", "overdue", "closed", "escalated", major=2)
    clean = with_findings(iw, iw.other_home)
    rows = {row["id"]: row for row in client_for(iw.regulator).get("/api/v1/inspections/").json()["results"]}
    shown = lambda pk: (rows[pk]["findings_total"], rows[pk]["findings_open"], rows[pk]["major_hazards"])  # noqa: E731
    assert shown(busy.pk) == (5, 3, 2)
    assert shown(clean.pk) == (0, 0, 0)
    detail = client_for(iw.regulator).get(f"/api/v1/inspections/{busy.pk}/").json()
    assert (detail["findings_total"], detail["findings_open"], detail["major_hazards"]) == (5, 3, 2)


def test_the_html_list_shows_and_sorts_by_open_findings(web, iw):
    two = with_findings(iw, None, "open", "overdue", "closed", major=1)
    none_open = with_findings(iw, iw.other_home, "closed")
    three = with_findings(iw, iw.other_home, "open", "open", "submitted")
    nothing = with_findings(iw)
    as_user(web, iw.regulator)

    def listed(query):
        page = text(web.get(f"/inspections/?{query}"))
        cells = re.findall(r'<tr data-id="(\d+)">.*?<td class="num">([^<]*)(?:<span [^>]*>(\d+)</span>)?', page, re.S)
        return [(int(pk), shown.strip(), badge) for pk, shown, badge in cells]

    assert listed("ordering=-findings_open") == [
        (three.pk, "3 / 3", ""), (two.pk, "2 / 3", "1"), (nothing.pk, "—", ""), (none_open.pk, "0 / 1", "")]
    assert [pk for pk, _shown, _badge in listed("ordering=findings_open")] == [nothing.pk, none_open.pk, two.pk, three.pk]


def test_the_migration_backfills_what_the_services_keep(iw):
    """Existing inspections get their counts with the upgrade (the migration's own SQL, run here on
    whichever database the tests use)."""
    migration = import_module("inspections.migrations.0006_finding_counts").Migration
    statements = [op.sql for op in migration.operations if isinstance(op, migrations.RunSQL)]
    busy = with_findings(iw, None, "open", "submitted", "overdue", "closed", "escalated", major=2)
    clean = with_findings(iw, iw.other_home)
    Inspection.objects.update(findings_total=0, findings_open=0, major_hazards=0)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    assert len(statements) == 3
    assert counters(busy) == (5, 3, 2) and counters(clean) == (0, 0, 0)
