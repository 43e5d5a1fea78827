"""Inspection and finding services: the state machines table-driven, the notice period, the team,
answers saved as given, findings graded with deadlines, rectification, overdue, escalation, penalties."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.choices import Department, Role
from accounts.workdays import add_working_days
from config.errors import Conflict, NotAllowed, NotFound, PreconditionFailed, ValidationFailed
from inspections import services
from inspections.choices import (
    EscalationKind,
    FindingStatus,
    InspectionStatus,
    InspectionType,
    PenaltyKind,
    ResultOutcome,
    SignerKind,
)
from inspections.models import Escalation, Finding, FindingEvent, InspectionResult, Penalty
from inspections.selectors import checklist_items_of, findings_for, inspections_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)  # a Monday
ALL_DEPARTMENTS = [Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE, Department.HOUSING]


def plan(iw, actor=None, **overrides):
    values = {
        "institution_id": iw.home.pk, "type": InspectionType.ROUTINE, "scheduled_for": date(2026, 12, 1),
        "departments": ALL_DEPARTMENTS, "inspector_ids": [iw.inspector.pk, iw.inspector2.pk],
        "checklist_id": iw.checklist.pk,
    }
    values.update(overrides)
    return services.plan_inspection(actor=actor or iw.regulator, plan=services.Plan(**values), today=TODAY)


def png(size=(40, 30), color="red") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return SimpleUploadedFile("现场.png", out.getvalue(), content_type="image/png")


def started(iw, **overrides):
    inspection = plan(iw, **overrides)
    if inspection.type != InspectionType.CASE:
        services.notify_inspection(actor=iw.regulator, inspection_id=inspection.pk, today=TODAY)
    return services.start_inspection(actor=iw.inspector, inspection_id=inspection.pk)


def answer_all(iw, inspection, outcome=ResultOutcome.PASS):
    for item in checklist_items_of(inspection):
        services.record_result(actor=iw.inspector, inspection_id=inspection.pk, item_id=item.pk, outcome=outcome)


def sign_all(iw, inspection):
    services.sign_inspection(actor=iw.inspector, inspection_id=inspection.pk, kind=SignerKind.INSPECTOR)
    services.sign_inspection(actor=iw.inspector2, inspection_id=inspection.pk, kind=SignerKind.INSPECTOR)
    services.sign_inspection(actor=iw.inspector, inspection_id=inspection.pk, kind=SignerKind.REPRESENTATIVE,
                             name="张院长", image=png((200, 80), "white"))


def completed_with_findings(iw, n=2):
    inspection = started(iw)
    items = list(checklist_items_of(inspection))
    findings = []
    for item in items[:n]:
        services.record_result(actor=iw.inspector, inspection_id=inspection.pk, item_id=item.pk, outcome=ResultOutcome.FAIL)
        findings.append(services.record_finding(
            actor=iw.inspector, inspection_id=inspection.pk, today=TODAY,
            data=services.FindingData(description=f"{item.text}：未达到要求", severity=2, scope="pattern", item_id=item.pk),
        ))
    for item in items[n:]:
        services.record_result(actor=iw.inspector, inspection_id=inspection.pk, item_id=item.pk, outcome=ResultOutcome.PASS)
    sign_all(iw, inspection)
    services.complete_inspection(actor=iw.inspector, inspection_id=inspection.pk, conclusion="发现问题两处，限期整改")
    return inspection, findings


# --- planning -------------------------------------------------------------------------------


def test_plan_numbers_the_inspection_and_records_an_event(iw):
    inspection = plan(iw)
    assert inspection.number == f"JC2026-{inspection.pk:06d}"
    assert inspection.status == InspectionStatus.PLANNED
    assert list(inspection.events.values_list("action", flat=True)) == ["plan"]
    assert set(inspection.inspectors.all()) == {iw.inspector, iw.inspector2}


def test_routine_needs_three_working_days_for_the_notice(iw):
    earliest = add_working_days(TODAY, 3)  # Thursday 26 November
    with pytest.raises(ValidationFailed) as error:
        plan(iw, scheduled_for=earliest - timedelta(days=1))
    assert error.value.code == "notice_period" and earliest.isoformat() in str(error.value.detail)
    assert plan(iw, scheduled_for=earliest).scheduled_for == earliest


def test_case_inspection_may_be_today_but_needs_a_reason(iw):
    with pytest.raises(ValidationFailed) as error:
        plan(iw, type=InspectionType.CASE, scheduled_for=TODAY)
    assert "reason" in error.value.fields
    assert plan(iw, type=InspectionType.CASE, scheduled_for=TODAY, reason="家属投诉夜间无人值守").type == "case"


@pytest.mark.parametrize("problem", ["one", "outside", "department", "not_inspector"])
def test_the_team(iw, problem):
    ids = {
        "one": [iw.inspector.pk],
        "outside": [iw.inspector.pk, iw.far_inspector.pk],
        "department": [iw.inspector.pk, iw.inspector2.pk],
        "not_inspector": [iw.inspector.pk, iw.regulator.pk],
    }[problem]
    departments = [Department.CIVIL_AFFAIRS] if problem == "department" else ALL_DEPARTMENTS
    with pytest.raises(ValidationFailed) as error:
        plan(iw, inspector_ids=ids, departments=departments)
    assert "inspectors" in error.value.fields


def test_min_inspectors_is_configurable(iw, settings):
    settings.INSPECTIONS = {"min_inspectors": 1}
    assert plan(iw, inspector_ids=[iw.inspector.pk]).inspectors.count() == 1


def test_planning_is_scoped(iw):
    with pytest.raises(ValidationFailed) as error:
        plan(iw, institution_id=iw.far_home.pk)
    assert "institution" in error.value.fields
    with pytest.raises(NotAllowed):
        plan(iw, actor=iw.institution)


# --- the inspection state machine ------------------------------------------------------------

INSPECTION_CASES = [
    # (action, from status, role, expected)
    ("notify", "planned", Role.REGULATOR, "notified"),
    ("notify", "planned", Role.INSPECTOR, "notified"),
    ("notify", "planned", Role.INSTITUTION, NotFound),  # a planned inspection is invisible to the home
    ("notify", "notified", Role.REGULATOR, Conflict),
    ("start", "notified", Role.INSPECTOR, "in_progress"),
    ("start", "planned", Role.INSPECTOR, Conflict),  # routine: the notice comes first
    ("start", "notified", Role.REGULATOR, NotAllowed),
    ("start", "notified", Role.INSTITUTION, NotAllowed),
    ("complete", "notified", Role.INSPECTOR, Conflict),
    ("close", "in_progress", Role.REGULATOR, Conflict),
    ("close", "in_progress", Role.INSTITUTION, NotAllowed),  # a role that never closes: 403 in any state
]


def _user(iw, role):
    return {Role.REGULATOR: iw.regulator, Role.INSPECTOR: iw.inspector, Role.INSTITUTION: iw.institution}[role]


def _perform(action, inspection, actor):
    call = {
        "notify": lambda: services.notify_inspection(actor=actor, inspection_id=inspection.pk, today=TODAY),
        "start": lambda: services.start_inspection(actor=actor, inspection_id=inspection.pk),
        "complete": lambda: services.complete_inspection(actor=actor, inspection_id=inspection.pk),
        "close": lambda: services.close_inspection(actor=actor, inspection_id=inspection.pk),
    }[action]
    return call()


@pytest.mark.parametrize("action,state,role,expected", INSPECTION_CASES)
def test_inspection_transitions(iw, action, state, role, expected):
    inspection = plan(iw)
    if state in ("notified", "in_progress"):
        services.notify_inspection(actor=iw.regulator, inspection_id=inspection.pk, today=TODAY)
    if state == "in_progress":
        services.start_inspection(actor=iw.inspector, inspection_id=inspection.pk)
    if isinstance(expected, str):
        assert _perform(action, inspection, _user(iw, role)).status == expected
        inspection.refresh_from_db()
        event = inspection.events.last()
        assert (event.action, event.from_status, event.to_status) == (action, state, expected)
    else:
        with pytest.raises(expected):
            _perform(action, inspection, _user(iw, role))
        inspection.refresh_from_db()
        assert inspection.status == state


def test_case_inspection_is_never_notified_and_hidden_until_started(iw):
    inspection = plan(iw, type=InspectionType.CASE, scheduled_for=TODAY, reason="事故后检查")
    with pytest.raises(Conflict):
        services.notify_inspection(actor=iw.regulator, inspection_id=inspection.pk, today=TODAY)
    assert not inspections_for(iw.institution).filter(pk=inspection.pk).exists()
    services.start_inspection(actor=iw.inspector, inspection_id=inspection.pk)
    assert inspections_for(iw.institution).filter(pk=inspection.pk).exists()
    assert inspection.institution.users.first().notifications.count() == 0  # nobody warned the home


def test_notice_reaches_the_institution_and_is_late_refused(iw):
    inspection = plan(iw)
    with pytest.raises(Conflict) as error:
        services.notify_inspection(actor=iw.regulator, inspection_id=inspection.pk, today=date(2026, 11, 27))
    assert error.value.code == "notice_period"
    services.notify_inspection(actor=iw.regulator, inspection_id=inspection.pk, today=TODAY)
    assert iw.institution.notifications.filter(key=f"inspection-notice-{inspection.pk}").exists()


def test_only_assigned_inspectors_start(iw):
    other = make_user(Role.INSPECTOR, region_code="440100", department=Department.CIVIL_AFFAIRS)
    inspection = plan(iw)
    services.notify_inspection(actor=iw.regulator, inspection_id=inspection.pk, today=TODAY)
    with pytest.raises(NotAllowed):
        services.start_inspection(actor=other, inspection_id=inspection.pk)


def test_stale_version_is_refused(iw):
    inspection = plan(iw)
    with pytest.raises(PreconditionFailed):
        services.notify_inspection(actor=iw.regulator, inspection_id=inspection.pk, today=TODAY, expected_version=7)


# --- on site ---------------------------------------------------------------------------------


def test_answers_are_saved_as_given_and_replaced(iw):
    inspection = started(iw)
    item = checklist_items_of(inspection).first()
    services.record_result(actor=iw.inspector, inspection_id=inspection.pk, item_id=item.pk, outcome="fail", note="标识缺失")
    services.record_result(actor=iw.inspector2, inspection_id=inspection.pk, item_id=item.pk, outcome="pass")
    result = InspectionResult.objects.get(inspection=inspection, item=item)
    assert (result.outcome, result.note, result.answered_by) == ("pass", "", iw.inspector2)


def test_joint_checklist_is_the_departments_items(iw):
    inspection = started(iw, departments=[Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE])
    codes = set(checklist_items_of(inspection).values_list("code", flat=True))
    assert codes == {"BR-1", "NP-1", "FS-1", "FS-2"}
    housing_item = iw.checklist.items.get(code="MH-1")
    with pytest.raises(ValidationFailed):
        services.record_result(actor=iw.inspector, inspection_id=inspection.pk, item_id=housing_item.pk, outcome="pass")


def test_answers_only_while_in_progress(iw):
    inspection = plan(iw)
    item = checklist_items_of(inspection).first()
    with pytest.raises(Conflict):
        services.record_result(actor=iw.inspector, inspection_id=inspection.pk, item_id=item.pk, outcome="pass")


def test_photo_is_checked_and_reencoded(iw, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    inspection = started(iw)
    big = io.BytesIO()
    Image.new("RGB", (4000, 3000), "blue").save(big, "PNG")
    photo = services.upload_photo(actor=iw.inspector, inspection_id=inspection.pk,
                                  uploaded=SimpleUploadedFile("a.png", big.getvalue()))
    with Image.open(photo.file.path) as stored:
        assert stored.format == "JPEG" and max(stored.size) == 1600
    with pytest.raises(ValidationFailed) as error:
        services.upload_photo(actor=iw.inspector, inspection_id=inspection.pk,
                              uploaded=SimpleUploadedFile("b.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"))
    assert error.value.code == "not_an_image"


def test_finding_from_an_item_is_graded_dated_and_marks_the_item_failed(iw):
    inspection = started(iw)
    item = iw.checklist.items.get(code="FS-1")
    finding = services.record_finding(
        actor=iw.inspector, inspection_id=inspection.pk, today=TODAY,
        data=services.FindingData(description="二楼安全出口被杂物堵塞", severity=3, scope="isolated", item_id=item.pk),
    )
    assert finding.grade == "G" and finding.is_major_hazard and finding.legal_basis == item.clause
    assert finding.deadline == add_working_days(TODAY, 15)
    assert InspectionResult.objects.get(inspection=inspection, item=item).outcome == "fail"


def test_finding_refused_on_a_passed_item_and_deadline_bounded(iw):
    inspection = started(iw)
    item = iw.checklist.items.get(code="BR-1")
    services.record_result(actor=iw.inspector, inspection_id=inspection.pk, item_id=item.pk, outcome="pass")
    with pytest.raises(ValidationFailed) as error:
        services.record_finding(actor=iw.inspector, inspection_id=inspection.pk, today=TODAY,
                                data=services.FindingData(description="x", severity=1, scope="isolated", item_id=item.pk))
    assert error.value.code == "item_not_failed"
    with pytest.raises(ValidationFailed) as error:
        services.record_finding(actor=iw.inspector, inspection_id=inspection.pk, today=TODAY,
                                data=services.FindingData(description="x", severity=1, scope="isolated",
                                                          deadline=date(2027, 5, 24)))
    assert "deadline" in error.value.fields
    ok = services.record_finding(actor=iw.inspector, inspection_id=inspection.pk, today=TODAY,
                                 data=services.FindingData(description="x", severity=1, scope="isolated",
                                                           deadline=date(2027, 5, 23)))
    assert ok.deadline == date(2027, 5, 23)


def test_completion_needs_every_answer_and_every_signature(iw):
    inspection = started(iw)
    with pytest.raises(Conflict) as error:
        services.complete_inspection(actor=iw.inspector, inspection_id=inspection.pk)
    assert "5" in str(error.value.detail)
    answer_all(iw, inspection)
    services.sign_inspection(actor=iw.inspector, inspection_id=inspection.pk, kind=SignerKind.INSPECTOR)
    assert len(services.missing_for_completion(inspection)) == 2
    with pytest.raises(Conflict):
        services.sign_inspection(actor=iw.inspector, inspection_id=inspection.pk, kind=SignerKind.INSPECTOR)
    services.sign_inspection(actor=iw.inspector2, inspection_id=inspection.pk, kind=SignerKind.INSPECTOR)
    services.sign_inspection(actor=iw.inspector, inspection_id=inspection.pk, kind=SignerKind.REPRESENTATIVE, name="张院长")
    done = services.complete_inspection(actor=iw.inspector, inspection_id=inspection.pk, conclusion="合格")
    assert done.status == "completed" and done.completed_at


def test_drawn_signature_must_be_a_png(iw):
    inspection = started(iw)
    with pytest.raises(ValidationFailed):
        services.sign_inspection(actor=iw.inspector, inspection_id=inspection.pk, kind=SignerKind.REPRESENTATIVE,
                                 name="张院长", image=SimpleUploadedFile("s.png", b"GIF89a..."))


# --- findings --------------------------------------------------------------------------------


def evidence():
    return [png(color="green")]


def test_rectification_submitted_rejected_then_accepted(iw):
    inspection, (finding, _other) = completed_with_findings(iw)
    assert iw.institution.notifications.filter(key=f"rectification-notice-{inspection.pk}").exists()
    with pytest.raises(ValidationFailed) as error:
        services.submit_rectification(actor=iw.institution, finding_id=finding.pk, plan="清理", files=[])
    assert error.value.code == "evidence_required"
    services.submit_rectification(actor=iw.institution, finding_id=finding.pk, plan="已清理通道", files=evidence())
    with pytest.raises(ValidationFailed):
        services.verify_rectification(actor=iw.inspector, finding_id=finding.pk, accepted=False, today=TODAY)
    back = services.verify_rectification(actor=iw.inspector, finding_id=finding.pk, accepted=False,
                                         note="照片不清晰", today=TODAY)
    assert back.status == "open"
    services.submit_rectification(actor=iw.institution, finding_id=finding.pk, plan="重新整改", files=evidence())
    closed = services.verify_rectification(actor=iw.inspector, finding_id=finding.pk, accepted=True, today=TODAY)
    assert closed.status == "closed" and closed.closed_at
    decisions = list(finding.rectifications.values_list("decision", flat=True))
    assert decisions == ["rejected", "accepted"]
    assert [e.action for e in finding.events.all()] == ["record", "submit-rectification", "verify",
                                                        "submit-rectification", "verify"]


FINDING_CASES = [
    ("submit", "open", Role.INSTITUTION, "submitted"),
    ("submit", "open", Role.INSPECTOR, NotAllowed),
    ("submit", "submitted", Role.INSTITUTION, Conflict),
    ("verify", "open", Role.INSPECTOR, Conflict),
    ("verify", "submitted", Role.INSTITUTION, NotAllowed),
    ("verify", "submitted", Role.REGULATOR, NotAllowed),
    ("escalate", "open", Role.REGULATOR, "escalated"),
    ("escalate", "submitted", Role.INSPECTOR, "escalated"),
    ("escalate", "open", Role.INSTITUTION, NotAllowed),
]


@pytest.mark.parametrize("action,state,role,expected", FINDING_CASES)
def test_finding_transitions(iw, action, state, role, expected):
    _inspection, (finding, _other) = completed_with_findings(iw)
    if state == "submitted":
        services.submit_rectification(actor=iw.institution, finding_id=finding.pk, plan="整改", files=evidence())
    actor = _user(iw, role)
    call = {
        "submit": lambda: services.submit_rectification(actor=actor, finding_id=finding.pk, plan="整改", files=evidence()),
        "verify": lambda: services.verify_rectification(actor=actor, finding_id=finding.pk, accepted=True, today=TODAY),
        "escalate": lambda: services.escalate_finding(actor=actor, finding_id=finding.pk,
                                                      kind=EscalationKind.BLACKLIST_REFERRAL, note="逾期未整改"),
    }[action]
    if isinstance(expected, str):
        assert call().status == expected
    else:
        with pytest.raises(expected):
            call()
        finding.refresh_from_db()
        assert finding.status == state


def test_findings_of_another_home_are_not_found(iw):
    _inspection, (finding, _other) = completed_with_findings(iw)
    with pytest.raises(NotFound):
        services.submit_rectification(actor=iw.other_institution, finding_id=finding.pk, plan="x", files=evidence())
    with pytest.raises(NotFound):
        services.escalate_finding(actor=iw.far_regulator, finding_id=finding.pk, kind="blacklist_referral", note="x")


def test_findings_wait_for_the_inspection_to_complete(iw):
    inspection = started(iw)
    finding = services.record_finding(actor=iw.inspector, inspection_id=inspection.pk, today=TODAY,
                                      data=services.FindingData(description="x", severity=1, scope="isolated"))
    with pytest.raises(Conflict):
        services.submit_rectification(actor=iw.institution, finding_id=finding.pk, plan="x", files=evidence())


def test_overdue_is_marked_once_and_late_plans_are_still_accepted(iw):
    _inspection, (finding, other) = completed_with_findings(iw)
    assert services.mark_overdue(today=finding.deadline) == 0  # due on the day, overdue the day after
    after = finding.deadline + timedelta(days=1)
    assert services.mark_overdue(today=after) == 2
    assert services.mark_overdue(today=after) == 0
    finding.refresh_from_db()
    assert (finding.status, finding.overdue_since, finding.version) == ("overdue", after, 2)
    assert FindingEvent.objects.filter(finding=finding, action="overdue", actor=None).count() == 1
    services.submit_rectification(actor=iw.institution, finding_id=finding.pk, plan="补交整改", files=evidence())
    back = services.verify_rectification(actor=iw.inspector, finding_id=finding.pk, accepted=False, note="不合格",
                                         today=after)
    assert back.status == "overdue"  # rejected after the deadline: overdue again, not open


def test_escalation_with_a_fine_records_the_penalty(iw):
    _inspection, (finding, _other) = completed_with_findings(iw)
    too_much = services.PenaltyData(kind=PenaltyKind.FINE, amount="30000.01", reason="逾期未整改",
                                    legal_basis="《养老机构管理办法》第四十六条", decided_on=TODAY,
                                    document_number="穗民罚〔2026〕1号")
    with pytest.raises(ValidationFailed) as error:
        services.escalate_finding(actor=iw.regulator, finding_id=finding.pk, kind=EscalationKind.PENALTY,
                                  note="逾期", penalty=too_much)
    assert error.value.code == "fine_out_of_range" and "amount" in error.value.fields
    assert Finding.objects.get(pk=finding.pk).status == "open" and not Penalty.objects.exists()
    fine = services.PenaltyData(**{**too_much.__dict__, "amount": "30000"})
    services.escalate_finding(actor=iw.regulator, finding_id=finding.pk, kind=EscalationKind.PENALTY, note="逾期",
                              penalty=fine)
    escalation = Escalation.objects.get(finding=finding)
    assert escalation.penalty.amount == Decimal("30000.00") and escalation.penalty.institution == iw.home


def test_inspectors_escalate_but_only_regulators_decide_penalties(iw):
    _inspection, (finding, _other) = completed_with_findings(iw)
    warning = services.PenaltyData(kind=PenaltyKind.WARNING, reason="x", legal_basis="y", decided_on=TODAY,
                                   document_number="z")
    with pytest.raises(NotAllowed):
        services.escalate_finding(actor=iw.inspector, finding_id=finding.pk, kind=EscalationKind.PENALTY, note="x",
                                  penalty=warning)


def test_blacklist_referral_of_an_overdue_major_fire_hazard_is_criterion_4(iw):
    inspection = started(iw)
    item = iw.checklist.items.get(code="FS-1")
    finding = services.record_finding(actor=iw.inspector, inspection_id=inspection.pk, today=TODAY,
                                      data=services.FindingData(description="安全出口锁闭", severity=4, scope="isolated",
                                                                item_id=item.pk))
    answer_rest = [i for i in checklist_items_of(inspection) if i.pk != item.pk]
    for other in answer_rest:
        services.record_result(actor=iw.inspector, inspection_id=inspection.pk, item_id=other.pk, outcome="pass")
    sign_all(iw, inspection)
    services.complete_inspection(actor=iw.inspector, inspection_id=inspection.pk)
    services.mark_overdue(today=finding.deadline + timedelta(days=1))
    services.escalate_finding(actor=iw.inspector, finding_id=finding.pk, kind=EscalationKind.BLACKLIST_REFERRAL,
                              note="重大火灾隐患逾期未整改")
    assert Escalation.objects.get(finding=finding).blacklist_criterion == 4


def test_close_needs_every_finding_done(iw):
    inspection, (first, second) = completed_with_findings(iw)
    with pytest.raises(Conflict) as error:
        services.close_inspection(actor=iw.regulator, inspection_id=inspection.pk)
    assert error.value.code == "findings_open"
    for finding in (first, second):
        services.submit_rectification(actor=iw.institution, finding_id=finding.pk, plan="整改", files=evidence())
        services.verify_rectification(actor=iw.inspector, finding_id=finding.pk, accepted=True, today=TODAY)
    assert services.close_inspection(actor=iw.regulator, inspection_id=inspection.pk).status == "closed"


def test_record_penalty_validates_kind_and_amount(iw):
    data = services.PenaltyData(kind=PenaltyKind.WARNING, amount="100", reason="x", legal_basis="y", decided_on=TODAY,
                                document_number="z")
    with pytest.raises(ValidationFailed):
        services.record_penalty(actor=iw.regulator, institution_id=iw.home.pk, data=data)
    with pytest.raises(ValidationFailed):
        services.record_penalty(actor=iw.far_regulator, institution_id=iw.home.pk,
                                data=services.PenaltyData(**{**data.__dict__, "amount": None}))
    penalty = services.record_penalty(actor=iw.regulator, institution_id=iw.home.pk,
                                      data=services.PenaltyData(**{**data.__dict__, "amount": None}))
    assert penalty.kind == "warning" and penalty.amount is None


def test_findings_selector_scoping(iw):
    _inspection, findings = completed_with_findings(iw)
    assert findings_for(iw.institution).count() == 2
    assert findings_for(iw.other_institution).count() == 0
    assert findings_for(iw.far_regulator).count() == 0
    assert findings_for(iw.regulator).filter(status=FindingStatus.OPEN).count() == 2


def test_run_daily_marks_overdue_and_reminds_once(iw):
    from django.core.management import call_command

    _inspection, (finding, _other) = completed_with_findings(iw)
    three_before = finding.deadline - timedelta(days=1)
    while add_working_days(three_before, 3) < finding.deadline:
        three_before += timedelta(days=1)
    for _ in range(2):  # idempotent: twice on the same day changes nothing more
        call_command("run_daily", "--today", three_before.isoformat(), stdout=io.StringIO())
    assert iw.institution.notifications.filter(key=f"rectification-due-{finding.pk}").count() == 1
    call_command("run_daily", "--today", (finding.deadline + timedelta(days=1)).isoformat(), stdout=io.StringIO())
    finding.refresh_from_db()
    assert finding.status == "overdue"


def test_major_hazard_count_of_the_last_twelve_months_is_kept_on_the_institution(iw):
    from inspections.models import Inspection
    from institutions.models import Institution

    assert services.refresh_hazard_counts(today=TODAY) == 0  # nobody inspected: stays None
    inspection = started(iw)
    services.record_finding(actor=iw.inspector, inspection_id=inspection.pk, today=TODAY,
                            data=services.FindingData(description="安全出口锁闭", severity=4, scope="isolated",
                                                      item_id=iw.checklist.items.get(code="FS-1").pk))
    services.record_finding(actor=iw.inspector, inspection_id=inspection.pk, today=TODAY,
                            data=services.FindingData(description="标识缺失", severity=1, scope="isolated"))
    assert Institution.objects.get(pk=iw.home.pk).major_hazards_12m == 1
    assert Institution.objects.get(pk=iw.other_home.pk).major_hazards_12m is None
    assert services.refresh_hazard_counts(today=TODAY) == 0  # already current: nothing rewritten
    Inspection.objects.filter(pk=inspection.pk).update(started_at=inspection.started_at - timedelta(days=400))
    assert services.refresh_hazard_counts(today=TODAY) == 1
    assert Institution.objects.get(pk=iw.home.pk).major_hazards_12m is None


def test_configured_rules_override_one_entry_and_keep_the_rest(iw, settings):
    from inspections import rules

    settings.INSPECTIONS = {"deadline_working_days": {"4": 2}}  # as read from CAREGUARD_INSPECTIONS JSON
    assert rules.default_deadline(TODAY, 4) == add_working_days(TODAY, 2)
    assert rules.default_deadline(TODAY, 3) == add_working_days(TODAY, 15)
