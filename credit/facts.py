"""Facts behind credit scores, gathered set-based: one query per kind of fact whatever the number
of homes, grouped in Python (issue 6: scoring the whole country is not a loop per home).

Facts are read as they stand now, up to `as_of` (nothing dated later counts); the window of each
rule is applied by credit.scoring, so `since` only bounds how much history is read.
"""

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from credit.choices import ComplaintStatus
from credit.models import Complaint, DishonestyRecord
from credit.scoring import OPEN_FINDING, Fact, Facts
from inspections.choices import InspectionStatus
from inspections.models import Finding, Inspection, Penalty
from institutions.models import Institution
from insurance.choices import PolicyStatus
from insurance.models import Incident, Policy

HISTORY_DAYS = 3 * 366  # the longest window a rule set may reasonably use
COVERING = (PolicyStatus.ACTIVE, PolicyStatus.EXPIRED)  # drafts never ran; cancelled ones stopped


def _day_after(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _local(moment) -> date | None:
    return timezone.localdate(moment) if moment else None


def _short(text: str, size: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _only(queryset, path: str, ids):
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def facts_for(institution_ids, as_of: date, *, since: date | None = None) -> dict[int, Facts]:
    """Facts of the given homes (None: every active home) on `as_of`, keyed by institution id."""
    ids = None if institution_ids is None else list(institution_ids)
    since = since or as_of - timedelta(days=HISTORY_DAYS)
    until, start = _day_after(as_of), _day_after(since - timedelta(days=1))
    homes = _only(Institution.objects.filter(is_active=True), "pk", ids).values_list(
        "pk", "filing_status", "filed_on", "residents_since", "level", "level_rated_on", "created_at")
    out = {
        pk: Facts(pk, status or "", filed, since_, level, rated, known_since=timezone.localdate(created))
        for pk, status, filed, since_, level, rated, created in homes
    }

    def add(kind: str, home: int, fact: Fact):
        if home in out:
            getattr(out[home], kind).append(fact)

    findings = _only(Finding.objects, "institution_id", ids).filter(
        Q(created_at__gte=start) | Q(is_major_hazard=True, status__in=OPEN_FINDING), created_at__lt=until,
    ).values_list("pk", "institution_id", "inspection_id", "grade", "is_major_hazard", "status", "description",
                  "created_at")
    for pk, home, inspection, grade, major, status, text, created in findings:
        add("findings", home, Fact("finding", pk, f"{grade} {_short(text)}", _local(created), grade=grade,
                                   major=major, status=status, parent=inspection))

    inspections = _only(Inspection.objects, "institution_id", ids).filter(
        status__in=(InspectionStatus.COMPLETED, InspectionStatus.CLOSED), completed_at__gte=start,
        completed_at__lt=until,
    ).values_list("pk", "institution_id", "number", "completed_at")
    for pk, home, number, completed in inspections:
        add("inspections", home, Fact("inspection", pk, number or f"#{pk}", _local(completed)))

    penalties = _only(Penalty.objects, "institution_id", ids).filter(
        decided_on__gte=since, decided_on__lte=as_of).values_list("pk", "institution_id", "kind", "document_number",
                                                                  "decided_on")
    for pk, home, kind, number, decided in penalties:
        add("penalties", home, Fact("penalty", pk, number, decided, kind=kind))

    incidents = _only(Incident.objects, "institution_id", ids).filter(
        responsibility__in=("main", "direct"), occurred_at__gte=start, occurred_at__lt=until,
    ).values_list("pk", "institution_id", "responsibility", "description", "occurred_at")
    for pk, home, responsibility, text, occurred in incidents:
        add("incidents", home, Fact("incident", pk, _short(text), _local(occurred), kind=responsibility))

    policies = _only(Policy.objects, "institution_id", ids).filter(
        status__in=COVERING, start_date__lte=as_of, end_date__gte=since,
    ).values_list("pk", "institution_id", "number", "start_date", "end_date")
    for pk, home, number, first, last in policies:
        add("policies", home, Fact("policy", pk, number or f"#{pk}", first, end=last))

    complaints = _only(Complaint.objects, "institution_id", ids).filter(
        status=ComplaintStatus.SUBSTANTIATED, submitted_at__gte=start, submitted_at__lt=until,
    ).values_list("pk", "institution_id", "number", "category", "submitted_at")
    for pk, home, number, category, submitted in complaints:
        add("complaints", home, Fact("complaint", pk, number or f"#{pk}", _local(submitted), kind=category))

    # Serious dishonesty of anyone working at the home on `as_of` (one join: the same job row
    # must be current and at the home).
    jobs = Q(person__jobs__started_on__isnull=True) | Q(person__jobs__started_on__lte=as_of)
    jobs &= Q(person__jobs__ended_on__isnull=True) | Q(person__jobs__ended_on__gte=as_of)
    if ids is not None:
        jobs &= Q(person__jobs__institution_id__in=ids)
    records = DishonestyRecord.objects.filter(jobs, decided_on__lte=as_of, valid_until__gte=as_of).values_list(
        "pk", "person__jobs__institution_id", "person__name", "kind", "decided_on").distinct()
    for pk, home, name, kind, decided in records:
        add("dishonesty", home, Fact("dishonesty", pk, name, decided, kind=kind))
    return out
