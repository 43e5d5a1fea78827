"""Reads of random draws and of the homes due for inspection, scoped and optimised; plus the
FilterSets their HTML lists and API lists share.

Due for inspection (domain.md §4): every home gets an on-site inspection a year, and a new filing
gets one within 20 working days (inspections.rules "filing_inspection_working_days"). "On site"
means an inspection that started (`started_at`): a planned one does not count, but is shown as
`next_scheduled`. All of it is a handful of subqueries, whatever the number of homes."""

from datetime import date, datetime, timedelta

import django_filters
from django.db import models
from django.db.models import Case, Count, F, IntegerField, Max, Min, Prefetch, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.scoping import scoped
from accounts.workdays import add_working_days
from config.api import BaseFilterSet
from inspections import rules
from inspections.choices import DrawStatus, InspectionStatus
from inspections.models import DrawAssignment, Inspection, RandomDraw
from institutions.choices import CreditGrade, FilingStatus
from institutions.filters import RegionCodeFilter
from institutions.models import Institution

DUE_ROLES = {Role.ADMIN, Role.REGULATOR, Role.INSPECTOR}
DONE_STATUSES = (InspectionStatus.COMPLETED, InspectionStatus.CLOSED)
UPCOMING_STATUSES = (InspectionStatus.PLANNED, InspectionStatus.NOTIFIED)


class DueReason(models.TextChoices):
    FILING_OVERDUE = "filing_overdue", _("Filed, not inspected within the deadline")
    NEW_FILING = "new_filing", _("Filed, first inspection due")
    NOT_THIS_YEAR = "not_this_year", _("No on-site inspection this year")


# The order the list shows them in: most urgent first.
REASON_RANK = {DueReason.FILING_OVERDUE: 0, DueReason.NEW_FILING: 1, DueReason.NOT_THIS_YEAR: 2}


# --- random draws ------------------------------------------------------------------------------


def draws_for(user):
    """Draws of the user's region and below (regulators, inspectors), with their assignments and
    inspections in two more queries whatever the number of draws."""
    return scoped(user, RandomDraw.objects.select_related("region", "created_by")).annotate(
        inspections_total=Count("inspections"),
        inspections_done=Count("inspections", filter=Q(inspections__status__in=DONE_STATUSES)),
    ).prefetch_related(
        Prefetch(
            "assignments",
            queryset=DrawAssignment.objects.select_related("institution", "institution__region", "inspector")
            .order_by("institution__name", "institution_id", "inspector_id"),
        ),
        Prefetch(
            "inspections",
            queryset=Inspection.objects.only("id", "number", "institution_id", "status", "scheduled_for", "draw_id")
            .order_by("scheduled_for", "id"),
        ),
    )


def draw_detail_for(user, pk: int) -> RandomDraw | None:
    return draws_for(user).filter(pk=pk).first()


class DrawFilter(BaseFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    region = RegionCodeFilter(field_name="region", label=_("Region"))
    status = django_filters.ChoiceFilter(choices=DrawStatus.choices, label=_("Status"))
    period_after = django_filters.DateFilter(field_name="period_end", lookup_expr="gte", label=_("Period ends on or after"))
    period_before = django_filters.DateFilter(field_name="period_start", lookup_expr="lte",
                                              label=_("Period starts on or before"))

    class Meta:
        model = RandomDraw
        fields = ["region", "status"]

    def search(self, qs, name, value):
        """A draw's number, or its seed (as announced when it was drawn in public)."""
        value = value.strip()
        return qs.filter(Q(number__icontains=value) | Q(seed=value)) if value else qs


# --- due for inspection -------------------------------------------------------------------------


def filing_overdue_through(today: date) -> date:
    """The latest filing date whose on-site inspection deadline (N working days later) is already
    behind `today`. The deadline only moves forward with the filing date, so a binary search over
    accounts.workdays finds it in a fixed handful of queries."""
    days = rules.setting("filing_inspection_working_days")

    def overdue(filed: date) -> bool:
        return add_working_days(filed, days) < today

    low = today - timedelta(days=days * 2 + 30)
    while not overdue(low):  # a long run of holidays: look further back
        low -= timedelta(days=days * 2 + 30)
    high = today  # never overdue: the deadline of a filing made today is after today
    while (high - low).days > 1:
        middle = low + timedelta(days=(high - low).days // 2)
        low, high = (middle, high) if overdue(middle) else (low, middle)
    return low


def _year_bounds(today: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (datetime(today.year, 1, 1, tzinfo=zone), datetime(today.year + 1, 1, 1, tzinfo=zone))


def due_for_inspection(user, *, today: date):
    """Active homes in the user's scope due for an on-site inspection, each annotated with
    `reason` (DueReason) and `reason_rank`, `last_inspected` (when an inspection last started
    there) and `next_scheduled` (its next planned or announced visit).

    Everything follows from `last_inspected`: none this year means it lies before 1 January; a
    filing not yet inspected means it lies before the filing day. So one grouped join answers it —
    no subquery per home, which on PostgreSQL would also cost seconds of JIT compilation."""
    if getattr(user, "role", None) not in DUE_ROLES:
        return Institution.objects.none()
    year_start, _next_year = _year_bounds(today)
    cutoff = filing_overdue_through(today)
    never_since_filing = Q(last_inspected__isnull=True) | Q(last_inspected__date__lt=F("filed_on"))
    filing_open = Q(filing_status=FilingStatus.FILED, filed_on__isnull=False) & never_since_filing
    overdue = filing_open & Q(filed_on__lte=cutoff)
    not_this_year = Q(last_inspected__isnull=True) | Q(last_inspected__lt=year_start)
    return (
        scoped(user, Institution.objects.filter(is_active=True).select_related("region"))
        .annotate(
            last_inspected=Max("inspections__started_at"),
            next_scheduled=Min("inspections__scheduled_for", filter=Q(inspections__status__in=UPCOMING_STATUSES)),
        )
        .filter(filing_open | not_this_year)
        .annotate(
            reason=Case(
                When(overdue, then=Value(DueReason.FILING_OVERDUE.value)),
                When(filing_open, then=Value(DueReason.NEW_FILING.value)),
                default=Value(DueReason.NOT_THIS_YEAR.value),
                output_field=models.CharField(),
            ),
            reason_rank=Case(
                When(overdue, then=Value(0)),
                When(filing_open, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .order_by("reason_rank", "region_id", "name", "pk")
    )


class DueFilter(BaseFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    region = RegionCodeFilter(field_name="region", label=_("Region"))
    reason = django_filters.ChoiceFilter(choices=DueReason.choices, method="by_reason", label=_("Reason"))
    credit_grade = django_filters.ChoiceFilter(choices=CreditGrade.choices, label=_("Credit grade"))
    scheduled = django_filters.BooleanFilter(method="by_scheduled", label=_("Visit planned"))

    class Meta:
        model = Institution
        fields = ["region", "credit_grade"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(uscc__iexact=value)) if value else qs

    def by_reason(self, qs, name, value):
        return qs.filter(reason_rank=REASON_RANK[value]) if value else qs

    def by_scheduled(self, qs, name, value):
        return qs.filter(next_scheduled__isnull=not value) if value is not None else qs
