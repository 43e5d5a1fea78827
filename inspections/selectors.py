"""Reads of inspections, findings and penalties: scoped (accounts.scoping) and optimised.

Beyond scoping, what an institution may read: not an inspection while it is `planned` — a routine or
special one becomes visible with its notice, a case inspection (never announced) once started — and
never a case inspection's reason. Also the one definition of an overdue finding."""

from datetime import date

from django.db.models import Prefetch, Q

from accounts.choices import Role
from accounts.scoping import scoped
from inspections.choices import FindingStatus, InspectionStatus
from inspections.models import (
    ChecklistItem,
    Finding,
    FindingEvent,
    Inspection,
    InspectionEvent,
    InspectionResult,
    Penalty,
    Rectification,
    Signature,
)

OPEN_FINDING_STATUSES = (FindingStatus.OPEN, FindingStatus.SUBMITTED, FindingStatus.OVERDUE)
DONE_FINDING_STATUSES = (FindingStatus.CLOSED, FindingStatus.ESCALATED)


def overdue_q(today: date) -> Q:
    """Overdue as a client means it: marked so by run_daily, or still open past its deadline
    (the nightly job has not run yet today)."""
    return Q(status=FindingStatus.OVERDUE) | Q(status=FindingStatus.OPEN, deadline__lt=today)


def is_overdue(finding, today: date) -> bool:
    """overdue_q for one finding already read."""
    return finding.status == FindingStatus.OVERDUE or (finding.status == FindingStatus.OPEN and finding.deadline < today)


def may_read_reason(user) -> bool:
    """Why a case inspection came — often a complaint — is not the inspected home's to read: not on
    its pages, in the API or in the printed record."""
    return getattr(user, "role", None) != Role.INSTITUTION


def visible_inspections(user, queryset):
    queryset = scoped(user, queryset)
    if getattr(user, "role", None) == Role.INSTITUTION:
        queryset = queryset.exclude(status=InspectionStatus.PLANNED)
    return queryset


def visible_findings(user, queryset):
    """Findings follow their inspection: an institution sees none of an inspection it may not see."""
    queryset = scoped(user, queryset)
    if getattr(user, "role", None) == Role.INSTITUTION:
        queryset = queryset.exclude(inspection__status=InspectionStatus.PLANNED)
    return queryset


def inspections_for(user):
    """Lists: the home, its region, the checklist and the team, in a fixed number of queries. The
    finding counts are fields kept by the services (refresh_finding_counts), not aggregates: a page
    costs the same whatever the number of inspections in scope."""
    return visible_inspections(
        user, Inspection.objects.select_related("institution", "institution__region", "checklist")
    ).prefetch_related("inspectors")


def inspection_detail_for(user, pk: int) -> Inspection | None:
    """Everything the detail page, the API and the PDFs show, without a query per item."""
    return (
        inspections_for(user)
        .prefetch_related(
            Prefetch("results", queryset=InspectionResult.objects.select_related("item", "answered_by")),
            Prefetch("findings", queryset=Finding.objects.select_related("item").order_by("id")),
            Prefetch("signatures", queryset=Signature.objects.select_related("user")),
            Prefetch("events", queryset=InspectionEvent.objects.select_related("actor").order_by("at", "id")),
            "photos",
        )
        .filter(pk=pk)
        .first()
    )


def checklist_items_of(inspection: Inspection):
    """The inspection's list (一表通查): its checklist's items of the departments taking part."""
    return ChecklistItem.objects.filter(template_id=inspection.checklist_id, department__in=inspection.departments)


def findings_for(user):
    return visible_findings(
        user, Finding.objects.select_related("institution", "institution__region", "inspection", "item")
    )


def finding_detail_for(user, pk: int) -> Finding | None:
    return (
        findings_for(user)
        .prefetch_related(
            Prefetch("rectifications", queryset=Rectification.objects.select_related("submitted_by", "decided_by")
                     .prefetch_related("files")),
            Prefetch("events", queryset=FindingEvent.objects.select_related("actor").order_by("at", "id")),
            "escalations", "photos",
        )
        .filter(pk=pk)
        .first()
    )


def penalties_for(user):
    return scoped(user, Penalty.objects.select_related("institution", "institution__region", "finding"))
