"""The blacklist procedure (失信联合惩戒对象名单): the timeline with time travel (working-day objection
window across a holiday, decision after it, early removal from 2 years, expiry on the day), triggers
(idempotent, nothing listed automatically), the is_blacklisted flag, joint punishment effects and the
Chinese PDFs. The table of transitions over HTTP is in test_blacklist_api.py."""

import io
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.choices import Department, Role
from accounts.models import CalendarDay, Notification
from config.errors import Conflict, NotAllowed, PreconditionFailed, ValidationFailed
from credit import blacklist
from credit.choices import CaseSource, CaseStatus, SubjectType
from credit.models import BlacklistCase
from tests.factories import InstitutionFactory, PractitionerFactory, make_user, region

class BlacklistWorld:
    pass


@pytest.fixture
def bw(db):
    w = BlacklistWorld()
    w.home = InstitutionFactory(region=region("440106"), name="天河康乐养老院")
    w.other_home = InstitutionFactory(region=region("440106"), name="天河福寿养老院")
    w.far_home = InstitutionFactory(region=region("610902"), name="汉滨区中心敬老院")
    w.institution = make_user(Role.INSTITUTION, institution=w.home)
    w.other_institution = make_user(Role.INSTITUTION, institution=w.other_home)
    w.regulator = make_user(Role.REGULATOR, region_code="440100", full_name="陈监管")
    w.far_regulator = make_user(Role.REGULATOR, region_code="610900")
    w.inspector = make_user(Role.INSPECTOR, region_code="440106")
    w.insurer = make_user(Role.INSURER)
    w.admin = make_user(Role.ADMIN)
    w.job = PractitionerFactory(institution=w.home, person__name="李护工")

    def propose(home=None, *, criterion=4, evidence="消防通道堵塞，逾期未整改。", practitioner=None, today=None):
        return blacklist.propose_case(actor=w.regulator, today=today, proposal=blacklist.Proposal(
            institution_id=(home or w.home).pk, criterion=criterion, evidence=evidence,
            practitioner_id=practitioner.pk if practitioner else None))

    def in_state(status, home=None, **fields):
        """A case put straight into `status` with the dates that state implies."""
        case = propose(home)
        values = {"status": status}
        if status != CaseStatus.PROPOSED:
            values |= {"notified_at": "2026-01-05T09:00:00+08:00", "objection_deadline": date(2026, 1, 19)}
        if status in (CaseStatus.LISTED, CaseStatus.REMOVAL_REQUESTED, CaseStatus.REMOVED, CaseStatus.EXPIRED,
                      CaseStatus.REVOKED):
            values |= {"listed_at": date(2026, 1, 20), "expected_exit_date": date(2029, 1, 20)}
        values |= fields
        type(case).objects.filter(pk=case.pk).update(**values)
        blacklist.refresh_blacklist_flags()
        case.refresh_from_db()
        return case

    w.propose = propose
    w.in_state = in_state
    return w


NOTIFY_DAY = date(2026, 9, 28)  # a Monday; National Day holidays follow


@pytest.fixture
def national_day(db):
    """The State Council's 2026 arrangement (shipped in accounts' migrations): 1–7 October off,
    Saturday 10 October worked."""
    for day in (1, 2, 5, 6, 7):
        CalendarDay.objects.update_or_create(date=date(2026, 10, day), defaults={"is_working_day": False, "name": "国庆节"})
    CalendarDay.objects.update_or_create(date=date(2026, 10, 10), defaults={"is_working_day": True, "name": "国庆节调休"})


def run_daily(day: date):
    out = io.StringIO()
    call_command("run_daily", "--today", day.isoformat(), stdout=out)
    return out.getvalue()


def listed(bw, home=None, on=date(2026, 10, 20)):
    case = bw.propose(home)
    blacklist.notify_case(actor=bw.regulator, case_id=case.pk, today=NOTIFY_DAY)
    return blacklist.decide_case(actor=bw.regulator, case_id=case.pk, outcome=CaseStatus.LISTED,
                                 today=max(on, date(2026, 10, 20)))


# --- proposal ---------------------------------------------------------------------------------


def test_a_proposal_is_numbered_with_its_legal_basis_and_one_event(bw):
    case = bw.propose(today=date(2026, 3, 2))
    assert case.number == f"SX2026-{case.pk:06d}"
    assert case.status == CaseStatus.PROPOSED and case.subject_type == SubjectType.INSTITUTION
    assert "民发〔2019〕103号" in case.legal_basis and "第五条第（四）项" in case.legal_basis
    assert [(e.action, e.to_status) for e in case.events.all()] == [("propose", CaseStatus.PROPOSED)]
    bw.home.refresh_from_db()
    assert bw.home.is_blacklisted is False  # proposing lists nobody


def test_a_practitioner_case_needs_someone_working_there(bw):
    case = bw.propose(practitioner=bw.job.person)
    assert case.subject_type == SubjectType.PRACTITIONER and case.practitioner_id == bw.job.person_id
    stranger = PractitionerFactory(institution=bw.other_home).person
    with pytest.raises(ValidationFailed) as refused:
        bw.propose(practitioner=stranger)
    assert "practitioner" in refused.value.fields


def test_only_regulators_of_the_region_propose(bw):
    proposal = blacklist.Proposal(institution_id=bw.home.pk, criterion=4, evidence="事实")
    with pytest.raises(ValidationFailed):
        blacklist.propose_case(actor=bw.far_regulator, proposal=proposal)
    for actor in (bw.institution, bw.inspector, bw.insurer):
        with pytest.raises(NotAllowed):
            blacklist.propose_case(actor=actor, proposal=proposal)
    with pytest.raises(ValidationFailed) as refused:
        blacklist.propose_case(actor=bw.regulator, proposal=blacklist.Proposal(
            institution_id=bw.home.pk, criterion=11, evidence="事实"))
    assert "criterion" in refused.value.fields
    assert blacklist.propose_case(actor=bw.admin, proposal=proposal).status == CaseStatus.PROPOSED


# --- the timeline, with time travel -------------------------------------------------------------


def test_objection_window_counts_working_days_across_a_holiday(bw, national_day):
    case = bw.propose()
    case = blacklist.notify_case(actor=bw.regulator, case_id=case.pk, today=NOTIFY_DAY)
    # 10 working days after Monday 28 September, with 1–7 October off and Saturday 10 October worked:
    # Friday 16 October (not Monday 12 October, as without the holiday).
    assert case.objection_deadline == date(2026, 10, 16)
    # The notice is dated the day it was given, so the decision PDF's "notified on" precedes the deadline.
    assert timezone.localdate(case.notified_at) == NOTIFY_DAY and case.status == CaseStatus.NOTIFIED
    sent = Notification.objects.get(user=bw.institution)
    assert case.number in sent.title and "2026-10-16" in sent.title


def test_no_decision_before_the_window_closes_and_one_after(bw, national_day):
    case = bw.propose()
    blacklist.notify_case(actor=bw.regulator, case_id=case.pk, today=NOTIFY_DAY)
    for day in (date(2026, 10, 12), date(2026, 10, 16)):  # the last day still belongs to the party
        with pytest.raises(Conflict) as refused:
            blacklist.decide_case(actor=bw.regulator, case_id=case.pk, outcome=CaseStatus.LISTED, today=day)
        assert refused.value.code == "objection_period_open"
    case = blacklist.decide_case(actor=bw.regulator, case_id=case.pk, outcome=CaseStatus.LISTED, today=date(2026, 10, 19))
    assert case.status == CaseStatus.LISTED
    assert case.listed_at == date(2026, 10, 19) and case.expected_exit_date == date(2029, 10, 19)
    bw.home.refresh_from_db()
    assert bw.home.is_blacklisted is True


def test_objection_until_the_deadline_inclusive_then_review_then_dismissal(bw, national_day):
    late = bw.propose(bw.home)
    blacklist.notify_case(actor=bw.regulator, case_id=late.pk, today=NOTIFY_DAY)
    with pytest.raises(Conflict) as refused:
        blacklist.object_case(actor=bw.institution, case_id=late.pk, statement="不服", today=date(2026, 10, 20))
    assert refused.value.code == "objection_period_over"

    case = bw.propose(bw.home)
    blacklist.notify_case(actor=bw.regulator, case_id=case.pk, today=NOTIFY_DAY)
    case = blacklist.object_case(actor=bw.institution, case_id=case.pk, statement="已于期限内整改完毕。",
                                 today=date(2026, 10, 16))
    assert case.status == CaseStatus.OBJECTION and case.objection == "已于期限内整改完毕。"
    with pytest.raises(Conflict):  # an objection must be reviewed before a decision
        blacklist.decide_case(actor=bw.regulator, case_id=case.pk, outcome=CaseStatus.DISMISSED, today=date(2026, 11, 2))
    blacklist.review_case(actor=bw.regulator, case_id=case.pk, conclusion="异议成立。")
    # Once reviewed, the decision need not wait for the deadline.
    case = blacklist.decide_case(actor=bw.regulator, case_id=case.pk, outcome=CaseStatus.DISMISSED, today=date(2026, 10, 16))
    assert case.status == CaseStatus.DISMISSED and case.listed_at is None
    assert [e.action for e in case.events.all()] == ["propose", "notify", "object", "review", "decide"]


def test_no_removal_request_before_two_years_then_removed(bw, national_day):
    case = listed(bw)
    with pytest.raises(Conflict) as refused:
        blacklist.request_removal(actor=bw.institution, case_id=case.pk, grounds="已整改", today=date(2028, 10, 19))
    assert refused.value.code == "too_early" and "2028-10-20" in str(refused.value.detail)
    case = blacklist.request_removal(actor=bw.institution, case_id=case.pk, grounds="两年内无新的违法失信行为，整改完成。",
                                     today=date(2028, 10, 20))
    assert case.status == CaseStatus.REMOVAL_REQUESTED
    bw.home.refresh_from_db()
    assert bw.home.is_blacklisted is True  # still listed until the regulator decides
    case = blacklist.remove_case(actor=bw.regulator, case_id=case.pk, granted=False, note="整改材料不全。")
    assert case.status == CaseStatus.LISTED
    blacklist.request_removal(actor=bw.institution, case_id=case.pk, grounds="补充材料。", today=date(2028, 11, 2))
    case = blacklist.remove_case(actor=bw.regulator, case_id=case.pk, granted=True, note="准予移出。",
                                 today=date(2028, 11, 9))
    assert case.status == CaseStatus.REMOVED and case.removed_at == date(2028, 11, 9)
    bw.home.refresh_from_db()
    assert bw.home.is_blacklisted is False


def test_expiry_exactly_on_the_expected_exit_date_by_run_daily(bw, national_day):
    case = listed(bw)
    run_daily(date(2029, 10, 19))
    case.refresh_from_db()
    bw.home.refresh_from_db()
    assert case.status == CaseStatus.LISTED and bw.home.is_blacklisted is True
    out = run_daily(date(2029, 10, 20))
    assert "1 blacklist listings expired" in out
    case.refresh_from_db()
    bw.home.refresh_from_db()
    assert case.status == CaseStatus.EXPIRED and case.removed_at == date(2029, 10, 20)
    assert bw.home.is_blacklisted is False
    assert case.events.last().action == "expire" and case.events.last().actor is None
    assert "0 blacklist listings expired" in run_daily(date(2029, 10, 20))  # idempotent


def test_revoking_a_wrongful_listing_clears_the_flag(bw, national_day):
    case = listed(bw)
    case = blacklist.revoke_case(actor=bw.regulator, case_id=case.pk, reason="认定事实错误。")
    assert case.status == CaseStatus.REVOKED
    bw.home.refresh_from_db()
    assert bw.home.is_blacklisted is False


def test_listing_terms_are_configurable(bw, settings):
    settings.CREDIT = {"objection_working_days": 3, "listing_years": 5}
    case = bw.propose()
    case = blacklist.notify_case(actor=bw.regulator, case_id=case.pk, today=date(2026, 6, 1))
    assert case.objection_deadline == date(2026, 6, 4)
    case = blacklist.decide_case(actor=bw.regulator, case_id=case.pk, outcome=CaseStatus.LISTED, today=date(2026, 6, 5))
    assert case.expected_exit_date == date(2031, 6, 5)


def test_a_stale_version_is_refused(bw):
    case = bw.propose()
    with pytest.raises(PreconditionFailed):
        blacklist.notify_case(actor=bw.regulator, case_id=case.pk, expected_version=case.version + 1)
    assert blacklist.notify_case(actor=bw.regulator, case_id=case.pk, expected_version=case.version).version == 2


# --- the flag ---------------------------------------------------------------------------------


def test_flag_follows_live_institution_cases_only(bw):
    bw.in_state(CaseStatus.LISTED, practitioner_id=None)
    person_case = bw.in_state(CaseStatus.LISTED, home=bw.other_home)
    BlacklistCase.objects.filter(pk=person_case.pk).update(
        subject_type=SubjectType.PRACTITIONER, practitioner=PractitionerFactory(institution=bw.other_home).person)
    bw.other_home.is_blacklisted = True
    bw.other_home.save()
    InstitutionFactory(is_blacklisted=True)  # stale flag without any case
    assert blacklist.refresh_blacklist_flags() == 2
    flagged = set(type(bw.home).objects.filter(is_blacklisted=True).values_list("pk", flat=True))
    assert flagged == {bw.home.pk}  # a listed practitioner does not blacklist the home


# --- triggers ---------------------------------------------------------------------------------


def _escalated_finding(bw, *, criterion=4, major=True):
    from inspections.choices import EscalationKind, FindingScope, InspectionType
    from inspections.models import ChecklistTemplate, Escalation, Finding, Inspection

    template = ChecklistTemplate.objects.create(code=f"t{ChecklistTemplate.objects.count()}", version=1, name="表")
    inspection = Inspection.objects.create(
        institution=bw.home, type=InspectionType.ROUTINE, checklist=template, scheduled_for=date(2026, 5, 1),
        departments=[Department.FIRE_RESCUE], number=f"JC2026-{Inspection.objects.count() + 777:06d}")
    finding = Finding.objects.create(
        inspection=inspection, institution=bw.home, description="疏散通道堵塞", is_major_hazard=major, severity=4,
        scope_of_harm=FindingScope.PATTERN, grade="K", deadline=date(2026, 5, 10))
    return Escalation.objects.create(finding=finding, kind=EscalationKind.BLACKLIST_REFERRAL, note="重大火灾隐患逾期未改",
                                     blacklist_criterion=criterion)


def _incident(bw, responsibility):
    from insurance.models import Incident

    return Incident.objects.create(
        institution=bw.home, occurred_at=timezone.make_aware(datetime(2026, 4, 3, 10, 30)), category="fire",
        place="三楼活动室", description="电动车充电起火", responsibility=responsibility, responsibility_note="消防认定")


def test_triggers_propose_once_and_list_nobody(bw):
    from credit.triggers import open_triggered_cases

    escalation = _escalated_finding(bw)
    incident = _incident(bw, "main")
    _incident(bw, "secondary")  # not a trigger
    assert open_triggered_cases(today=date(2026, 6, 1)) == 2
    assert open_triggered_cases(today=date(2026, 6, 2)) == 0
    run_daily(date(2026, 6, 3))
    cases = {c.source: c for c in BlacklistCase.objects.all()}
    assert set(cases) == {CaseSource.INSPECTION, CaseSource.INCIDENT} and len(BlacklistCase.objects.all()) == 2
    referral, accident = cases[CaseSource.INSPECTION], cases[CaseSource.INCIDENT]
    assert referral.source_id == escalation.pk and referral.criterion == 4
    assert "疏散通道堵塞" in referral.evidence and "JC2026-000777" in referral.evidence
    assert accident.source_id == incident.pk and accident.criterion == 5 and "主要责任" in accident.evidence
    for case in (referral, accident):
        assert case.status == CaseStatus.PROPOSED and case.number == f"SX2026-{case.pk:06d}"
        assert [e.action for e in case.events.all()] == ["propose"]
    bw.home.refresh_from_db()
    assert bw.home.is_blacklisted is False


def test_trigger_queries_do_not_grow_with_the_facts(bw, django_assert_max_num_queries):
    from credit.triggers import open_triggered_cases

    from inspections.models import Penalty

    for i in range(5):
        _escalated_finding(bw)
        _incident(bw, "direct")
        Penalty.objects.create(institution=bw.home, kind="warning", reason_code="obstruction", reason="拒绝检查",
                               legal_basis="《养老机构管理办法》", decided_on=date(2026, 5, 1), document_number=f"警告{i}号")
    with django_assert_max_num_queries(9):  # one query per trigger, then one insert, number, events
        assert open_triggered_cases(today=date(2026, 6, 1)) == 15


# --- joint punishment -------------------------------------------------------------------------


def test_a_blacklisted_home_may_not_be_given_a_level(bw, national_day):
    from institutions.services import update_institution

    listed(bw)
    with pytest.raises(ValidationFailed) as refused:
        update_institution(actor=bw.admin, institution_id=bw.home.pk,
                           data={"level": 3, "level_rated_on": date(2026, 11, 1)})
    assert "level" in refused.value.fields
    bw.home.refresh_from_db()
    assert bw.home.level is None


def test_a_blacklisted_home_is_always_drawn(bw, national_day):
    from tests.inspections.conftest import ITEMS  # noqa: F401  (the checklist the draw plans with)
    from inspections import draws

    _checklist()
    for _ in range(9):
        InstitutionFactory(region=region("440106"), credit_grade="A")
    for department in (Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE):
        for _ in range(2):
            make_user(Role.INSPECTOR, region_code="440106", department=department)
    bw.home.credit_grade = "A"
    bw.home.save()
    listed(bw)
    for seed in ("s1", "s2", "s3", "s4"):
        record = draws.create_draw(
            actor=bw.regulator, region_code="440106", period_start=date(2026, 12, 1), period_end=date(2026, 12, 31),
            use_grade_rates=True, departments=[Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE], seed=seed,
            today=date(2026, 11, 2))
        selected = draws.recorded_result(record).selected
        assert bw.home.pk in selected, seed  # rate 1.00 for a blacklisted home, 0.05 for grade A


def _checklist():
    from inspections.choices import TemplateStatus
    from inspections.models import ChecklistItem, ChecklistTemplate
    from tests.inspections.conftest import ITEMS

    template = ChecklistTemplate.objects.create(code="bl-joint", version=1, name="测试检查表",
                                                status=TemplateStatus.PUBLISHED, published_at=timezone.now())
    for order, (code, section, text, source, clause, department, major) in enumerate(ITEMS, start=1):
        ChecklistItem.objects.create(template=template, code=code, section=section, order=order, text=text,
                                     source=source, clause=clause, department=department, is_major_hazard=major)
    return template


# --- PDFs -------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", "")


def test_notice_pdf_states_facts_criterion_basis_and_the_deadline_in_chinese(bw, national_day):
    from credit import pdf

    case = bw.propose()
    with pytest.raises(Conflict):
        pdf.notice_pdf(case)
    case = blacklist.notify_case(actor=bw.regulator, case_id=case.pk, today=NOTIFY_DAY)
    text = pdf_text(pdf.notice_pdf(case))
    for phrase in ("失信联合惩戒对象名单列入告知书", "广州市天河区民政局", "天河康乐养老院", "消防通道堵塞",
                   "重大火灾隐患", "民发〔2019〕103号", "第五条第（四）项", "10个工作日内", "2026年10月16日",
                   "陈述、申辩", case.number):
        assert phrase in text, phrase


def test_decision_pdf_has_dates_measures_repair_and_remedies(bw, national_day):
    from credit import pdf

    case = listed(bw)
    text = pdf_text(pdf.decision_pdf(case))
    for phrase in ("失信联合惩戒对象名单列入决定书", "列入日期", "2026年10月20日", "2029年10月20日", "联合惩戒措施",
                   "不予参加养老机构等级评定", "信用修复", "2028年10月20日", "六十日内", "行政复议", "六个月内",
                   "行政诉讼", "广州市天河区人民政府", "未提出异议"):
        assert phrase in text, phrase
    dismissed = bw.in_state(CaseStatus.DISMISSED, listed_at=None)
    with pytest.raises(Conflict):
        pdf.decision_pdf(dismissed)
