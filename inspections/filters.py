"""One FilterSet per model, shared by the HTML lists and the API (inspections, findings, penalties)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.api import BaseFilterSet, IdFilter
from inspections.choices import FindingStatus, InspectionStatus, InspectionType, PenaltyKind, Severity
from inspections.models import GRADES, Finding, Inspection, Penalty
from inspections.selectors import overdue_q
from institutions.filters import RegionCodeFilter


class InspectionFilter(BaseFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    institution = IdFilter(field_name="institution_id", label=_("Institution"))
    region = RegionCodeFilter(field_name="institution__region", label=_("Region"))
    type = django_filters.ChoiceFilter(choices=InspectionType.choices, label=_("Inspection type"))
    status = django_filters.MultipleChoiceFilter(choices=InspectionStatus.choices, label=_("Status"))
    scheduled_after = django_filters.DateFilter(field_name="scheduled_for", lookup_expr="gte", label=_("Scheduled after"))
    scheduled_before = django_filters.DateFilter(field_name="scheduled_for", lookup_expr="lte",
                                                 label=_("Scheduled before"))
    inspector = IdFilter(method="filter_inspector", label=_("Inspector"))

    class Meta:
        model = Inspection
        fields = ["institution", "type", "status"]

    def search(self, qs, name, value):
        return qs.filter(Q(number__icontains=value) | Q(institution__name__icontains=value))

    def filter_inspector(self, qs, name, value):
        # A subquery rather than a join: the list's finding counts must not multiply by team size.
        if value is None:
            return qs
        team = Inspection.inspectors.through.objects.filter(user_id=value).values("inspection_id")
        return qs.filter(pk__in=team)


class FindingFilter(BaseFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    institution = IdFilter(field_name="institution_id", label=_("Institution"))
    inspection = IdFilter(field_name="inspection_id", label=_("Inspection"))
    region = RegionCodeFilter(field_name="institution__region", label=_("Region"))
    status = django_filters.MultipleChoiceFilter(choices=FindingStatus.choices, label=_("Status"))
    is_major_hazard = django_filters.BooleanFilter(label=_("Major accident hazard"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    grade = django_filters.MultipleChoiceFilter(choices=[(g, g) for g in GRADES], label=_("Finding grade"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))

    class Meta:
        model = Finding
        fields = ["institution", "inspection", "status", "is_major_hazard", "grade", "severity"]

    def search(self, qs, name, value):
        return qs.filter(Q(description__icontains=value) | Q(institution__name__icontains=value))

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        late = overdue_q(timezone.localdate())
        return qs.filter(late) if value else qs.exclude(late)


class PenaltyFilter(BaseFilterSet):
    institution = IdFilter(field_name="institution_id", label=_("Institution"))
    finding = IdFilter(field_name="finding_id", label=_("Finding"))
    region = RegionCodeFilter(field_name="institution__region", label=_("Region"))
    kind = django_filters.ChoiceFilter(choices=PenaltyKind.choices, label=_("Penalty kind"))
    decided_after = django_filters.DateFilter(field_name="decided_on", lookup_expr="gte", label=_("Decided after"))
    decided_before = django_filters.DateFilter(field_name="decided_on", lookup_expr="lte", label=_("Decided before"))

    class Meta:
        model = Penalty
        fields = ["institution", "finding", "kind"]
