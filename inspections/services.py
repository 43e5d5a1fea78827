"""Every write of inspections, findings, rectifications, escalations and penalties.

Who may do what (shared/api.md "Inspection" and "Finding", issue "Safety inspections"):
- regulators and inspectors of the region plan inspections and give the notice (routine and special
  ones, 3 working days ahead; a case inspection is never announced);
- the assigned inspectors start, answer the checklist item by item (each answer saved as given),
  take photos, record findings, sign with the institution's representative, and complete;
- the institution answers each finding with its plan and evidence; an inspector accepts or rejects;
- `run_daily` marks unmet deadlines overdue; an inspector or regulator escalates (penalty,
  suspension order, blacklist referral); regulators record penalties;
- administrators may do everything.
Transitions are data (INSPECTION_TRANSITIONS, FINDING_TRANSITIONS); each writes one event row.
Every transition locks its row; inspections and findings carry a `version` for If-Match.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Department, Role
from accounts.models import User
from accounts.scoping import region_in_scope, region_prefix, scoped
from accounts.services import notify
from accounts.workdays import add_working_days
from config import uploads
from config.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from config.services import actor_or_none, check_version, required_text
from config.states import SYSTEM, find_transition, transition
from inspections import rules
from inspections.choices import (
    ClauseSource,
    EscalationKind,
    FindingScope,
    FindingStatus,
    InspectionStatus,
    InspectionType,
    PenaltyKind,
    PenaltyReason,
    RectificationDecision,
    ResultOutcome,
    SignerKind,
    TemplateStatus,
)
from inspections.models import (
    FINE_CAP,
    ChecklistTemplate,
    Escalation,
    Finding,
    FindingEvent,
    Inspection,
    InspectionEvent,
    InspectionPhoto,
    InspectionResult,
    Penalty,
    Rectification,
    RectificationFile,
    Signature,
)
from inspections.checklist_selectors import current_template
from inspections.selectors import (
    DONE_FINDING_STATUSES,
    OPEN_FINDING_STATUSES,
    checklist_items_of,
    visible_findings,
    visible_inspections,
)
from institutions.models import Institution

PHOTO_MAX_BYTES = 20 * 1024 * 1024  # a phone's full-size picture; stored re-encoded at ≤ 1600 px
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
SIGNATURE_MAX_BYTES = 512 * 1024
BLACKLIST_MAJOR_FIRE_HAZARD = 4  # 民发〔2019〕103号: a major fire hazard not rectified by its deadline
BLACKLIST_OTHER = 9
COUNTS_BATCH = 5000  # inspections per UPDATE of their finding counts: well inside any database's parameter limit

IS, FS = InspectionStatus, FindingStatus
PLANNERS = [Role.REGULATOR, Role.INSPECTOR, Role.ADMIN]
ON_SITE = [Role.INSPECTOR, Role.ADMIN]

INSPECTION_TRANSITIONS = [
    transition("notify", [IS.PLANNED], IS.NOTIFIED, PLANNERS),
    transition("start", [IS.PLANNED, IS.NOTIFIED], IS.IN_PROGRESS, ON_SITE),
    transition("complete", [IS.IN_PROGRESS], IS.COMPLETED, ON_SITE),
    transition("close", [IS.COMPLETED], IS.CLOSED, PLANNERS),
]
FINDING_TRANSITIONS = [
    # A late plan is still a plan: an overdue finding may be answered too.
    transition("submit-rectification", [FS.OPEN, FS.OVERDUE], FS.SUBMITTED, [Role.INSTITUTION, Role.ADMIN]),
    transition("verify", [FS.SUBMITTED], FS.CLOSED, ON_SITE),  # rejected: back to open (or overdue)
    transition("overdue", [FS.OPEN], FS.OVERDUE, [SYSTEM]),
    transition("escalate", [FS.OPEN, FS.SUBMITTED, FS.OVERDUE], FS.ESCALATED, PLANNERS),
]
INSPECTION_LABELS = dict(InspectionStatus.choices)
FINDING_LABELS = dict(FindingStatus.choices)


def _institution_in_scope(actor, institution_id) -> Institution:
    """The institution a new record names; one outside the caller's scope is bad input, in the same
    words as a missing one (as when registering practitioners or claims)."""
    institution = scoped(actor, Institution.objects.filter(pk=institution_id)).first()
    if institution is None:
        raise ValidationFailed(_("No such institution in your scope."),
                               fields={"institution": [_("No such institution in your scope.")]})
    return institution


def _institution_users(institution_id: int):
    return User.objects.filter(institution_id=institution_id, is_active=True)


# ---------------------------------------------------------------------------------------------
# Planning


def _checklist(actor, checklist_id: int | None, institution: Institution) -> ChecklistTemplate:
    """The chosen list, or the one that applies where the home is (its region's own, else the
    nearest above, else the national one)."""
    if checklist_id is None:
        template = current_template(institution.region_id)
        if template is None:
            raise ValidationFailed(_("Choose a checklist."), fields={"checklist": [_("This field is required.")]})
        return template
    template = ChecklistTemplate.objects.filter(pk=checklist_id, status=TemplateStatus.PUBLISHED).first()
    # National templates serve everyone; a local one serves its region and the regions below it.
    usable = template is not None and (
        template.region_id is None or institution.region_id.startswith(region_prefix(template.region_id))
    )
    if not usable:
        raise ValidationFailed(_("Choose a published checklist that applies to this institution's region."),
                               fields={"checklist": [_("Not a published checklist for this region.")]})
    return template


def _team(institution: Institution, inspector_ids, departments: list[str]) -> list[User]:
    ids = sorted({int(pk) for pk in inspector_ids or []})
    users = list(User.objects.filter(pk__in=ids, role=Role.INSPECTOR, is_active=True))
    problems = []
    if len(users) != len(ids):
        problems.append(_("Only active inspectors can be assigned."))
    if len(users) < rules.setting("min_inspectors"):
        problems.append(_("At least %(n)s inspectors check on site.") % {"n": rules.setting("min_inspectors")})
    outside = [u for u in users if not region_in_scope(u, institution.region_id)]
    if outside:
        problems.append(_("%(names)s may not inspect outside their region.") % {"names": "、".join(map(str, outside))})
    other_departments = [u for u in users if u.department not in departments]
    if other_departments:
        problems.append(_("%(names)s belong to a department that is not taking part.")
                        % {"names": "、".join(map(str, other_departments))})
    if problems:
        raise ValidationFailed(problems[0], fields={"inspectors": problems})
    return users


def _departments(departments) -> list[str]:
    chosen = [d for d in Department.values if d in set(departments or [])]  # stable order, no repeats
    if not chosen or len(chosen) != len(set(departments)):
        raise ValidationFailed(_("Choose the departments taking part."),
                               fields={"departments": [_("Choose one or more known departments.")]})
    return chosen


@dataclass(frozen=True)
class Plan:
    institution_id: int
    type: str
    scheduled_for: date
    departments: list
    inspector_ids: list
    checklist_id: int | None = None
    reason: str = ""


@transaction.atomic
def plan_inspection(*, actor, plan: Plan, today: date | None = None, draw=None) -> Inspection:
    """A planned inspection. Routine and special ones must leave room for the notice."""
    if actor.role not in PLANNERS:
        raise NotAllowed(_("Regulators and inspectors plan inspections."))
    institution = _institution_in_scope(actor, plan.institution_id)
    if plan.type not in InspectionType.values:
        raise ValidationFailed(_("Unknown inspection type."), fields={"type": [_("Choose routine, special or case.")]})
    today = today or timezone.localdate()
    if plan.type == InspectionType.CASE:
        reason = required_text(plan.reason, "reason", _("Say why this case inspection is made (complaint, accident…)."))
        if plan.scheduled_for < today:
            raise ValidationFailed(_("The date is in the past."), fields={"scheduled_for": [_("The date is in the past.")]})
    else:
        reason = (plan.reason or "").strip()
        earliest = add_working_days(today, rules.setting("notice_working_days"))
        if plan.scheduled_for < earliest:
            raise ValidationFailed(
                _("A routine or special inspection is announced %(n)s working days ahead: schedule it on %(date)s or later.")
                % {"n": rules.setting("notice_working_days"), "date": earliest.isoformat()},
                fields={"scheduled_for": [_("Too soon for the notice.")]}, code="notice_period",
            )
    departments = _departments(plan.departments)
    team = _team(institution, plan.inspector_ids, departments)
    inspection = Inspection.objects.create(
        institution=institution, type=plan.type, departments=departments, scheduled_for=plan.scheduled_for,
        checklist=_checklist(actor, plan.checklist_id, institution), reason=reason, draw=draw, created_by=actor_or_none(actor),
    )
    inspection.number = f"JC{plan.scheduled_for.year}-{inspection.pk:06d}"
    inspection.save(update_fields=["number"])
    inspection.inspectors.set(team)
    _record(inspection, "plan", "", actor)
    return inspection


# ---------------------------------------------------------------------------------------------
# Inspection transitions


def _record(inspection: Inspection, action: str, from_status: str, actor, note: str = "") -> None:
    InspectionEvent.objects.create(
        inspection=inspection, action=action, from_status=from_status, to_status=inspection.status,
        actor=actor_or_none(actor), note=note,
    )


def _locked_inspection(actor, inspection_id) -> Inspection:
    inspection = visible_inspections(
        actor, Inspection.objects.select_for_update(of=("self",)).select_related("institution")
    ).filter(pk=inspection_id).first()
    if inspection is None:
        raise NotFound()
    return inspection


def _is_assigned(actor, inspection: Inspection) -> bool:
    return actor.role == Role.ADMIN or inspection.inspectors.filter(pk=actor.pk).exists()


def _begin(actor, inspection_id: int, action: str, expected_version: int | None):
    inspection = _locked_inspection(actor, inspection_id)
    check_version(inspection, expected_version)
    move = find_transition(
        INSPECTION_TRANSITIONS, action=action, state=inspection.status, role=actor.role, labels=INSPECTION_LABELS
    )
    return inspection, move


def _finish(inspection: Inspection, action: str, target: str, actor, note: str = "") -> Inspection:
    previous = inspection.status
    inspection.status = target
    inspection.version += 1
    inspection.save()
    _record(inspection, action, previous, actor, note)
    return inspection


@transaction.atomic
def notify_inspection(*, actor, inspection_id: int, note: str = "", today: date | None = None,
                      expected_version: int | None = None) -> Inspection:
    """Send the notice (检查通知). Case inspections are unannounced."""
    inspection, move = _begin(actor, inspection_id, "notify", expected_version)
    if inspection.type == InspectionType.CASE:
        raise Conflict(_("A case inspection is unannounced: start it on site."), code="unannounced")
    today = today or timezone.localdate()
    earliest = add_working_days(today, rules.setting("notice_working_days"))
    if inspection.scheduled_for < earliest:
        raise Conflict(
            _("Too late for %(n)s working days' notice: reschedule to %(date)s or later.")
            % {"n": rules.setting("notice_working_days"), "date": earliest.isoformat()},
            code="notice_period",
        )
    inspection.notified_at = timezone.now()
    _finish(inspection, "notify", move.target, actor, note)
    notify(
        users=_institution_users(inspection.institution_id), key=f"inspection-notice-{inspection.pk}",
        title=_("Safety inspection on %(date)s") % {"date": inspection.scheduled_for.isoformat()},
        body=note, url=reverse("inspection-detail", args=[inspection.pk]),
    )
    return inspection


@transaction.atomic
def start_inspection(*, actor, inspection_id: int, note: str = "", expected_version: int | None = None) -> Inspection:
    inspection, move = _begin(actor, inspection_id, "start", expected_version)
    if not _is_assigned(actor, inspection):
        raise NotAllowed(_("Only the assigned inspectors carry out this inspection."))
    if inspection.type != InspectionType.CASE and inspection.status == InspectionStatus.PLANNED:
        raise Conflict(_("Send the notice before a routine or special inspection starts."), code="not_notified")
    inspection.started_at = timezone.now()
    return _finish(inspection, "start", move.target, actor, note)


def _on_site(actor, inspection_id: int) -> Inspection:
    """Lock an inspection being carried out by `actor` (answers, photos, findings, signatures)."""
    inspection = _locked_inspection(actor, inspection_id)
    if actor.role not in ON_SITE or not _is_assigned(actor, inspection):
        raise NotAllowed(_("Only the assigned inspectors record this inspection."))
    if inspection.status != InspectionStatus.IN_PROGRESS:
        raise Conflict(_("Results are recorded while the inspection is in progress."), code="not_in_progress")
    # Answers, photos, findings and signatures change what the inspection shows: `updated_since` polls see it.
    Inspection.objects.filter(pk=inspection.pk).update(updated_at=timezone.now())
    return inspection


@transaction.atomic
def record_result(*, actor, inspection_id: int, item_id: int, outcome: str, note: str = "") -> InspectionResult:
    """Save one answer the moment it is given; answering again replaces it."""
    inspection = _on_site(actor, inspection_id)
    if outcome not in ResultOutcome.values:
        raise ValidationFailed(_("Choose pass, fail or not applicable."), fields={"outcome": [_("Unknown outcome.")]})
    if not checklist_items_of(inspection).filter(pk=item_id).exists():
        raise ValidationFailed(_("The item is not on this inspection's checklist."),
                               fields={"item": [_("Not on this checklist.")]})
    result, _created = InspectionResult.objects.update_or_create(
        inspection=inspection, item_id=item_id,
        defaults={"outcome": outcome, "note": (note or "").strip(), "answered_by": actor_or_none(actor)},
    )
    return result


@transaction.atomic
def upload_photo(*, actor, inspection_id: int, uploaded, item_id: int | None = None, finding_id: int | None = None,
                 caption: str = "") -> InspectionPhoto:
    inspection = _on_site(actor, inspection_id)
    checked = uploads.read_photo(uploaded, max_bytes=PHOTO_MAX_BYTES)
    result = finding = None
    if item_id is not None:
        result = inspection.results.filter(item_id=item_id).first()
        if result is None:
            raise ValidationFailed(_("Answer the item before adding its photo."), fields={"item": [_("Not answered yet.")]})
    if finding_id is not None:
        finding = inspection.findings.filter(pk=finding_id).first()
        if finding is None:
            raise ValidationFailed(_("Unknown finding."), fields={"finding": [_("Not a finding of this inspection.")]})
    digest = hashlib.sha256(checked.data).hexdigest()
    photo = InspectionPhoto(
        inspection=inspection, result=result, finding=finding, original_name=checked.original_name,
        size=len(checked.data), sha256=digest, caption=(caption or "").strip()[:200], uploaded_by=actor_or_none(actor),
    )
    photo.file.save(f"{digest[:16]}.jpg", ContentFile(checked.data), save=False)
    photo.save()
    return photo


@dataclass(frozen=True)
class FindingData:
    description: str
    severity: int
    scope: str
    item_id: int | None = None
    is_major_hazard: bool | None = None  # default: the item's flag
    deadline: date | None = None  # default: by severity (inspections.rules)
    legal_basis: str = ""  # default: the item's clause


def _deadline(requested: date | None, severity: int, today: date) -> date:
    if requested is None:
        return rules.default_deadline(today, severity)
    latest = rules.latest_deadline(today)
    if requested <= today or requested > latest:
        raise ValidationFailed(
            _("The deadline must fall after today and by %(latest)s (six months).") % {"latest": latest.isoformat()},
            fields={"deadline": [_("Out of range.")]},
        )
    return requested


@transaction.atomic
def record_finding(*, actor, inspection_id: int, data: FindingData, today: date | None = None) -> Finding:
    """A finding, graded on the CMS grid. From an item: the item is recorded as failed if not yet."""
    inspection = _on_site(actor, inspection_id)
    today = today or timezone.localdate()
    description = required_text(data.description, "description", _("Describe what was found."))
    if data.severity not in (1, 2, 3, 4):
        raise ValidationFailed(_("Severity is 1 to 4."), fields={"severity": [_("Choose 1 to 4.")]})
    if data.scope not in FindingScope.values:
        raise ValidationFailed(_("Choose isolated, pattern or widespread."), fields={"scope": [_("Unknown scope.")]})
    item = None
    if data.item_id is not None:
        item = checklist_items_of(inspection).filter(pk=data.item_id).first()
        if item is None:
            raise ValidationFailed(_("The item is not on this inspection's checklist."),
                                   fields={"item": [_("Not on this checklist.")]})
        result = inspection.results.filter(item=item).first()
        if result is not None and result.outcome != ResultOutcome.FAIL:
            raise ValidationFailed(_("A finding comes from a failed item; this one is answered otherwise."),
                                   fields={"item": [_("Not failed.")]}, code="item_not_failed")
        if result is None:
            InspectionResult.objects.create(inspection=inspection, item=item, outcome=ResultOutcome.FAIL,
                                            answered_by=actor_or_none(actor))
    major = item.is_major_hazard if data.is_major_hazard is None and item else bool(data.is_major_hazard)
    finding = Finding.objects.create(
        inspection=inspection, institution_id=inspection.institution_id, item=item, description=description,
        legal_basis=(data.legal_basis or "").strip()[:300] or (item.clause if item else ""),
        is_major_hazard=major, severity=data.severity, scope_of_harm=data.scope,
        grade=rules.grade_for(data.severity, data.scope), deadline=_deadline(data.deadline, data.severity, today),
        created_by=actor_or_none(actor),
    )
    _record_finding_event(finding, "record", "", actor)
    refresh_finding_counts(inspection_ids=[inspection.pk])
    if finding.is_major_hazard:
        refresh_hazard_counts(today=today, institution_ids=[inspection.institution_id])
    return finding


@transaction.atomic
def sign_inspection(*, actor, inspection_id: int, kind: str, name: str = "", image=None) -> Signature:
    """An inspector signs for themselves; the institution's representative signs on the inspector's device."""
    inspection = _on_site(actor, inspection_id)
    if kind == SignerKind.INSPECTOR:
        if actor.role != Role.INSPECTOR:
            raise NotAllowed(_("Inspectors sign for themselves."))
        if inspection.signatures.filter(kind=kind, user=actor).exists():
            raise Conflict(_("You have already signed."), code="already_signed")
        signature = Signature(inspection=inspection, kind=kind, user=actor, name=str(actor))
    elif kind == SignerKind.REPRESENTATIVE:
        if inspection.signatures.filter(kind=kind).exists():
            raise Conflict(_("The institution's representative has already signed."), code="already_signed")
        signature = Signature(inspection=inspection, kind=kind, name=required_text(name, "name", _("Give the representative's name."))[:50])
    else:
        raise ValidationFailed(_("Unknown signer."), fields={"kind": [_("Choose inspector or representative.")]})
    if image is not None:
        data = uploads.read_capped(image, SIGNATURE_MAX_BYTES)
        if uploads.image_type(data) != ("image/png", "png"):
            raise ValidationFailed(_("A drawn signature is a PNG image."), fields={"image": [_("Not a PNG image.")]},
                                   code="not_an_image")
        signature.sha256 = hashlib.sha256(data).hexdigest()
        signature.image.save(f"signature-{signature.sha256[:16]}.png", ContentFile(data), save=False)
    signature.save()
    return signature


def missing_for_completion(inspection: Inspection) -> list[str]:
    """What still stands between this inspection and `complete`, in words for the inspector."""
    missing = []
    unanswered = checklist_items_of(inspection).exclude(results__inspection=inspection).count()
    if unanswered:
        missing.append(_("%(n)s checklist items are not answered.") % {"n": unanswered})
    signed = inspection.signatures.filter(kind=SignerKind.INSPECTOR).count()
    needed = rules.setting("min_inspectors")
    if signed < needed:
        missing.append(_("%(signed)s of at least %(needed)s inspectors have signed.") % {"signed": signed, "needed": needed})
    if not inspection.signatures.filter(kind=SignerKind.REPRESENTATIVE).exists():
        missing.append(_("The institution's representative has not signed."))
    return missing


@transaction.atomic
def complete_inspection(*, actor, inspection_id: int, conclusion: str = "", expected_version: int | None = None) -> Inspection:
    inspection, move = _begin(actor, inspection_id, "complete", expected_version)
    if not _is_assigned(actor, inspection):
        raise NotAllowed(_("Only the assigned inspectors complete this inspection."))
    missing = missing_for_completion(inspection)
    if missing:
        raise Conflict(" ".join(missing), code="incomplete")
    inspection.conclusion = (conclusion or "").strip()
    inspection.completed_at = timezone.now()
    _finish(inspection, "complete", move.target, actor)
    findings = inspection.findings.count()
    if findings:
        notify(
            users=_institution_users(inspection.institution_id), key=f"rectification-notice-{inspection.pk}",
            title=_("Rectification notice: %(n)s findings") % {"n": findings},
            body=_("Submit your rectification plan and evidence for each finding before its deadline."),
            url=reverse("inspection-detail", args=[inspection.pk]),
        )
    return inspection


@transaction.atomic
def close_inspection(*, actor, inspection_id: int, note: str = "", expected_version: int | None = None) -> Inspection:
    inspection, move = _begin(actor, inspection_id, "close", expected_version)
    if inspection.findings.exclude(status__in=DONE_FINDING_STATUSES).exists():
        raise Conflict(_("Every finding must be closed or escalated first."), code="findings_open")
    inspection.closed_at = timezone.now()
    return _finish(inspection, "close", move.target, actor, note)


# ---------------------------------------------------------------------------------------------
# Findings: rectification, verification, overdue, escalation


def _record_finding_event(finding: Finding, action: str, from_status: str, actor, note: str = "") -> None:
    FindingEvent.objects.create(
        finding=finding, action=action, from_status=from_status, to_status=finding.status,
        actor=actor_or_none(actor), note=note,
    )


def _begin_finding(actor, finding_id: int, action: str, expected_version: int | None):
    finding = visible_findings(
        actor, Finding.objects.select_for_update(of=("self",)).select_related("inspection", "item")
    ).filter(pk=finding_id).first()
    if finding is None:
        raise NotFound()
    check_version(finding, expected_version)
    if finding.inspection.status in (InspectionStatus.PLANNED, InspectionStatus.NOTIFIED, InspectionStatus.IN_PROGRESS):
        raise Conflict(_("Findings are answered once the inspection is completed."), code="inspection_not_completed")
    move = find_transition(FINDING_TRANSITIONS, action=action, state=finding.status, role=actor.role,
                           labels=FINDING_LABELS)
    return finding, move


def _finish_finding(finding: Finding, action: str, target: str, actor, note: str = "") -> Finding:
    previous = finding.status
    finding.status = target
    finding.version += 1
    finding.save()
    Inspection.objects.filter(pk=finding.inspection_id).update(updated_at=timezone.now())  # it lists its findings
    refresh_finding_counts(inspection_ids=[finding.inspection_id])
    _record_finding_event(finding, action, previous, actor, note)
    return finding


@transaction.atomic
def submit_rectification(*, actor, finding_id: int, plan: str, evidence_note: str = "", files=(),
                         expected_version: int | None = None) -> Finding:
    """The institution's plan and evidence (photos or PDFs, checked by content)."""
    finding, move = _begin_finding(actor, finding_id, "submit-rectification", expected_version)
    plan = required_text(plan, "plan", _("Describe the rectification plan."))
    if not files:
        raise ValidationFailed(_("Attach at least one photo or document as evidence."),
                               fields={"files": [_("This field is required.")]}, code="evidence_required")
    checked = [uploads.read_attachment(f, max_bytes=EVIDENCE_MAX_BYTES) for f in files]
    rectification = Rectification.objects.create(
        finding=finding, plan=plan, evidence_note=(evidence_note or "").strip(), submitted_by=actor_or_none(actor)
    )
    for one in checked:
        digest = hashlib.sha256(one.data).hexdigest()
        stored = RectificationFile(
            rectification=rectification, original_name=one.original_name, content_type=one.content_type,
            extension=one.extension, size=len(one.data), sha256=digest,
        )
        stored.file.save(f"{digest[:16]}.{one.extension}", ContentFile(one.data), save=False)
        stored.save()
    _finish_finding(finding, "submit-rectification", move.target, actor)
    notify(
        users=finding.inspection.inspectors.filter(is_active=True), key=f"rectification-{rectification.pk}",
        title=_("Rectification submitted: %(finding)s") % {"finding": finding.description[:40]},
        url=reverse("finding-detail", args=[finding.pk]),
    )
    return finding


@transaction.atomic
def verify_rectification(*, actor, finding_id: int, accepted: bool, note: str = "", today: date | None = None,
                         expected_version: int | None = None) -> Finding:
    """复查/验收: accepted closes the finding; rejected sends it back (overdue if the deadline has passed)."""
    finding, move = _begin_finding(actor, finding_id, "verify", expected_version)
    today = today or timezone.localdate()
    rectification = finding.rectifications.filter(decision="").order_by("-submitted_at", "-id").first()
    if accepted:
        target = move.target
        finding.closed_at = timezone.now()
    else:
        note = required_text(note, "note", _("Say what is still wrong."))
        target = FindingStatus.OVERDUE if finding.deadline < today else FindingStatus.OPEN
        if target == FindingStatus.OVERDUE:
            finding.overdue_since = finding.overdue_since or today
    if rectification is not None:
        rectification.decision = RectificationDecision.ACCEPTED if accepted else RectificationDecision.REJECTED
        rectification.decision_note = (note or "").strip()
        rectification.decided_by = actor_or_none(actor)
        rectification.decided_at = timezone.now()
        rectification.save()
    _finish_finding(finding, "verify", target, actor, note)
    notify(
        users=_institution_users(finding.institution_id), key=f"rectification-decision-{finding.pk}-{finding.version}",
        title=(_("Rectification accepted") if accepted else _("Rectification rejected")) + f": {finding.description[:40]}",
        body=note, url=reverse("finding-detail", args=[finding.pk]),
    )
    return finding


def mark_overdue(*, today: date) -> int:
    """run_daily: open findings past their deadline become overdue (one event each). Idempotent."""
    with transaction.atomic():
        rows = list(Finding.objects.select_for_update().filter(status=FindingStatus.OPEN, deadline__lt=today)
                    .values_list("pk", "inspection_id"))
        if not rows:
            return 0
        due = [pk for pk, _inspection in rows]
        # The version moves too, so a client holding the old one gets 412 rather than overwriting.
        Finding.objects.filter(pk__in=due).update(
            status=FindingStatus.OVERDUE, overdue_since=today, version=F("version") + 1, updated_at=timezone.now()
        )
        Inspection.objects.filter(findings__pk__in=due).update(updated_at=timezone.now())
        # Overdue is still open: no count moves today, but the rule stays in one place if that changes.
        refresh_finding_counts(inspection_ids={inspection for _pk, inspection in rows})
        FindingEvent.objects.bulk_create([
            FindingEvent(finding_id=pk, action="overdue", from_status=FindingStatus.OPEN, to_status=FindingStatus.OVERDUE)
            for pk in due
        ])
    return len(due)


def _is_fire_item(finding: Finding) -> bool:
    return bool(finding.item and (finding.item.source == ClauseSource.FIRE or finding.item.department == Department.FIRE_RESCUE))


@dataclass(frozen=True)
class PenaltyData:
    kind: str
    reason: str
    legal_basis: str
    decided_on: date
    document_number: str
    amount: Decimal | str | None = None
    reason_code: str = PenaltyReason.SAFETY  # subsidy fraud / obstruction: credit proposes a blacklist case


def _penalty(actor, institution_id: int, data: PenaltyData, finding: Finding | None = None, document=None) -> Penalty:
    if actor.role not in (Role.REGULATOR, Role.ADMIN):
        raise NotAllowed(_("Penalties are decided by the civil-affairs bureau."))
    if data.kind not in PenaltyKind.values:
        raise ValidationFailed(_("Unknown penalty."), fields={"kind": [_("Choose warning, fine or suspension.")]})
    if data.reason_code not in PenaltyReason.values:
        raise ValidationFailed(_("Unknown violation."), fields={"reason_code": [
            _("Choose safety, subsidy fraud, obstruction or other.")]})
    amount = None
    if data.kind == PenaltyKind.FINE:
        try:
            amount = Decimal(str(data.amount)).quantize(Decimal("0.01"))
        except (InvalidOperation, TypeError, ValueError):
            raise ValidationFailed(_("Give the fine in yuan."), fields={"amount": [_("Enter a number.")]}) from None
        if not Decimal("0") < amount <= FINE_CAP:
            raise ValidationFailed(
                _("A fine is more than 0 and at most %(cap)s yuan.") % {"cap": f"{FINE_CAP:,}"},
                fields={"amount": [_("At most %(cap)s yuan.") % {"cap": f"{FINE_CAP:,}"}]}, code="fine_out_of_range",
            )
    elif data.amount not in (None, ""):
        raise ValidationFailed(_("Only a fine has an amount."), fields={"amount": [_("Leave empty.")]})
    if data.decided_on > timezone.localdate():
        raise ValidationFailed(_("The decision date is in the future."), fields={"decided_on": [_("In the future.")]})
    penalty = Penalty(
        institution_id=institution_id, finding=finding, kind=data.kind, reason_code=data.reason_code, amount=amount,
        reason=required_text(data.reason, "reason", _("State the facts and reason.")),
        legal_basis=required_text(data.legal_basis, "legal_basis", _("State the legal basis."))[:300],
        decided_on=data.decided_on,
        document_number=required_text(data.document_number, "document_number", _("Give the decision's document number."))[:60],
        decided_by=actor_or_none(actor),
    )
    if document is not None:
        pdf, _pages = uploads.read_pdf(document, max_bytes=EVIDENCE_MAX_BYTES)
        penalty.document_sha256 = hashlib.sha256(pdf).hexdigest()
        penalty.document.save(f"{penalty.document_sha256[:16]}.pdf", ContentFile(pdf), save=False)
    penalty.save()
    return penalty


@transaction.atomic
def record_penalty(*, actor, institution_id: int, data: PenaltyData, document=None) -> Penalty:
    """A penalty decided outside an escalation (e.g. after a complaint)."""
    _institution_in_scope(actor, institution_id)
    return _penalty(actor, institution_id, data, document=document)


@transaction.atomic
def escalate_finding(*, actor, finding_id: int, kind: str, note: str, penalty: PenaltyData | None = None,
                     blacklist_criterion: int | None = None, document=None,
                     expected_version: int | None = None) -> Finding:
    """Escalation records what follows: a penalty, a suspension order, or a blacklist referral (for
    credit to open a case; nothing is listed automatically)."""
    finding, move = _begin_finding(actor, finding_id, "escalate", expected_version)
    note = required_text(note, "note", _("Say why this finding is escalated."))
    if kind not in EscalationKind.values:
        raise ValidationFailed(_("Unknown escalation."), fields={"kind": [_("Choose penalty, suspension or blacklist referral.")]})
    record = Escalation(finding=finding, kind=kind, note=note, actor=actor_or_none(actor))
    if kind in (EscalationKind.PENALTY, EscalationKind.SUSPENSION):
        if penalty is None:
            raise ValidationFailed(_("Give the penalty decision."), fields={"penalty": [_("This field is required.")]})
        if (kind == EscalationKind.SUSPENSION) != (penalty.kind == PenaltyKind.SUSPENSION):
            raise ValidationFailed(_("A suspension order is the suspension penalty; other penalties are warnings or fines."),
                                   fields={"penalty": [_("Does not match the escalation.")]})
        record.penalty = _penalty(actor, finding.institution_id, penalty, finding=finding, document=document)
    else:
        default = BLACKLIST_MAJOR_FIRE_HAZARD if finding.is_major_hazard and _is_fire_item(finding) else BLACKLIST_OTHER
        record.blacklist_criterion = blacklist_criterion or default
        if not 1 <= record.blacklist_criterion <= 10:
            raise ValidationFailed(_("Blacklist criteria are numbered 1 to 10."),
                                   fields={"blacklist_criterion": [_("Out of range.")]})
    record.save()
    finding.escalated_at = timezone.now()
    return _finish_finding(finding, "escalate", move.target, actor, note)


# ---------------------------------------------------------------------------------------------
# Counters kept by the services


def _findings_count(**condition):
    return Coalesce(Subquery(
        Finding.objects.filter(inspection=OuterRef("pk"), **condition).order_by().values("inspection")
        .annotate(n=Count("id")).values("n")[:1]
    ), 0)


def refresh_finding_counts(*, inspection_ids=None) -> int:
    """Write `findings_total`, `findings_open` (open, submitted, overdue) and `major_hazards` (any
    status) on the given inspections, or on every one (run_daily's safety net); returns how many changed.

    Called by every service that records a finding or moves its status. Set-based: the rows locked,
    then one UPDATE (per COUNTS_BATCH inspections) touching only rows whose counts change;
    `updated_at` moves with them, since the API shows the counts and clients poll `updated_since`
    (`version` does not: it guards the inspection's own edits)."""
    counts = {
        "findings_total": _findings_count(),
        "findings_open": _findings_count(status__in=OPEN_FINDING_STATUSES),
        "major_hazards": _findings_count(is_major_hazard=True),
    }
    stale = Q()
    for field in counts:
        stale |= ~Q(**{field: F(f"fresh_{field}")})

    def wrong(rows):
        return rows.annotate(**{f"fresh_{field}": count for field, count in counts.items()}).filter(stale)

    if inspection_ids is None:  # find the wrong ones without locking every inspection, then fix those
        inspection_ids = wrong(Inspection.objects.all()).values_list("pk", flat=True)
    ids, changed = list(inspection_ids), 0
    for start in range(0, len(ids), COUNTS_BATCH):
        batch = ids[start:start + COUNTS_BATCH]
        with transaction.atomic():
            # Lock first, count after: on PostgreSQL a statement counts as of its start, so an UPDATE that
            # waited for another transition's lock would write counts missing that transition's change.
            list(Inspection.objects.select_for_update().filter(pk__in=batch).values_list("pk", flat=True))
            changed += wrong(Inspection.objects.filter(pk__in=batch)).update(**counts, updated_at=timezone.now())
    return changed


# ---------------------------------------------------------------------------------------------
# The inspection record other rooms read (insurance rates it), kept on Institution


def refresh_hazard_counts(*, today: date, institution_ids=None) -> int:
    """Write `major_hazards_12m` on institutions: major-hazard findings of inspections started in
    the last 12 months, or None for a home not inspected on site in that time.

    Set-based: two UPDATEs whatever the number of institutions, touching only rows that change."""
    since = timezone.make_aware(datetime.combine(today - timedelta(days=365), time.min))
    inspected = Inspection.objects.filter(institution=OuterRef("pk"), started_at__gte=since)
    hazards = Coalesce(Subquery(
        Finding.objects.filter(institution=OuterRef("pk"), is_major_hazard=True, inspection__started_at__gte=since)
        .order_by().values("institution").annotate(n=Count("id")).values("n")[:1]
    ), 0)
    homes = Institution.objects.all() if institution_ids is None else Institution.objects.filter(pk__in=institution_ids)
    now = timezone.now()  # updated_at moves too, for clients polling `updated_since`
    changed = homes.filter(Exists(inspected)).annotate(fresh=hazards).exclude(major_hazards_12m=F("fresh")).update(
        major_hazards_12m=hazards, updated_at=now
    )
    changed += homes.filter(~Exists(inspected)).exclude(major_hazards_12m=None).update(
        major_hazards_12m=None, updated_at=now)
    return changed
