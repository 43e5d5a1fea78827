"""Inspection demo data: a second inspector in each demo city, last year's inspections of most demo
homes with their results, signatures and findings in every state, and this week's work for the demo
inspectors (one planned, one notified, one in progress) so the on-site page has something to log.

Past inspections are written directly (the services refuse dates in the past, as they should);
this week's go through the services. Which homes, which items fail and how the findings ended are
derived from the USCC (SHA-256), so the data is the same on every machine.
"""

import hashlib
from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.choices import Department, Role
from accounts.demo import DemoContext, DemoDataError, demo_account
from accounts.jobs import demo_step
from accounts.models import User
from accounts.scoping import region_in_scope, region_q
from accounts.workdays import add_working_days
from inspections import rules, services
from inspections.checklist_selectors import current_template
from inspections.choices import (
    FindingStatus,
    InspectionStatus,
    InspectionType,
    RectificationDecision,
    ResultOutcome,
    SignerKind,
)
from inspections.models import (
    Finding,
    FindingEvent,
    Inspection,
    InspectionEvent,
    InspectionResult,
    Rectification,
    Signature,
)
from institutions.models import Institution, Region

TEAM_DEPARTMENTS = [Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE]
EXTRA_INSPECTORS = [
    # username, name, region, department: each demo city gets a civil-affairs and a fire inspector.
    ("gz_inspector", "陈嘉敏", "440100", Department.CIVIL_AFFAIRS),
    ("ak_fire_inspector", "张卫东", "610900", Department.FIRE_RESCUE),
]
FINDING_NOTES = ["现场检查发现不符合要求", "记录不全，未按规定执行", "设施缺失或损坏", "人员未经培训上岗"]


def _h(*parts) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def _at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@demo_step("inspections", order=40)
def seed_inspections(ctx: DemoContext) -> None:
    checklist = current_template(None)
    if checklist is None:
        raise DemoDataError("The default checklist is missing: run `manage.py migrate`.")
    regions = Region.objects.in_bulk([code for _u, _n, code, _d in EXTRA_INSPECTORS])
    for username, name, code, department in EXTRA_INSPECTORS:
        demo_account(ctx, username=username, role=Role.INSPECTOR, full_name=name, region=regions[code],
                     department=department)
    inspectors = list(User.objects.filter(role=Role.INSPECTOR, username__in=[
        "gz_inspector", "gz_fire_inspector", "ak_inspector", "ak_fire_inspector"]).order_by("username"))
    homes = list(Institution.objects.filter(region_q("region_id", "440000") | region_q("region_id", "610000"))
                 .filter(is_active=True).order_by("uscc"))
    if Inspection.objects.filter(institution__in=homes).exists():
        return  # seeded before
    items = list(checklist.items.filter(department__in=TEAM_DEPARTMENTS).order_by("order", "id"))
    with_accounts = set(User.objects.filter(role=Role.INSTITUTION).values_list("institution_id", flat=True))
    for home in homes:
        team = [u for u in inspectors if region_in_scope(u, home.region_id)]
        if len(team) >= 2 and (home.pk in with_accounts or _h(home.uscc, "inspected") % 100 < 85):
            _past_inspection(ctx, home, team, checklist, items, has_account=home.pk in with_accounts)
            ctx.created["inspections"] += 1
    _this_week(ctx, homes, inspectors, checklist, items)
    # The past findings were written directly: their inspections count them now.
    services.refresh_finding_counts(inspection_ids=list(
        Inspection.objects.filter(institution__in=homes).values_list("pk", flat=True)))


def _past_inspection(ctx, home, team, checklist, items, *, has_account: bool) -> None:
    """A completed inspection between 20 and 330 days ago; recent ones still have open findings."""
    # The demo institutions' own homes were inspected last month, so their accounts have findings to answer.
    days_ago = 25 if has_account else 20 + _h(home.uscc, "when") % 310
    day = add_working_days(ctx.today - timedelta(days=days_ago), 0)
    done = day <= ctx.today - timedelta(days=120)
    inspection = Inspection.objects.create(
        institution=home, type=InspectionType.ROUTINE, departments=TEAM_DEPARTMENTS, checklist=checklist,
        scheduled_for=day, notified_at=_at(day - timedelta(days=5), 9), started_at=_at(day, 9),
        completed_at=_at(day, 11), status=InspectionStatus.CLOSED if done else InspectionStatus.COMPLETED,
        closed_at=_at(day + timedelta(days=60), 10) if done else None, created_by=ctx.admin,
        conclusion="检查完毕，发现问题已当场告知并下达整改通知。",
    )
    inspection.number = f"JC{day.year}-{inspection.pk:06d}"
    inspection.save(update_fields=["number"])
    inspection.inspectors.set(team[:2])
    count = 3 if has_account else _h(home.uscc, "findings") % 5
    failing = {items[_h(home.uscc, n) % len(items)].pk for n in range(count)}
    InspectionResult.objects.bulk_create([
        InspectionResult(inspection=inspection, item=item, answered_by=team[0],
                         outcome=ResultOutcome.FAIL if item.pk in failing else ResultOutcome.PASS)
        for item in items
    ])
    Signature.objects.bulk_create(
        [Signature(inspection=inspection, kind=SignerKind.INSPECTOR, user=u, name=str(u)) for u in team[:2]]
        + [Signature(inspection=inspection, kind=SignerKind.REPRESENTATIVE, name=home.contact_person or "院长")]
    )
    events = [("plan", "", "planned"), ("notify", "planned", "notified"), ("start", "notified", "in_progress"),
              ("complete", "in_progress", "completed")] + ([("close", "completed", "closed")] if done else [])
    InspectionEvent.objects.bulk_create([
        InspectionEvent(inspection=inspection, action=a, from_status=f, to_status=t, actor=team[0]) for a, f, t in events
    ])
    for n, item in enumerate(i for i in items if i.pk in failing):
        _past_finding(ctx, inspection, item, day, done, n)


def _past_finding(ctx, inspection, item, day, done, n) -> None:
    severity = 1 + _h(inspection.institution.uscc, item.code) % 3 + (1 if item.is_major_hazard else 0)
    scope = rules.SCOPE_ORDER[_h(item.code, inspection.pk) % 3]
    deadline = rules.default_deadline(day, severity)
    if done:
        status = FindingStatus.CLOSED
    else:
        status = [FindingStatus.OPEN, FindingStatus.SUBMITTED, FindingStatus.CLOSED][_h(item.code, "s") % 3]
        if status == FindingStatus.OPEN and deadline < ctx.today:
            status = FindingStatus.OVERDUE
    finding = Finding.objects.create(
        inspection=inspection, institution=inspection.institution, item=item, legal_basis=item.clause,
        description=f"{item.text}：{FINDING_NOTES[n % len(FINDING_NOTES)]}", is_major_hazard=item.is_major_hazard,
        severity=severity, scope_of_harm=scope, grade=rules.grade_for(severity, scope), deadline=deadline,
        status=status, overdue_since=deadline + timedelta(days=1) if status == FindingStatus.OVERDUE else None,
        closed_at=_at(min(deadline, ctx.today), 15) if status == FindingStatus.CLOSED else None,
        created_by=inspection.inspectors.first(),
    )
    FindingEvent.objects.create(finding=finding, action="record", to_status="open")
    if status in (FindingStatus.SUBMITTED, FindingStatus.CLOSED):
        Rectification.objects.create(
            finding=finding, plan="已制定整改方案，明确责任人，限期完成。", evidence_note="已完成整改，附现场照片。",
            decision=RectificationDecision.ACCEPTED if status == FindingStatus.CLOSED else "",
            decided_at=finding.closed_at,
        )
        FindingEvent.objects.create(finding=finding, action="submit-rectification", from_status="open",
                                    to_status="submitted")
    if status == FindingStatus.CLOSED:
        FindingEvent.objects.create(finding=finding, action="verify", from_status="submitted", to_status="closed")
    if status == FindingStatus.OVERDUE:
        FindingEvent.objects.create(finding=finding, action="overdue", from_status="open", to_status="overdue")


def _this_week(ctx, homes, inspectors, checklist, items) -> None:
    """Work for the demo inspectors through the services: planned, notified and in progress."""
    by_name = {u.username: u for u in inspectors}
    regulators = {u.username: u for u in User.objects.filter(username__in=["ak_regulator", "gz_regulator"])}
    for regulator_name, names in (("ak_regulator", ("ak_inspector", "ak_fire_inspector")),
                                  ("gz_regulator", ("gz_inspector", "gz_fire_inspector"))):
        team = [by_name[n] for n in names]
        candidates = [h for h in homes if all(region_in_scope(u, h.region_id) for u in team)]
        regulator = regulators.get(regulator_name)
        if len(candidates) < 3:
            continue
        planned, notified, on_site = candidates[:3]
        for home, steps in ((planned, 0), (notified, 1), (on_site, 2)):
            inspection = services.plan_inspection(
                actor=regulator or ctx.admin, today=ctx.today, plan=services.Plan(
                    institution_id=home.pk, type=InspectionType.ROUTINE, departments=TEAM_DEPARTMENTS,
                    inspector_ids=[u.pk for u in team], checklist_id=checklist.pk,
                    scheduled_for=add_working_days(ctx.today, 3 + 2 * (2 - steps)),
                ),
            )
            if steps >= 1:
                services.notify_inspection(actor=regulator or ctx.admin, inspection_id=inspection.pk, today=ctx.today,
                                           note="请提前准备消防设施检测报告、日巡查和月检查记录。")
            if steps >= 2:
                services.start_inspection(actor=team[0], inspection_id=inspection.pk)
                for item in items[:5]:
                    services.record_result(actor=team[0], inspection_id=inspection.pk, item_id=item.pk,
                                           outcome=ResultOutcome.PASS)
            ctx.created["inspections"] += 1
