"""Every write of incidents and claims. Callers: `from insurance.services import claims as claim_services`.

Who may do what (shared/api.md "Claim", issue "Incidents and claims"):
- an institution reports its incidents, files claims against its policy in force on the incident
  date, uploads documents, submits requested documents, withdraws and disputes;
- the policy's lead insurer registers, requests documents, approves (within the limits), rejects,
  pays, closes and reopens;
- a regulator of the region records the institution's responsibility for an incident and
  mediates disputes (理赔纠纷调解: `resolve`);
- administrators may do everything.
Transitions are data (TRANSITIONS); each writes one ClaimEvent row. Claims carry a `version`
(If-Match → 412); every transition locks the claim row, and approvals also lock the policy's
coverage section so two approvals cannot both spend the same aggregate.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.scoping import scoped
from config import uploads
from config.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from config.services import check_version, required_text
from config.states import find_transition, transition
from config.uploads import CheckedFile
from institutions.models import Institution
from insurance import claims_limits
from insurance.choices import PolicyStatus, Section
from insurance.models import (
    LEGAL_DOCUMENT_KINDS,
    OTHER_LIABILITY_CATEGORIES,
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimLine,
    ClaimStatus,
    CostItem,
    CoverageSection,
    Dispute,
    DisputeOutcome,
    DocumentKind,
    Incident,
    IncidentAttachment,
    IncidentPerson,
    Outcome,
    Payment,
    PersonKind,
    Policy,
    RejectionReason,
    Responsibility,
    in_force_q,
)
from insurance.selectors.claims import visible_claims

S = ClaimStatus
INSURER_SIDE = [Role.INSURER, Role.ADMIN]
THE_INSTITUTION = [Role.INSTITUTION, Role.ADMIN]

TRANSITIONS = [
    transition("register", [S.REPORTED], S.REGISTERED, INSURER_SIDE),
    transition("request-documents", [S.REGISTERED], S.DOCUMENTS_REQUESTED, INSURER_SIDE),
    transition("submit-documents", [S.DOCUMENTS_REQUESTED], S.REGISTERED, THE_INSTITUTION),
    transition("approve", [S.REGISTERED], S.APPROVED, INSURER_SIDE),
    transition("reject", [S.REGISTERED], S.REJECTED, INSURER_SIDE),
    transition("pay", [S.APPROVED], S.PAID, INSURER_SIDE),
    transition("close", [S.PAID, S.REJECTED], S.CLOSED, INSURER_SIDE),
    transition("withdraw", [S.REPORTED, S.REGISTERED, S.DOCUMENTS_REQUESTED], S.WITHDRAWN, THE_INSTITUTION),
    transition("dispute", [S.APPROVED, S.REJECTED], S.DISPUTED, THE_INSTITUTION),
    transition("resolve", [S.DISPUTED], S.APPROVED, [Role.REGULATOR, Role.ADMIN]),
    transition("resolve", [S.DISPUTED], S.CLOSED, [Role.REGULATOR, Role.ADMIN]),
    transition("reopen", [S.CLOSED], S.REGISTERED, INSURER_SIDE),
]
STATUS_LABELS = dict(ClaimStatus.choices)

ATTACHMENT_MAX_BYTES = getattr(settings, "CLAIM_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
EARLIEST_INCIDENT = datetime(2000, 1, 1, tzinfo=timezone.get_fixed_timezone(480))
CLOCK_SKEW = timedelta(minutes=10)

# Persons each section covers (粤民发〔2016〕54号): residents under general liability, people
# other than residents and staff under third-party liability; staff are never covered here.
SECTION_PERSON_KINDS = {
    Section.GENERAL: {PersonKind.RESIDENT},
    Section.OTHER: {PersonKind.RESIDENT, PersonKind.THIRD_PARTY},
    Section.THIRD_PARTY: {PersonKind.THIRD_PARTY},
    Section.LEGAL_COSTS: {PersonKind.RESIDENT, PersonKind.THIRD_PARTY},
}
LEGAL_ITEMS = {CostItem.LEGAL_FEE, CostItem.APPRAISAL, CostItem.OTHER}
ITEM_NEEDS_OUTCOME = {CostItem.DEATH: Outcome.DEATH, CostItem.FUNERAL: Outcome.DEATH,
                      CostItem.DISABILITY: Outcome.DISABILITY}
DEFAULT_ITEM = {Outcome.INJURY: CostItem.MEDICAL, Outcome.DISABILITY: CostItem.DISABILITY,
                Outcome.DEATH: CostItem.DEATH}
# Documents a claim needs before it is complete (fast track): invoices always, then by outcome.
DOCUMENTS_BY_OUTCOME = {
    Outcome.INJURY: [DocumentKind.MEDICAL_RECORD],
    Outcome.DISABILITY: [DocumentKind.MEDICAL_RECORD, DocumentKind.DISABILITY_ASSESSMENT],
    Outcome.DEATH: [DocumentKind.DEATH_CERTIFICATE],
}
ARBITRATION_OR_LITIGATION = "arbitration_or_litigation"


# ---------------------------------------------------------------------------------------------
# Uploads: checked by content in config.uploads.


def read_attachment(uploaded) -> CheckedFile:
    """A readable PDF, JPEG or PNG (config.uploads), within this module's size limit."""
    return uploads.read_attachment(uploaded, max_bytes=ATTACHMENT_MAX_BYTES)


def _store(attachment, checked: CheckedFile, actor) -> None:
    digest = hashlib.sha256(checked.data).hexdigest()
    attachment.original_name = checked.original_name
    attachment.content_type = checked.content_type
    attachment.extension = checked.extension
    attachment.size = len(checked.data)
    attachment.sha256 = digest
    attachment.pages = checked.pages
    attachment.uploaded_by = actor if getattr(actor, "pk", None) else None
    attachment.file.save(f"{digest[:16]}.{checked.extension}", ContentFile(checked.data), save=False)
    attachment.save()


# ---------------------------------------------------------------------------------------------
# Incidents

INCIDENT_FIELDS = (
    "occurred_at", "category", "place", "description", "first_aid", "hospital_transfer", "hospital",
    "family_notified_at", "family_notified_how",
)
# Once a claim refers to an incident, what it was (when, what, who) is fixed.
FIXED_ONCE_CLAIMED = ("occurred_at", "category")


def _incident_problems(incident: Incident) -> dict:
    problems = {}
    now = timezone.now()
    if incident.occurred_at is not None:
        if incident.occurred_at > now + CLOCK_SKEW:
            problems["occurred_at"] = [_("An incident cannot be reported before it happens.")]
        elif incident.occurred_at < EARLIEST_INCIDENT:
            problems["occurred_at"] = [_("The date is too far in the past.")]
    if incident.family_notified_at is not None:
        if incident.occurred_at is not None and incident.family_notified_at < incident.occurred_at:
            problems["family_notified_at"] = [_("The family cannot be told before the incident.")]
        elif incident.family_notified_at > now + CLOCK_SKEW:
            problems["family_notified_at"] = [_("This time is in the future.")]
        if not incident.family_notified_how:
            problems["family_notified_how"] = [_("Say how the family was told.")]
    elif incident.family_notified_how:
        problems["family_notified_at"] = [_("Say when the family was told.")]
    if incident.hospital_transfer and not incident.hospital.strip():
        problems["hospital"] = [_("Name the hospital the person was taken to.")]
    return problems


def _check_incident(incident: Incident) -> None:
    problems = _incident_problems(incident)
    if problems:
        raise ValidationFailed(next(iter(problems.values()))[0], fields=problems)
    incident.full_clean(exclude=["version"])


def _write_persons(incident: Incident, persons: list[dict]) -> None:
    incident.persons.all().delete()
    for row in persons:
        person = IncidentPerson(incident=incident, **{k: row[k] for k in ("kind", "name", "outcome") if k in row},
                                injury=row.get("injury", ""))
        if not person.name.strip():
            raise ValidationFailed(_("Give the person's name."), fields={"persons": [_("A name is required.")]})
        person.full_clean(exclude=["incident"])
        person.save()


@transaction.atomic
def report_incident(*, actor, data: dict, persons: list[dict], institution_id: int | None = None) -> Incident:
    """An institution reports an accident (事故报告); administrators may report for one."""
    if actor.role not in (Role.INSTITUTION, Role.ADMIN):
        raise NotAllowed(_("Institutions report their incidents."))
    if institution_id is None and actor.role == Role.INSTITUTION:
        institution_id = actor.institution_id
    institution = scoped(actor, Institution.objects.filter(is_active=True)).filter(pk=institution_id).first()
    if institution is None:
        raise ValidationFailed(
            _("No such institution in your scope."), fields={"institution": [_("No such institution in your scope.")]}
        )
    incident = Incident(institution=institution, reported_by=actor, **{k: v for k, v in data.items() if k in INCIDENT_FIELDS})
    _check_incident(incident)
    incident.save()
    _write_persons(incident, persons)
    return incident


def _locked_incident(actor, incident_id) -> Incident:
    incident = scoped(actor, Incident.objects.select_for_update(of=("self",))).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound()
    return incident


def _own_institution(actor, institution_id: int) -> bool:
    return actor.role == Role.ADMIN or (actor.role == Role.INSTITUTION and actor.institution_id == institution_id)


@transaction.atomic
def update_incident(
    *, actor, incident_id: int, data: dict, persons: list[dict] | None = None, expected_version: int | None = None
) -> Incident:
    """The institution completes or corrects its report. When, what and who are fixed once a
    claim (even a withdrawn one: its lines name the persons) refers to the incident."""
    incident = _locked_incident(actor, incident_id)
    check_version(incident, expected_version)
    if not _own_institution(actor, incident.institution_id):
        raise NotAllowed(_("Only the institution corrects its incident report."))
    claimed = incident.claims.exists()
    changes = {k: v for k, v in data.items() if k in INCIDENT_FIELDS}
    if claimed and (persons is not None or any(changes.get(k, getattr(incident, k)) != getattr(incident, k)
                                               for k in FIXED_ONCE_CLAIMED)):
        raise Conflict(
            _("A claim refers to this incident: its time, category and persons can no longer change."),
            code="incident_has_claims",
        )
    for key, value in changes.items():
        setattr(incident, key, value)
    incident.version += 1
    _check_incident(incident)
    incident.save()
    if persons is not None:
        _write_persons(incident, persons)
    return incident


@transaction.atomic
def determine_responsibility(
    *, actor, incident_id: int, responsibility: str, note: str, expected_version: int | None = None
) -> Incident:
    """A regulator of the region records the institution's responsibility once determined
    (责任认定). credit/ reads it: main or direct responsibility may open a blacklist case."""
    incident = _locked_incident(actor, incident_id)
    check_version(incident, expected_version)
    if actor.role not in (Role.REGULATOR, Role.ADMIN):
        raise NotAllowed(_("Regulators record the institution's responsibility."))
    if responsibility not in Responsibility.values:
        raise ValidationFailed(_("Unknown responsibility."), fields={"responsibility": [_("Unknown value.")]})
    if not note.strip():
        raise ValidationFailed(_("Give the grounds of the finding."), fields={"note": [_("This field is required.")]})
    incident.responsibility = responsibility
    incident.responsibility_note = note.strip()
    incident.responsibility_determined_at = timezone.now()
    incident.responsibility_determined_by = actor
    incident.version += 1
    incident.save()
    return incident


@transaction.atomic
def upload_incident_attachment(*, actor, incident_id: int, uploaded) -> IncidentAttachment:
    incident = _locked_incident(actor, incident_id)
    if not _own_institution(actor, incident.institution_id):
        raise NotAllowed(_("Only the institution attaches files to its incident report."))
    checked = read_attachment(uploaded)
    attachment = IncidentAttachment(incident=incident)
    _store(attachment, checked, actor)
    incident.version += 1
    incident.save()
    return attachment


# ---------------------------------------------------------------------------------------------
# Filing a claim


@dataclass(frozen=True)
class LineData:
    item: str
    claimed_amount: Decimal
    person_id: int | None = None
    description: str = ""


def covering_q(on: date) -> Q:
    """Policies that covered day `on`: in force then, or expired since at the end of a term that
    included it — claims are often filed after the term."""
    return in_force_q(on, statuses=(PolicyStatus.ACTIVE, PolicyStatus.EXPIRED))


def policy_year_of(policy: Policy, day: date) -> int:
    """1 for the first twelve months of the term, 2 for the next (two-year policies)."""
    year = 1
    while True:
        try:
            next_start = policy.start_date.replace(year=policy.start_date.year + year)
        except ValueError:  # 29 February
            next_start = date(policy.start_date.year + year, 3, 1)
        if day < next_start:
            return year
        year += 1


def _fit_problems(*, section: str, incident: Incident, persons: dict, lines: list[LineData]) -> list[tuple[str, str]]:
    """Does the claim fit its section? (code, message) pairs; empty when it does."""
    problems = []
    kinds = {p.kind for p in persons.values()}
    allowed = SECTION_PERSON_KINDS[section]
    if section == Section.GENERAL and PersonKind.RESIDENT not in kinds:
        problems.append(("needs_resident", _("General liability covers residents: the incident involves none.")))
    if section == Section.THIRD_PARTY and PersonKind.THIRD_PARTY not in kinds:
        problems.append(("needs_third_party", _("Third-party liability needs a third party among the persons involved.")))
    if section == Section.OTHER and incident.category not in OTHER_LIABILITY_CATEGORIES:
        problems.append((
            "category_not_other_liability",
            _("Other liability covers fire, explosions, food poisoning, elevators and equipment defects, not this category."),
        ))
    for line in lines:
        person = persons.get(line.person_id) if line.person_id is not None else None
        if line.person_id is not None and person is None:
            problems.append(("unknown_person", _("A line names a person who is not part of this incident.")))
            continue
        if section == Section.LEGAL_COSTS:
            if line.item not in LEGAL_ITEMS:
                problems.append(("item_not_in_section", _("Legal costs cover arbitration, litigation and appraisal fees.")))
        else:
            if line.item == CostItem.LEGAL_FEE:
                problems.append(("item_not_in_section", _("Legal fees are claimed under the legal costs section.")))
            if person is None:
                problems.append(("person_required", _("Each line of this section names the person it is for.")))
                continue
        if person is not None and person.kind not in allowed:
            problems.append((
                "person_not_covered",
                _("%(name)s (%(kind)s) is not covered by this section.") % {"name": person.name, "kind": person.get_kind_display()},
            ))
        needed = ITEM_NEEDS_OUTCOME.get(line.item)
        if needed and (person is None or person.outcome != needed):
            problems.append(("item_needs_outcome", _("This cost item needs a person with the matching outcome.")))
    return problems


def _default_lines(*, section: str, persons: dict, claimed_amount: Decimal) -> list[LineData]:
    if section == Section.LEGAL_COSTS:
        return [LineData(item=CostItem.LEGAL_FEE, claimed_amount=claimed_amount)]
    eligible = [p for p in persons.values() if p.kind in SECTION_PERSON_KINDS[section]]
    if len(eligible) != 1:
        raise ValidationFailed(
            _("Give one line per person: the incident involves %(n)s people this section covers.") % {"n": len(eligible)},
            fields={"lines": [_("Give one line per person.")]}, code="lines_required",
        )
    person = eligible[0]
    return [LineData(item=DEFAULT_ITEM[person.outcome], claimed_amount=claimed_amount, person_id=person.pk)]


@transaction.atomic
def create_claim(
    *,
    actor,
    policy_id: int,
    incident_id: int,
    section: str,
    claimed_amount: Decimal,
    lines: list[LineData] | None = None,
    note: str = "",
) -> Claim:
    """An institution files a claim (报案) against one section of the policy that was in force
    on the incident date."""
    if actor.role not in (Role.INSTITUTION, Role.ADMIN):
        raise NotAllowed(_("Institutions file their claims."))
    incident = scoped(actor, Incident.objects.select_for_update(of=("self",))).filter(pk=incident_id).first()
    if incident is None:
        raise ValidationFailed(_("No such incident in your scope."), fields={"incident": [_("No such incident in your scope.")]})
    policy = scoped(actor, Policy.objects.select_related("scheme")).filter(pk=policy_id).first()
    if policy is None or policy.institution_id != incident.institution_id:
        raise ValidationFailed(
            _("The policy must be one of the institution's own."), fields={"policy": [_("Not this institution's policy.")]}
        )
    day = timezone.localdate(incident.occurred_at)
    if not Policy.objects.filter(covering_q(day), pk=policy.pk).exists():
        raise ValidationFailed(
            _("Policy %(number)s was not in force on %(day)s, the day of the incident.")
            % {"number": policy.number or policy.pk, "day": day},
            fields={"policy": [_("Not in force on the incident date.")]}, code="outside_policy_term",
        )
    if section not in Section.values or not policy.sections.filter(section=section).exists():
        raise ValidationFailed(
            _("The policy does not include this section."), fields={"section": [_("Not on the policy.")]},
            code="section_not_on_policy",
        )
    if claimed_amount is None or claimed_amount <= 0:
        raise ValidationFailed(_("The claimed amount must be above zero."), fields={"claimed_amount": [_("Above zero.")]})
    persons = {p.pk: p for p in incident.persons.all()}
    # Does the section fit the incident at all, then does each line fit the section?
    problems = _fit_problems(section=section, incident=incident, persons=persons, lines=[])
    if not problems:
        lines = list(lines) if lines else _default_lines(section=section, persons=persons, claimed_amount=claimed_amount)
        problems = _fit_problems(section=section, incident=incident, persons=persons, lines=lines)
    if problems:
        raise ValidationFailed(problems[0][1], fields={"section": [m for _c, m in problems]}, code=problems[0][0])
    if any(line.claimed_amount is None or line.claimed_amount <= 0 for line in lines):
        raise ValidationFailed(_("Each line claims an amount above zero."), fields={"lines": [_("Above zero.")]})
    total = sum((line.claimed_amount for line in lines), Decimal("0"))
    if total != claimed_amount:
        raise ValidationFailed(
            _("The lines add up to %(total)s but the claim is for %(claimed)s.")
            % {"total": f"{total:.2f}", "claimed": f"{claimed_amount:.2f}"},
            fields={"claimed_amount": [_("Must equal the sum of the lines.")]}, code="amount_mismatch",
        )
    if Claim.objects.filter(incident=incident, section=section).exclude(status=ClaimStatus.WITHDRAWN).exists():
        raise Conflict(_("This incident already has a claim under this section."), code="duplicate_claim")
    claim = Claim(
        policy=policy, incident=incident, institution_id=incident.institution_id, insurer_id=policy.insurer_id,
        section=section, policy_year=policy_year_of(policy, day), claimed_amount=claimed_amount, created_by=actor,
    )
    claim.full_clean(exclude=["version", "number", "insurer"])
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError as exc:  # a concurrent claim for the same incident and section
        raise Conflict(_("This incident already has a claim under this section."), code="duplicate_claim") from exc
    # A number from the row's own key: unique under any concurrency, never "last + 1".
    claim.number = f"CLM-{timezone.localdate(claim.created_at).year}-{claim.pk:07d}"
    claim.save(update_fields=["number"])
    for line in lines:
        ClaimLine.objects.create(
            claim=claim, person_id=line.person_id, item=line.item, description=line.description[:200],
            claimed_amount=line.claimed_amount,
        )
    _refresh_fast_track(claim)
    claim.save(update_fields=["fast_track"])
    _record(claim, "create", "", actor, note, {"claimed_amount": f"{claimed_amount:.2f}"})
    return claim


# ---------------------------------------------------------------------------------------------
# Documents and fast track


def required_documents(section: str, outcomes) -> list[str]:
    """What a complete file holds: invoices, then by outcome; legal costs need arbitration or
    litigation documents (`arbitration_or_litigation` names either)."""
    needed = [DocumentKind.INVOICE.value]
    if section == Section.LEGAL_COSTS:
        needed.append(ARBITRATION_OR_LITIGATION)
    for outcome in (Outcome.INJURY, Outcome.DISABILITY, Outcome.DEATH):
        if outcome in outcomes:
            needed.extend(kind.value for kind in DOCUMENTS_BY_OUTCOME[outcome])
    return list(dict.fromkeys(needed))


def missing_documents(claim: Claim) -> list[str]:
    """Required kinds not yet uploaded. Reads the prefetched lines (with persons) and documents."""
    outcomes = {line.person.outcome for line in claim.lines.all() if line.person is not None}
    present = {document.kind for document in claim.documents.all()}
    missing = []
    for kind in required_documents(claim.section, outcomes):
        if kind == ARBITRATION_OR_LITIGATION:
            if not present & LEGAL_DOCUMENT_KINDS:
                missing.append(kind)
        elif kind not in present:
            missing.append(kind)
    return missing


def _refresh_fast_track(claim: Claim) -> None:
    """Fast track (快速理赔): within the scheme's limit (5,000 元 by default) and complete files,
    unless the insurer is waiting for documents."""
    claim.fast_track = (
        claim.claimed_amount <= claim.policy.scheme.fast_track_limit
        and claim.status != ClaimStatus.DOCUMENTS_REQUESTED
        and not missing_documents(claim)
    )


def _may_upload(actor, claim: Claim) -> bool:
    return actor.role in (Role.ADMIN, Role.INSURER) or (
        actor.role == Role.INSTITUTION and actor.institution_id == claim.institution_id
    )


def allowed_actions(actor, claim: Claim) -> set[str]:
    """What `actor` may do to `claim` (one it can see) now — transitions from the table, and
    "upload" — so pages offer only working forms."""
    allowed = {t.action for t in TRANSITIONS if claim.status in t.sources and actor.role in t.roles}
    if claim.status not in (ClaimStatus.WITHDRAWN, ClaimStatus.CLOSED) and _may_upload(actor, claim):
        allowed.add("upload")
    return allowed


def _attach(actor, claim: Claim, uploaded, kind: str) -> ClaimDocument:
    if kind not in DocumentKind.values:
        raise ValidationFailed(_("Unknown document kind."), fields={"kind": [_("Unknown value.")]})
    document = ClaimDocument(claim=claim, kind=kind)
    _store(document, read_attachment(uploaded), actor)
    return document


@transaction.atomic
def upload_claim_document(*, actor, claim_id: int, uploaded, kind: str, expected_version: int | None = None) -> ClaimDocument:
    """The institution (or the insurer, e.g. a survey report) adds a document while the claim is live."""
    claim = _locked_claim(actor, claim_id)
    check_version(claim, expected_version)
    if not _may_upload(actor, claim):
        raise NotAllowed(_("The institution and its insurer add documents to a claim."))
    if claim.status in (ClaimStatus.WITHDRAWN, ClaimStatus.CLOSED):
        raise Conflict(_("The claim is %(status)s.") % {"status": claim.get_status_display()}, code="invalid_transition")
    document = _attach(actor, claim, uploaded, kind)
    claim.version += 1
    _refresh_fast_track(claim)
    claim.save()
    return document


# ---------------------------------------------------------------------------------------------
# Transitions


def _locked_claim(actor, claim_id) -> Claim:
    claim = (
        visible_claims(actor, Claim.objects.select_for_update(of=("self",)).select_related("policy__scheme"))
        .filter(pk=claim_id).first()
    )
    if claim is None:
        raise NotFound()
    return claim


def _record(claim: Claim, action: str, from_status: str, actor, note: str = "", data: dict | None = None) -> None:
    ClaimEvent.objects.create(
        claim=claim, action=action, from_status=from_status, to_status=claim.status,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None, note=note, data=data or {},
    )


def _begin(actor, claim_id: int, action: str, expected_version: int | None):
    """Lock the claim, check the version, then the transition table (409 state / 403 role)."""
    claim = _locked_claim(actor, claim_id)
    check_version(claim, expected_version)
    move = find_transition(TRANSITIONS, action=action, state=claim.status, role=actor.role, labels=STATUS_LABELS)
    return claim, move


def _finish(claim: Claim, action: str, target: str, actor, note: str = "", data: dict | None = None) -> Claim:
    previous = claim.status
    claim.status = target
    claim.version += 1
    _refresh_fast_track(claim)
    claim.save()
    _record(claim, action, previous, actor, note, data)
    return claim


@transaction.atomic
def register_claim(*, actor, claim_id: int, note: str = "", reference: str = "", expected_version: int | None = None) -> Claim:
    """立案. A legal-costs claim needs an arbitration or litigation document first."""
    claim, move = _begin(actor, claim_id, "register", expected_version)
    if claim.section == Section.LEGAL_COSTS and not claim.documents.filter(kind__in=LEGAL_DOCUMENT_KINDS).exists():
        raise ValidationFailed(
            _("A legal-costs claim needs the arbitration or litigation documents before it is registered."),
            fields={"documents": [_("Upload the arbitration or litigation documents.")]},
            code="legal_documents_required",
        )
    if reference.strip():
        claim.insurer_reference = reference.strip()[:60]
    claim.registered_at = claim.registered_at or timezone.now()
    return _finish(claim, "register", move.target, actor, note, {"reference": claim.insurer_reference} if reference else None)


@transaction.atomic
def request_documents(*, actor, claim_id: int, note: str, expected_version: int | None = None) -> Claim:
    claim, move = _begin(actor, claim_id, "request-documents", expected_version)
    note = required_text(note, "note", _("Say which documents are needed."))
    claim.documents_requested_at = timezone.now()
    return _finish(claim, "request-documents", move.target, actor, note)


@transaction.atomic
def submit_documents(
    *, actor, claim_id: int, files=(), kind: str = DocumentKind.OTHER, note: str = "",
    expected_version: int | None = None,
) -> Claim:
    """The institution answers a request: the files sent now, or uploaded since the request."""
    claim, move = _begin(actor, claim_id, "submit-documents", expected_version)
    for uploaded in files:
        _attach(actor, claim, uploaded, kind)
    if not claim.documents.filter(uploaded_at__gte=claim.documents_requested_at).exists():
        raise ValidationFailed(
            _("Upload the requested documents first."), fields={"files": [_("No document since the request.")]},
            code="documents_required",
        )
    return _finish(claim, "submit-documents", move.target, actor, note, {"files": len(files)})


def _limits_message(breach: claims_limits.Breach) -> str:
    values = {"asked": f"{breach.asked:.2f}", "remaining": f"{breach.remaining:.2f}", "name": breach.label}
    if breach.code == "over_claimed":
        return _("%(asked)s is more than was claimed (%(remaining)s).") % values
    if breach.code == "over_per_person":
        return _("%(asked)s for %(name)s exceeds the per-person limit net of the deductible: %(remaining)s remaining.") % values
    if breach.code == "over_per_accident":
        return _("%(asked)s exceeds the per-accident limit net of the deductible: %(remaining)s remaining.") % values
    return _("%(asked)s exceeds the section's aggregate limit for this policy year: %(remaining)s remaining.") % values


def committed_elsewhere(claim: Claim) -> Decimal:
    """What the policy's other claims of the same section and policy year take from the aggregate."""
    rows = (
        Claim.objects.filter(policy_id=claim.policy_id, section=claim.section, policy_year=claim.policy_year)
        .exclude(pk=claim.pk).values_list("status", "approved_amount", "paid_amount")
    )
    return sum((claims_limits.committed_amount(*row) for row in rows), Decimal("0"))


def _apply_approval(claim: Claim, approved_amount: Decimal | None, line_amounts: list[dict] | None) -> None:
    """Set the approved amounts of the claim and its lines, within the limits (400 otherwise)."""
    if approved_amount is None or approved_amount <= 0:
        raise ValidationFailed(
            _("Approve an amount above zero, or reject the claim."), fields={"approved_amount": [_("Above zero.")]}
        )
    paid = claim.paid_amount or Decimal("0")
    if approved_amount <= paid and paid > 0:
        raise ValidationFailed(
            _("%(paid)s was already paid: a reopened claim's approval must add to it (reject it to add nothing).")
            % {"paid": f"{paid:.2f}"}, fields={"approved_amount": [_("More than what was paid.")]},
        )
    lines = list(claim.lines.select_related("person").order_by("id"))
    if line_amounts:
        by_id = {int(row["id"]): row for row in line_amounts}
        if set(by_id) != {line.pk for line in lines} or len(by_id) != len(line_amounts):
            raise ValidationFailed(_("Give an amount for each line of the claim, once."), fields={"lines": [_("One entry per line.")]})
        for line in lines:
            line.approved_amount = by_id[line.pk]["approved_amount"]
            reason = by_id[line.pk].get("rejection_reason") or ""
            if reason and reason not in RejectionReason.values:
                raise ValidationFailed(_("Unknown rejection reason."), fields={"lines": [_("Unknown rejection reason.")]})
            line.rejection_reason = reason
        total = sum((line.approved_amount for line in lines), Decimal("0"))
        if total != approved_amount:
            raise ValidationFailed(
                _("The lines add up to %(total)s but the approval is for %(amount)s.")
                % {"total": f"{total:.2f}", "amount": f"{approved_amount:.2f}"},
                fields={"approved_amount": [_("Must equal the sum of the lines.")]}, code="amount_mismatch",
            )
    elif len(lines) == 1:
        lines[0].approved_amount = approved_amount
    elif approved_amount == claim.claimed_amount:
        for line in lines:
            line.approved_amount = line.claimed_amount
    else:
        raise ValidationFailed(
            _("The claim has several lines: give the approved amount of each."),
            fields={"lines": [_("Give the approved amount of each line.")]}, code="lines_required",
        )
    for line in lines:
        if line.approved_amount < 0 or (line.paid_amount is not None and line.approved_amount < line.paid_amount):
            raise ValidationFailed(
                _("A line cannot be approved below zero or below what was already paid on it."),
                fields={"lines": [_("Below what was paid.")]},
            )
    section = CoverageSection.objects.select_for_update().get(policy_id=claim.policy_id, section=claim.section)
    breaches = claims_limits.approval_breaches(
        claims_limits.Limits.of(section),
        committed=committed_elsewhere(claim),
        lines=[
            claims_limits.LineAmounts(
                claimed=line.claimed_amount, approved=line.approved_amount, person=line.person_id,
                label=line.person.name if line.person else "",
            )
            for line in lines
        ],
    )
    if breaches:
        messages = [_limits_message(b) for b in breaches]
        raise ValidationFailed(messages[0], fields={"approved_amount": messages}, code=breaches[0].code)
    for line in lines:
        line.save(update_fields=["approved_amount", "rejection_reason"])
    claim.approved_amount = approved_amount
    claim.rejection_reason = ""


@transaction.atomic
def approve_claim(
    *, actor, claim_id: int, approved_amount: Decimal, lines: list[dict] | None = None, note: str = "",
    expected_version: int | None = None,
) -> Claim:
    """核赔. `lines`: [{"id", "approved_amount", "rejection_reason"?}], one per line; optional
    when the claim has one line or is approved in full."""
    claim, move = _begin(actor, claim_id, "approve", expected_version)
    _apply_approval(claim, approved_amount, lines)
    claim.approved_at = claim.approved_at or timezone.now()
    return _finish(claim, "approve", move.target, actor, note, {"approved_amount": f"{approved_amount:.2f}"})


@transaction.atomic
def reject_claim(*, actor, claim_id: int, reason: str, note: str = "", expected_version: int | None = None) -> Claim:
    claim, move = _begin(actor, claim_id, "reject", expected_version)
    if reason not in RejectionReason.values:
        raise ValidationFailed(_("Give the coded reason."), fields={"reason": [_("Unknown rejection reason.")]})
    claim.rejection_reason = reason
    claim.lines.filter(paid_amount__isnull=True, rejection_reason="").update(rejection_reason=reason)
    return _finish(claim, "reject", move.target, actor, note, {"reason": reason})


@transaction.atomic
def pay_claim(
    *, actor, claim_id: int, paid_amount: Decimal, paid_on: date, reference: str, note: str = "",
    expected_version: int | None = None,
) -> Claim:
    """Record the payment of the approved amount. Exactly once: the row is locked and the state
    leaves `approved`, so a second pay gets 409 (or 412 with the same If-Match)."""
    claim, move = _begin(actor, claim_id, "pay", expected_version)
    if paid_amount != claim.approved_amount:
        raise ValidationFailed(
            _("The paid amount must equal the approved amount, %(approved)s.") % {"approved": f"{claim.approved_amount:.2f}"},
            fields={"paid_amount": [_("Must equal the approved amount.")]}, code="paid_amount_mismatch",
        )
    if paid_on > timezone.localdate():
        raise ValidationFailed(_("The payment date cannot be in the future."), fields={"paid_on": [_("In the future.")]})
    if not reference.strip():
        raise ValidationFailed(_("Give the payment reference."), fields={"reference": [_("This field is required.")]})
    already = claim.paid_amount or Decimal("0")
    Payment.objects.create(claim=claim, amount=paid_amount - already, paid_on=paid_on, reference=reference.strip()[:100],
                           actor=actor)
    for line in claim.lines.all():
        line.paid_amount = line.approved_amount
        line.save(update_fields=["paid_amount"])
    claim.paid_amount = paid_amount
    claim.paid_on = paid_on
    claim.payment_reference = reference.strip()[:100]
    claim.paid_at = claim.paid_at or timezone.now()
    return _finish(claim, "pay", move.target, actor, note, {"paid_amount": f"{paid_amount:.2f}", "reference": reference.strip()[:100]})


@transaction.atomic
def close_claim(*, actor, claim_id: int, note: str = "", expected_version: int | None = None) -> Claim:
    """结案 (after payment or rejection)."""
    claim, move = _begin(actor, claim_id, "close", expected_version)
    claim.closed_at = timezone.now()
    return _finish(claim, "close", move.target, actor, note)


@transaction.atomic
def withdraw_claim(*, actor, claim_id: int, note: str = "", expected_version: int | None = None) -> Claim:
    """注销: the institution withdraws its claim before a decision."""
    claim, move = _begin(actor, claim_id, "withdraw", expected_version)
    return _finish(claim, "withdraw", move.target, actor, note)


@transaction.atomic
def dispute_claim(*, actor, claim_id: int, note: str, expected_version: int | None = None) -> Claim:
    """The institution disputes an approval or a rejection; a regulator will mediate."""
    claim, move = _begin(actor, claim_id, "dispute", expected_version)
    note = required_text(note, "note", _("State the grounds of the dispute."))
    Dispute.objects.create(
        claim=claim, from_status=claim.status, grounds=note, raised_by=actor, approved_before=claim.approved_amount
    )
    claim.disputed_at = claim.disputed_at or timezone.now()
    return _finish(claim, "dispute", move.target, actor, note)


@transaction.atomic
def resolve_dispute(
    *, actor, claim_id: int, outcome: str, note: str, approved_amount: Decimal | None = None,
    lines: list[dict] | None = None, expected_version: int | None = None,
) -> Claim:
    """理赔纠纷调解: the regulator records the mediation and its outcome — approved (with a new
    amount, or the one disputed) or closed."""
    claim, _move = _begin(actor, claim_id, "resolve", expected_version)
    if outcome not in DisputeOutcome.values:
        raise ValidationFailed(_("The outcome is approved or closed."), fields={"outcome": [_("Unknown outcome.")]})
    move = find_transition([t for t in TRANSITIONS if t.target == outcome], action="resolve", state=claim.status,
                           role=actor.role, labels=STATUS_LABELS)
    note = required_text(note, "note", _("Record the mediation."))
    dispute = claim.disputes.filter(resolved_at__isnull=True).order_by("-raised_at", "-id").first()
    if outcome == DisputeOutcome.APPROVED:
        amount = approved_amount if approved_amount is not None else claim.approved_amount
        if amount is None:
            raise ValidationFailed(
                _("Give the approved amount agreed in mediation."), fields={"approved_amount": [_("This field is required.")]}
            )
        _apply_approval(claim, amount, lines)
        claim.approved_at = claim.approved_at or timezone.now()
    else:
        claim.closed_at = timezone.now()
    if dispute is not None:
        dispute.outcome = outcome
        dispute.approved_after = claim.approved_amount if outcome == DisputeOutcome.APPROVED else None
        dispute.mediation_note = note
        dispute.mediator = actor
        dispute.resolved_at = timezone.now()
        dispute.save()
    data = {"outcome": outcome}
    if outcome == DisputeOutcome.APPROVED:
        data["approved_amount"] = f"{claim.approved_amount:.2f}"
    return _finish(claim, "resolve", move.target, actor, note, data)


@transaction.atomic
def reopen_claim(*, actor, claim_id: int, note: str, expected_version: int | None = None) -> Claim:
    """重开赔案: back to registered; what was paid stays paid, a new approval adds to it."""
    claim, move = _begin(actor, claim_id, "reopen", expected_version)
    note = required_text(note, "note", _("Say why the claim is reopened."))
    claim.reopen_count += 1
    claim.rejection_reason = ""
    return _finish(claim, "reopen", move.target, actor, note)

