"""Benchmark dataset, inspections part: a joint routine inspection of every home every year (some
special and unannounced ones besides, a few planned for the coming weeks), an answer to every item
of the published national checklist for the departments taking part, findings graded on the CMS
grid with their rectifications, escalations and penalties. See accounts.scale for the rules."""

from datetime import date, timedelta
from decimal import Decimal
from random import Random

from accounts.jobs import scale_step
from accounts.scale import INSPECTION_DEPARTMENTS, Home, ScaleContext, at, regulator_for
from inspections import rules
from inspections.checklist_selectors import current_template
from inspections.choices import (
    EscalationKind,
    FindingStatus,
    InspectionStatus,
    InspectionType,
    PenaltyKind,
    RectificationDecision,
    ResultOutcome,
    SignerKind,
)
from inspections.models import (
    Escalation,
    Finding,
    FindingEvent,
    Inspection,
    InspectionEvent,
    InspectionResult,
    Penalty,
    Rectification,
    Signature,
)
from inspections.selectors import OPEN_FINDING_STATUSES
from inspections.services import refresh_hazard_counts

SPECIAL_SHARE, CASE_SHARE, PLANNED_SHARE, OTHER_PENALTY_SHARE = 0.10, 0.03, 0.03, 0.01
JOINT_SHARE = 0.75
# How carefully a home is run: the chance that any one item fails (major-hazard items a quarter of it).
FAIL_RATES, FAIL_WEIGHTS = [0.005, 0.02, 0.05, 0.12], [35, 35, 20, 10]
NOT_APPLICABLE = 0.03
SCOPE_WEIGHTS = [60, 30, 10]
NOTES = ["现场检查发现不符合要求", "记录不全，未按规定执行", "设施缺失或损坏", "人员未经培训上岗"]
CHECKLIST_ROOT = "joint-safety"


def _deadlines(ctx: ScaleContext):
    """inspections.rules.default_deadline on the run's preloaded calendar (same rule, same settings)."""
    days = rules.setting("deadline_working_days")

    def deadline(day: date, severity: int) -> date:
        working = int(days.get(severity, days.get(str(severity))))
        return min(ctx.working_days_after(day, working), rules.latest_deadline(day))

    return deadline


@scale_step("inspections", order=40)
def inspections(ctx: ScaleContext) -> None:
    rng = ctx.rng("inspections")
    template = current_template(None, CHECKLIST_ROOT)
    if template is None:
        raise ValueError("The published national checklist is missing: run `manage.py migrate`.")
    items = list(template.items.filter(department__in=INSPECTION_DEPARTMENTS).order_by("order", "id")
                 .values("id", "text", "clause", "department", "is_major_hazard"))
    deadline = _deadlines(ctx)
    for home in ctx.bar(ctx.homes, "inspections"):
        team = ctx.inspectors[home.region]
        quality = rng.choices(FAIL_RATES, weights=FAIL_WEIGHTS)[0]
        for year in range(ctx.years):
            first = ctx.start + timedelta(days=365 * year)
            span = min(365, (ctx.today - first).days)
            visits = [InspectionType.ROUTINE]
            if rng.random() < SPECIAL_SHARE:
                visits.append(InspectionType.SPECIAL)
            if rng.random() < CASE_SHARE:
                visits.append(InspectionType.CASE)
            for kind in visits:
                day = ctx.working_days_after(first + timedelta(days=rng.randrange(span)), 0)
                if day >= ctx.today:
                    day = ctx.working_days_after(ctx.today - timedelta(days=rng.randrange(7, 60)), 0)
                _inspection(ctx, rng, home, team, template.id, items, kind, day, quality, deadline)
            if rng.random() < OTHER_PENALTY_SHARE:  # after a complaint, say: no finding behind it
                penalty_row(ctx, rng, home, first + timedelta(days=rng.randrange(span)))
        if rng.random() < PLANNED_SHARE:
            day = ctx.working_days_after(ctx.today + timedelta(days=rng.randrange(2, 30)), 0)
            _planned(ctx, rng, home, team, template.id, day)
    ctx.flush()
    refresh_hazard_counts(today=ctx.today)


def _members(rng: Random, team: dict, kind: str = InspectionType.ROUTINE) -> tuple[list[str], list[int]]:
    """Departments taking part and the inspectors sent (two at least, as the rules require): most
    routine visits are joint (civil affairs and fire rescue, one inspector each); the rest, special
    (fire) and unannounced (civil affairs) visits are one department's, sending both its inspectors."""
    civil, fire = INSPECTION_DEPARTMENTS
    if kind == InspectionType.ROUTINE and rng.random() < JOINT_SHARE:
        return [civil, fire], [rng.choice(team[civil]), rng.choice(team[fire])]
    department = fire if kind == InspectionType.SPECIAL else civil
    return [department], list(team[department])


def _planned(ctx, rng: Random, home: Home, team: dict, template: int, day: date) -> None:
    """Next month's work: planned, or already notified (routine visits are announced)."""
    departments, members = _members(rng, team)
    pk = ctx.new_id(Inspection)
    created = at(ctx.today - timedelta(days=rng.randrange(1, 10)), 10)
    notified = rules.notice_due_by(day, today=ctx.today) is False or rng.random() < 0.5
    ctx.row(Inspection, id=pk, number=f"JC{day.year}-{pk:06d}", institution_id=home.id, region_id=home.region,
            type=InspectionType.ROUTINE, status=InspectionStatus.NOTIFIED if notified else InspectionStatus.PLANNED,
            departments=departments, checklist_id=template, scheduled_for=day,
            notified_at=created + timedelta(hours=2) if notified else None, version=2 if notified else 1,
            created_by_id=regulator_for(ctx, home.region),
            created_at=created, updated_at=created + timedelta(hours=2 if notified else 0))
    for user in members:
        ctx.row(Inspection.inspectors.through, inspection_id=pk, user_id=user)
    ctx.row(InspectionEvent, inspection_id=pk, action="plan", from_status="", to_status="planned", at=created)
    if notified:
        ctx.row(InspectionEvent, inspection_id=pk, action="notify", from_status="planned", to_status="notified",
                at=created + timedelta(hours=2))


def _inspection(ctx, rng: Random, home: Home, team: dict, template: int, items, kind: str, day: date,
                quality: float, deadline) -> None:
    departments, members = _members(rng, team, kind)
    answerer = {department: members[n % len(members)] for n, department in enumerate(departments)}
    pk = ctx.new_id(Inspection)
    started = at(day, 9, rng.randrange(0, 50))
    completed = started + timedelta(hours=2, minutes=rng.randrange(0, 90))
    announced = kind != InspectionType.CASE
    notified = at(day - timedelta(days=rng.randrange(5, 9)), 10) if announced else None
    created = (notified or started) - timedelta(days=rng.randrange(1, 10))
    findings, majors = [], 0
    for n, item in enumerate(i for i in items if i["department"] in answerer):
        answered_by = answerer[item["department"]]
        rate = quality / 4 if item["is_major_hazard"] else quality
        draw = rng.random()
        outcome = (ResultOutcome.FAIL if draw < rate
                   else ResultOutcome.NOT_APPLICABLE if draw > 1 - NOT_APPLICABLE else ResultOutcome.PASS)
        ctx.row(InspectionResult, inspection_id=pk, item_id=item["id"], outcome=outcome, answered_by_id=answered_by,
                answered_at=started + timedelta(minutes=n + 1), note="" if outcome == ResultOutcome.PASS else "现场核实")
        if outcome == ResultOutcome.FAIL:
            findings.append(_finding(ctx, rng, home, pk, item, day, completed, answered_by, deadline, len(findings)))
            majors += item["is_major_hazard"]
    # Closed once every finding is closed or escalated (as close_inspection requires), some days after the last.
    done = all(status in (FindingStatus.CLOSED, FindingStatus.ESCALATED) for status, _when in findings)
    closed = max([completed] + [when for _status, when in findings]) + timedelta(days=rng.randrange(3, 30))
    if not done or closed > at(ctx.today, 8):
        closed = None
    events = [("plan", "", "planned", created)]
    if announced:
        events.append(("notify", "planned", "notified", notified))
    events += [("start", events[-1][2], "in_progress", started), ("complete", "in_progress", "completed", completed)]
    if closed:
        events.append(("close", "completed", "closed", closed))
    ctx.row(Inspection, id=pk, number=f"JC{day.year}-{pk:06d}", institution_id=home.id, region_id=home.region,
            type=kind, status=events[-1][2], departments=departments, checklist_id=template, scheduled_for=day,
            reason="" if kind == InspectionType.ROUTINE else "根据投诉举报和风险研判开展检查。", notified_at=notified,
            started_at=started, completed_at=completed, closed_at=closed, version=len(events),
            conclusion=f"检查完毕，发现问题{len(findings)}项，已当场告知并下达整改通知。",
            # The counters refresh_finding_counts keeps (the generator writes no row through the services).
            findings_total=len(findings), major_hazards=majors,
            findings_open=sum(status in OPEN_FINDING_STATUSES for status, _when in findings),
            created_by_id=regulator_for(ctx, home.region), created_at=created,
            updated_at=events[-1][3])
    for user in members:
        ctx.row(Inspection.inspectors.through, inspection_id=pk, user_id=user)
        ctx.row(Signature, inspection_id=pk, kind=SignerKind.INSPECTOR, user_id=user, name=ctx.user_names[user],
                signed_at=completed)
    ctx.row(Signature, inspection_id=pk, kind=SignerKind.REPRESENTATIVE, name=ctx.user_names[ctx.home_users[home.id]],
            signed_at=completed)
    planner = regulator_for(ctx, home.region)
    for action, before, after, when in events:
        ctx.row(InspectionEvent, inspection_id=pk, action=action, from_status=before, to_status=after, at=when,
                actor_id=members[0] if action in ("start", "complete") else planner)


def _finding(ctx, rng: Random, home: Home, inspection: int, item: dict, day: date, issued, inspector: int,
             deadline, n: int) -> tuple[str, object]:
    """A finding and what became of it; returns its status and when it last changed. Past its deadline most were rectified and
    accepted, some are overdue, a few escalated to a penalty; before it, open, submitted or closed."""
    severity = min(4, rng.choices([1, 2, 3], weights=[45, 40, 15])[0] + (1 if item["is_major_hazard"] else 0))
    scope = rng.choices(rules.SCOPE_ORDER, weights=SCOPE_WEIGHTS)[0]
    due = deadline(day, severity)
    pk = ctx.new_id(Finding)
    events = [("record", "", FindingStatus.OPEN, issued)]
    rectifications = []
    finding = dict(id=pk, inspection_id=inspection, institution_id=home.id, region_id=home.region,
                   item_id=item["id"],
                   description=f"{item['text'][:150]}：{NOTES[n % len(NOTES)]}", legal_basis=item["clause"][:300],
                   is_major_hazard=item["is_major_hazard"], severity=severity, scope_of_harm=scope,
                   grade=rules.grade_for(severity, scope), deadline=due, created_by_id=inspector, created_at=issued)
    now = at(ctx.today, 8)
    if due < ctx.today:
        fate = rng.choices(["closed", "overdue", "escalated", "late"], weights=[85, 8, 4, 3])[0]
    else:
        fate = rng.choices(["open", "submitted", "closed"], weights=[40, 30, 30])[0]
    window = max(1, (min(due, ctx.today) - day).days)
    submitted = min(issued + timedelta(days=rng.uniform(1, window)), now)
    if fate in ("closed", "submitted", "late"):
        if fate == "late":
            events.append(("overdue", FindingStatus.OPEN, FindingStatus.OVERDUE, at(due + timedelta(days=1), 1)))
            submitted = min(at(due + timedelta(days=rng.randrange(2, 30)), 14), now)
            finding["overdue_since"] = due + timedelta(days=1)
        if fate == "closed" and rng.random() < 0.1:  # first plan rejected, a second one accepted
            rejected = submitted
            back = FindingStatus.OVERDUE if (rejected + timedelta(days=2)).date() > due else FindingStatus.OPEN
            if back == FindingStatus.OVERDUE:
                finding["overdue_since"] = (rejected + timedelta(days=2)).date()
            rectifications.append((rejected, RectificationDecision.REJECTED, rejected + timedelta(days=2)))
            events += [("submit-rectification", FindingStatus.OPEN, FindingStatus.SUBMITTED, rejected),
                       ("verify", FindingStatus.SUBMITTED, back, rejected + timedelta(days=2))]
            submitted = min(rejected + timedelta(days=5), now)
        events.append(("submit-rectification", events[-1][2], FindingStatus.SUBMITTED, submitted))
        if fate == "closed":
            decided = min(submitted + timedelta(days=rng.uniform(1, 7)), now)
            rectifications.append((submitted, RectificationDecision.ACCEPTED, decided))
            events.append(("verify", FindingStatus.SUBMITTED, FindingStatus.CLOSED, decided))
            finding["closed_at"] = decided
        else:
            rectifications.append((submitted, "", None))
    elif fate in ("overdue", "escalated"):
        events.append(("overdue", FindingStatus.OPEN, FindingStatus.OVERDUE, at(due + timedelta(days=1), 1)))
        finding["overdue_since"] = due + timedelta(days=1)
        if fate == "escalated":
            escalated = min(at(due + timedelta(days=rng.randrange(5, 40)), 15), now)
            events.append(("escalate", FindingStatus.OVERDUE, FindingStatus.ESCALATED, escalated))
            finding["escalated_at"] = escalated
            _escalation(ctx, rng, home, pk, escalated)
    finding.update(status=events[-1][2], version=len(events), updated_at=events[-1][3])
    ctx.row(Finding, **finding)
    for action, before, after, when in events:
        ctx.row(FindingEvent, finding_id=pk, action=action, from_status=before, to_status=after, at=when,
                actor_id=(inspector if action in ("record", "verify") else ctx.home_users[home.id]
                          if action == "submit-rectification" else regulator_for(ctx, home.region)
                          if action == "escalate" else None))
    for submitted_at, decision, decided_at in rectifications:
        ctx.row(Rectification, finding_id=pk, submitted_by_id=ctx.home_users[home.id], plan="已制定整改方案，明确责任人，限期完成。",
                evidence_note="已完成整改，附现场照片。", submitted_at=submitted_at, decision=decision,
                decision_note="整改不到位，请重新整改。" if decision == RectificationDecision.REJECTED else "",
                decided_by_id=inspector if decision else None, decided_at=decided_at)
    return finding["status"], finding["updated_at"]


def _escalation(ctx, rng: Random, home: Home, finding: int, when) -> None:
    """An unmet rectification escalated to a warning or a fine (a penalty row), now and then to a
    blacklist referral for credit to pick up."""
    if rng.random() < 0.15:
        ctx.row(Escalation, finding_id=finding, kind=EscalationKind.BLACKLIST_REFERRAL, note="逾期未整改，提请列入失信名单。",
                blacklist_criterion=4, created_at=when)
        return
    penalty = penalty_row(ctx, rng, home, when.date(), finding=finding)
    ctx.row(Escalation, finding_id=finding, kind=EscalationKind.PENALTY, note="逾期未整改，依法予以处罚。",
            penalty_id=penalty, created_at=when)


def penalty_row(ctx, rng: Random, home: Home, decided_on: date, finding: int | None = None) -> int:
    fine = rng.random() < 0.6
    pk = ctx.new_id(Penalty)
    ctx.row(Penalty, id=pk, institution_id=home.id, finding_id=finding,
            kind=PenaltyKind.FINE if fine else PenaltyKind.WARNING,
            amount=Decimal(rng.choice([2000, 5000, 10000, 20000, 30000])) if fine else None,
            reason="未按期完成安全隐患整改。" if finding else "经查实存在违反养老机构管理规定的行为。",
            legal_basis="《养老机构管理办法》第四十六条", decided_on=decided_on,
            document_number=f"{home.region}民罚〔{decided_on.year}〕{pk}号", decided_by_id=regulator_for(ctx, home.region),
            created_at=at(decided_on, 16),
            updated_at=at(decided_on, 16))
    return pk
