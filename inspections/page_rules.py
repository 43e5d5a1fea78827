"""What a person may do on the inspection and finding pages right now, so the pages offer only
buttons that work. Each predicate asks the services' transition tables (the one home of who-may-do-
what) and adds the few conditions the services check besides (assignment, notice, open findings);
the services still decide, and a refusal that slips through is shown on the form."""

from accounts.choices import Role
from config.errors import Conflict, NotAllowed
from config.states import find_transition
from inspections import services
from inspections.choices import InspectionStatus, InspectionType
from inspections.selectors import DONE_FINDING_STATUSES

PLANNERS = set(services.PLANNERS)
PENALTY_DECIDERS = {Role.REGULATOR, Role.ADMIN}  # services._penalty
OVERVIEW_READERS = {Role.REGULATOR, Role.ADMIN}
# Pages of inspections and findings: everyone but insurers (they never see inspection records).
INSPECTION_READERS = {Role.ADMIN, Role.REGULATOR, Role.INSPECTOR, Role.INSTITUTION}
INSPECTION_STEPS = ["notify", "start", "complete", "close"]


def _allowed(table, *, action: str, state: str, role: str) -> bool:
    try:
        find_transition(table, action=action, state=state, role=role)
    except (Conflict, NotAllowed):
        return False
    return True


def may_ever(table, action: str, role: str) -> bool:
    """May this role take `action` from some state? (No: 403, whatever the record's state.)"""
    return any(t.action == action and role in t.roles for t in table)


def may_plan(user) -> bool:
    return user.role in PLANNERS


def is_assigned(user, inspection) -> bool:
    """Reads the prefetched team when there is one (the detail and logging pages prefetch it)."""
    return user.role == Role.ADMIN or any(member.pk == user.pk for member in inspection.inspectors.all())


def may_log(user, inspection) -> bool:
    """The on-site page writes: the inspection is in progress and `user` is on its team."""
    return (
        inspection.status == InspectionStatus.IN_PROGRESS
        and user.role in services.ON_SITE
        and is_assigned(user, inspection)
    )


def inspection_actions(user, inspection) -> set[str]:
    """The steps of the inspection's state machine `user` may take now."""
    allowed = set()
    for action in INSPECTION_STEPS:
        if not _allowed(services.INSPECTION_TRANSITIONS, action=action, state=inspection.status, role=user.role):
            continue
        if action == "notify" and inspection.type == InspectionType.CASE:
            continue  # unannounced
        if action in ("start", "complete") and not is_assigned(user, inspection):
            continue
        if action == "start" and inspection.type != InspectionType.CASE and inspection.status == InspectionStatus.PLANNED:
            continue  # the notice comes first
        if action == "close" and any(f.status not in DONE_FINDING_STATUSES for f in inspection.findings.all()):
            continue
        allowed.add(action)
    return allowed


def finding_actions(user, finding) -> set[str]:
    """Rectify (the institution), verify (an inspector), escalate (inspector or regulator): once the
    inspection is completed, from the states the services allow."""
    if finding.inspection.status in (InspectionStatus.PLANNED, InspectionStatus.NOTIFIED, InspectionStatus.IN_PROGRESS):
        return set()
    allowed = set()
    for action in ("submit-rectification", "verify", "escalate"):
        if _allowed(services.FINDING_TRANSITIONS, action=action, state=finding.status, role=user.role):
            allowed.add(action)
    return allowed


def may_record_penalty(user) -> bool:
    return user.role in PENALTY_DECIDERS
