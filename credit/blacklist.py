"""The blacklist procedure (失信联合惩戒对象名单, 民发〔2019〕103号): every write of a case.

The state machine is shared/api.md's "Blacklist case", as data (TRANSITIONS); each transition locks
its row, checks `version` (If-Match → 412), writes one BlacklistEvent and keeps
Institution.is_blacklisted current (true while an institution case is `listed` or
`removal_requested`), and likewise Person.is_blacklisted for practitioner cases. Who may do what:
- regulators of the region (and administrators) propose, notify, review, decide, remove and revoke;
- the party — a user of the institution concerned — objects (until the deadline, inclusive) and asks
  for early removal (信用修复, from `early_removal_years` after listing);
- `run_daily` (SYSTEM) expires listings on their expected exit date.
Numbers of days and years: settings.CREDIT overrides any key of DEFAULTS.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import User
from accounts.scoping import region_in_scope, scoped
from accounts.services import notify
from accounts.workdays import add_working_days
from config import uploads
from config.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from config.services import actor_or_none, check_version, required_text
from config.states import SYSTEM, find_transition, transition
from credit.choices import CaseSource, CaseStatus, Criterion, SubjectType
from credit.flags import sync_flag
from credit.models import BlacklistCase, BlacklistEvent, BlacklistFile
from institutions.models import Institution, Person, Practitioner

DEFAULTS = {"objection_working_days": 10, "listing_years": 3, "early_removal_years": 2}
FILE_MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
REGULATORS = [Role.REGULATOR, Role.ADMIN]
PARTY = [Role.INSTITUTION, Role.ADMIN]
S = CaseStatus
LIVE = (S.LISTED, S.REMOVAL_REQUESTED)  # joint punishment in force
FINAL = (S.DISMISSED, S.REMOVED, S.EXPIRED, S.REVOKED)
LABELS = dict(CaseStatus.choices)
REGULATION = "民发〔2019〕103号《养老服务市场失信联合惩戒对象名单管理办法（试行）》"

# The circumstances as the regulation words them (第五条, 第六条), printed on the official documents.
CRITERIA_ZH = {
    1: "超出章程规定的宗旨和业务范围进行活动",
    2: "因养老服务行为侵害老年人合法权益",
    3: "以非法集资或者欺骗手段销售“保健”产品等方式诈骗老年人财物",
    4: "存在重大火灾隐患，无故拖延，逾期不改",
    5: "对发生的安全事故负有主要或者直接责任",
    6: "采取虚报冒领等方式骗取政府补贴资金等涉及财政资金违法行为",
    7: "拒不接受或者不按照规定接受监督检查，或者在接受监督检查时隐瞒真实情况、弄虚作假",
    8: "不按照规定报送年度工作报告、履行信息公开义务",
    9: "其他违反养老服务管理有关规定的严重违法失信情形",
    10: "被人民法院认定为失信被执行人",
}

TRANSITIONS = [
    transition("notify", [S.PROPOSED], S.NOTIFIED, REGULATORS),
    transition("object", [S.NOTIFIED], S.OBJECTION, PARTY),
    transition("review", [S.OBJECTION], S.REVIEWED, REGULATORS),
    transition("decide", [S.NOTIFIED, S.REVIEWED], S.LISTED, REGULATORS),  # or dismissed
    transition("request-removal", [S.LISTED], S.REMOVAL_REQUESTED, PARTY),
    transition("remove", [S.REMOVAL_REQUESTED], S.REMOVED, REGULATORS),  # or back to listed
    transition("expire", [S.LISTED], S.EXPIRED, [SYSTEM]),
    transition("revoke", [S.LISTED], S.REVOKED, REGULATORS),
]


def setting(key: str) -> int:
    return int(getattr(settings, "CREDIT", {}).get(key, DEFAULTS[key]))


def article_for(criterion: int) -> str:
    """The article of the regulation a criterion comes from: 第五条 lists the nine circumstances; a
    court-designated dishonest judgment debtor is listed under 第六条."""
    if criterion == Criterion.JUDGMENT_DEBTOR:
        return "第六条"
    numerals = "一二三四五六七八九"
    return f"第五条第（{numerals[criterion - 1]}）项"


def legal_basis_for(criterion: int) -> str:
    return f"{REGULATION}{article_for(criterion)}"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def earliest_removal_request(case: BlacklistCase) -> date | None:
    return add_years(case.listed_at, setting("early_removal_years")) if case.listed_at else None


# ---------------------------------------------------------------------------------------------
# Reads


def visible_cases(user, queryset=None):
    """Regulators: their region; administrators: all; an institution: its own cases once notified
    (a `proposed` case is an internal draft); everyone else: none."""
    queryset = BlacklistCase.objects.all() if queryset is None else queryset
    role = getattr(user, "role", None)
    if role not in (Role.ADMIN, Role.REGULATOR, Role.INSTITUTION):
        return queryset.none()
    queryset = scoped(user, queryset)
    if role == Role.INSTITUTION:
        queryset = queryset.exclude(status=S.PROPOSED)
    return queryset


def cases_for(user):
    return visible_cases(user).select_related("institution", "institution__region", "practitioner")


def may(user, case: BlacklistCase, action: str, today: date | None = None) -> bool:
    """Would `action` be allowed now? (The pages offer only these.)"""
    today = today or timezone.localdate()
    move = next((t for t in TRANSITIONS if t.action == action), None)
    if move is None or case.status not in move.sources or user.role not in move.roles:
        return False
    if action == "object":
        return case.objection_deadline is not None and today <= case.objection_deadline
    if action == "decide" and case.status == S.NOTIFIED:
        return case.objection_deadline is not None and today > case.objection_deadline
    if action == "request-removal":
        return today >= earliest_removal_request(case)
    return True


def actions_for(user, case: BlacklistCase, today: date | None = None) -> list[str]:
    return [t.action for t in TRANSITIONS if t.roles != {SYSTEM} and may(user, case, t.action, today)]


# ---------------------------------------------------------------------------------------------
# Helpers


def _record(case: BlacklistCase, action: str, from_status: str, actor, note: str = "") -> None:
    BlacklistEvent.objects.create(case=case, action=action, from_status=from_status, to_status=case.status,
                                  actor=actor_or_none(actor), note=note)


def _attach(case: BlacklistCase, files, purpose: str, actor) -> None:
    files = list(files or [])
    if len(files) > MAX_FILES:
        raise ValidationFailed(_("At most %(n)s files at once.") % {"n": MAX_FILES},
                               fields={"files": [_("Too many files.")]})
    for uploaded in files:
        checked = uploads.read_attachment(uploaded, max_bytes=FILE_MAX_BYTES)
        digest = hashlib.sha256(checked.data).hexdigest()
        record = BlacklistFile(case=case, purpose=purpose, original_name=checked.original_name,
                               content_type=checked.content_type, extension=checked.extension,
                               size=len(checked.data), sha256=digest, uploaded_by=actor_or_none(actor))
        record.file.save(f"{digest[:16]}.{checked.extension}", ContentFile(checked.data), save=False)
        record.save()


def _party_users(case: BlacklistCase):
    return User.objects.filter(institution_id=case.institution_id, is_active=True)


def refresh_blacklist_flags(institution_ids=None) -> int:
    """Institution.is_blacklisted = an institution case is listed or removal_requested. Returns how
    many institutions changed."""
    live = BlacklistCase.objects.filter(subject_type=SubjectType.INSTITUTION, status__in=LIVE).values("institution_id")
    return sync_flag(Institution, "is_blacklisted", live, institution_ids)


def refresh_person_flags(person_ids=None) -> int:
    """Person.is_blacklisted = a practitioner case about them is listed or removal_requested (joint
    punishment flags them on every home they work for). Returns how many people changed."""
    live = BlacklistCase.objects.filter(subject_type=SubjectType.PRACTITIONER, status__in=LIVE).values("practitioner_id")
    return sync_flag(Person, "is_blacklisted", live, person_ids)


def _begin(actor, case_id: int, action: str, expected_version: int | None):
    case = visible_cases(actor, BlacklistCase.objects.select_for_update(of=("self",))).filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    check_version(case, expected_version)
    move = find_transition(TRANSITIONS, action=action, state=case.status, role=actor.role, labels=LABELS)
    return case, move


def _finish(case: BlacklistCase, action: str, target: str, actor, note: str = "") -> BlacklistCase:
    previous = case.status
    case.status = target
    case.version += 1
    case.save()
    _record(case, action, previous, actor, note)
    refresh_blacklist_flags([case.institution_id])
    if case.practitioner_id:
        refresh_person_flags([case.practitioner_id])
    return case


# ---------------------------------------------------------------------------------------------
# Proposal


@dataclass(frozen=True)
class Proposal:
    institution_id: int
    criterion: int
    evidence: str
    practitioner_id: int | None = None  # a Person working at the institution: a practitioner case
    files: tuple = ()


def _institution_for(actor, institution_id) -> Institution:
    institution = scoped(actor, Institution.objects.filter(pk=institution_id)).first()
    if institution is None or not region_in_scope(actor, institution.region_id):
        raise ValidationFailed(_("No such institution in your scope."),
                               fields={"institution": [_("No such institution in your scope.")]})
    return institution


@transaction.atomic
def propose_case(*, actor, proposal: Proposal, today: date | None = None) -> BlacklistCase:
    if actor.role not in REGULATORS:
        raise NotAllowed(_("Regulators propose blacklist cases."))
    institution = _institution_for(actor, proposal.institution_id)
    if proposal.criterion not in Criterion.values:
        raise ValidationFailed(_("Choose a listing criterion."), fields={"criterion": [_("Choose 1 to 10.")]})
    evidence = required_text(proposal.evidence, "evidence", _("State the facts and the evidence."))
    if proposal.practitioner_id is not None and not Practitioner.objects.filter(
            person_id=proposal.practitioner_id, institution=institution).exists():
        raise ValidationFailed(_("The person does not work at this institution."),
                               fields={"practitioner": [_("Not a practitioner of this institution.")]})
    case = BlacklistCase.objects.create(
        subject_type=SubjectType.PRACTITIONER if proposal.practitioner_id else SubjectType.INSTITUTION,
        institution=institution, practitioner_id=proposal.practitioner_id, criterion=proposal.criterion,
        evidence=evidence, legal_basis=legal_basis_for(proposal.criterion), source=CaseSource.MANUAL,
        created_by=actor_or_none(actor),
    )
    _number(case, today)
    _attach(case, proposal.files, "evidence", actor)
    _record(case, "propose", "", actor)
    return case


def _number(case: BlacklistCase, today: date | None = None) -> None:
    case.number = f"SX{(today or timezone.localdate()).year}-{case.pk:06d}"
    case.save(update_fields=["number"])


# ---------------------------------------------------------------------------------------------
# Transitions


@transaction.atomic
def notify_case(*, actor, case_id: int, note: str = "", today: date | None = None,
                expected_version: int | None = None) -> BlacklistCase:
    """告知: the party may state its case and object within `objection_working_days` working days."""
    case, move = _begin(actor, case_id, "notify", expected_version)
    today = today or timezone.localdate()
    # Dated on `today` (run as of another day, the notice and its deadline must agree), at the current time.
    case.notified_at = timezone.make_aware(datetime.combine(today, timezone.localtime().time()))
    case.objection_deadline = add_working_days(today, setting("objection_working_days"))
    _finish(case, "notify", move.target, actor, note)
    notify(
        users=_party_users(case), key=f"blacklist-notice-{case.pk}",
        title=_("Notice of intended blacklisting %(number)s: objections by %(date)s")
        % {"number": case.number, "date": case.objection_deadline.isoformat()},
        body=note, url=reverse("blacklist-detail", args=[case.pk]),
    )
    return case


@transaction.atomic
def object_case(*, actor, case_id: int, statement: str, files=(), today: date | None = None,
                expected_version: int | None = None) -> BlacklistCase:
    case, move = _begin(actor, case_id, "object", expected_version)
    today = today or timezone.localdate()
    if today > case.objection_deadline:
        raise Conflict(_("The objection period ended on %(date)s.") % {"date": case.objection_deadline.isoformat()},
                       code="objection_period_over")
    case.objection = required_text(statement, "statement", _("State the objection."))
    _attach(case, files, "objection", actor)
    return _finish(case, "object", move.target, actor)


@transaction.atomic
def review_case(*, actor, case_id: int, conclusion: str, expected_version: int | None = None) -> BlacklistCase:
    case, move = _begin(actor, case_id, "review", expected_version)
    case.review_conclusion = required_text(conclusion, "conclusion", _("Give the review conclusion."))
    return _finish(case, "review", move.target, actor)


@transaction.atomic
def decide_case(*, actor, case_id: int, outcome: str, note: str = "", today: date | None = None,
                expected_version: int | None = None) -> BlacklistCase:
    """列入决定 (`listed`) or dismissal. Without an objection, only once the objection period is over."""
    case, move = _begin(actor, case_id, "decide", expected_version)
    today = today or timezone.localdate()
    if outcome not in (S.LISTED, S.DISMISSED):
        raise ValidationFailed(_("Choose listed or dismissed."), fields={"outcome": [_("Choose listed or dismissed.")]})
    if case.status == S.NOTIFIED and today <= case.objection_deadline:
        raise Conflict(_("The objection period runs until %(date)s: decide after it.")
                       % {"date": case.objection_deadline.isoformat()}, code="objection_period_open")
    case.decision_note = (note or "").strip()
    if outcome == S.LISTED:
        case.listed_at = today
        case.expected_exit_date = add_years(today, setting("listing_years"))
    _finish(case, "decide", outcome, actor, note)
    notify(users=_party_users(case), key=f"blacklist-decision-{case.pk}",
           title=_("Blacklist case %(number)s decided: %(outcome)s") % {"number": case.number, "outcome": LABELS[outcome]},
           url=reverse("blacklist-detail", args=[case.pk]))
    return case


@transaction.atomic
def request_removal(*, actor, case_id: int, grounds: str, files=(), today: date | None = None,
                    expected_version: int | None = None) -> BlacklistCase:
    """信用修复: from `early_removal_years` after listing, with no new violation or rectification done."""
    case, move = _begin(actor, case_id, "request-removal", expected_version)
    today = today or timezone.localdate()
    earliest = earliest_removal_request(case)
    if today < earliest:
        raise Conflict(_("Early removal may be requested from %(date)s.") % {"date": earliest.isoformat()},
                       code="too_early")
    case.removal_grounds = required_text(grounds, "grounds", _("Give the grounds for removal."))
    _attach(case, files, "removal", actor)
    return _finish(case, "request-removal", move.target, actor)


@transaction.atomic
def remove_case(*, actor, case_id: int, granted: bool, note: str, today: date | None = None,
                expected_version: int | None = None) -> BlacklistCase:
    case, move = _begin(actor, case_id, "remove", expected_version)
    note = required_text(note, "note", _("Give the decision on the request."))
    if granted:
        case.removed_at = today or timezone.localdate()
        return _finish(case, "remove", move.target, actor, note)
    return _finish(case, "remove", S.LISTED, actor, note)


@transaction.atomic
def revoke_case(*, actor, case_id: int, reason: str, today: date | None = None,
                expected_version: int | None = None) -> BlacklistCase:
    case, move = _begin(actor, case_id, "revoke", expected_version)
    reason = required_text(reason, "reason", _("Say why the listing was wrongful."))
    case.removed_at = today or timezone.localdate()
    return _finish(case, "revoke", move.target, actor, reason)


@transaction.atomic
def expire_cases(*, today: date) -> int:
    """Listings reaching their expected exit date leave the list: set-based, one event each."""
    find_transition(TRANSITIONS, action="expire", state=S.LISTED, role=SYSTEM)
    due = list(BlacklistCase.objects.select_for_update().filter(status=S.LISTED, expected_exit_date__lte=today)
               .values_list("pk", flat=True))
    if not due:
        return 0
    BlacklistCase.objects.filter(pk__in=due).update(
        status=S.EXPIRED, removed_at=today, version=F("version") + 1, updated_at=timezone.now()
    )
    BlacklistEvent.objects.bulk_create(
        BlacklistEvent(case_id=pk, action="expire", from_status=S.LISTED, to_status=S.EXPIRED) for pk in due
    )
    return len(due)
