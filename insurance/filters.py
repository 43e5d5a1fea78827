from datetime import timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.api import BaseFilterSet, IdFilter, UtcDateTimeFilter
from institutions.filters import RegionCodeFilter
from insurance.choices import PolicyStatus, Section
from insurance.models import (
    OPEN_STATUSES,
    Claim,
    ClaimStatus,
    Incident,
    IncidentCategory,
    Insurer,
    Policy,
    Responsibility,
    in_force_q,
)


class InsurerFilter(BaseFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Insurer
        fields = []

    def search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(code__icontains=value) | Q(uscc__iexact=value))


class PolicyFilter(BaseFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    institution = IdFilter(field_name="institution_id", label=_("Institution"))
    insurer = django_filters.CharFilter(field_name="insurer__code", label=_("Insurer code"))
    status = django_filters.ChoiceFilter(choices=PolicyStatus.choices, label=_("Status"))
    region = RegionCodeFilter(field_name="institution__region", label=_("Region"))
    active_on = django_filters.DateFilter(method="filter_active_on", label=_("In force on"))
    expiring_within = django_filters.NumberFilter(
        method="filter_expiring_within", label=_("Expiring within (days)"), min_value=0, max_value=3660
    )
    verified = django_filters.BooleanFilter(field_name="verified_at", lookup_expr="isnull", exclude=True, label=_("Verified"))

    class Meta:
        model = Policy
        fields = ["institution", "insurer", "status"]

    def search(self, qs, name, value):
        return qs.filter(Q(number__icontains=value) | Q(institution__name__icontains=value) | Q(institution__uscc=value))

    def filter_active_on(self, qs, name, value):
        return qs.filter(in_force_q(value)) if value else qs

    def filter_expiring_within(self, qs, name, value):
        if value is None:
            return qs
        today = timezone.localdate()
        return qs.filter(in_force_q(today), end_date__lte=today + timedelta(days=int(value)))


# ---------------------------------------------------------------------------------------------
# Incidents and claims


class IncidentFilter(BaseFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    institution = IdFilter(field_name="institution_id", label=_("Institution"))
    category = django_filters.ChoiceFilter(choices=IncidentCategory.choices, label=_("Category"))
    region = RegionCodeFilter(field_name="institution__region", label=_("Region"))
    responsibility = django_filters.ChoiceFilter(choices=Responsibility.choices, label=_("Responsibility"))
    # Compared in UTC: PostgreSQL refuses offsets beyond ±15:59 that Python parses happily.
    occurred_after = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="gte", label=_("Occurred after"))
    occurred_before = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="lte", label=_("Occurred before"))
    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Incident
        fields = ["institution", "category"]

    def search(self, qs, name, value):
        return qs.filter(Q(description__icontains=value) | Q(place__icontains=value) | Q(institution__name__icontains=value))


class ClaimFilter(BaseFilterSet):
    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    q = django_filters.CharFilter(method="search", label=_("Search"))
    policy = IdFilter(field_name="policy_id", label=_("Policy"))
    incident = IdFilter(field_name="incident_id", label=_("Incident"))
    institution = IdFilter(field_name="institution_id", label=_("Institution"))
    insurer = django_filters.CharFilter(field_name="insurer__code", label=_("Insurer code"))
    status = django_filters.MultipleChoiceFilter(choices=ClaimStatus.choices, label=_("Status"))
    section = django_filters.ChoiceFilter(choices=Section.choices, label=_("Section"))
    category = django_filters.ChoiceFilter(
        field_name="incident__category", choices=IncidentCategory.choices, label=_("Incident category")
    )
    region = RegionCodeFilter(field_name="institution__region", label=_("Region"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("Open"))
    fast_track = django_filters.BooleanFilter(label=_("Fast track"))

    class Meta:
        model = Claim
        fields = ["policy", "institution", "insurer", "status", "section", "fast_track"]

    def search(self, qs, name, value):
        return qs.filter(
            Q(number__icontains=value) | Q(insurer_reference__icontains=value) | Q(institution__name__icontains=value)
        )

    def filter_open(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(status__in=OPEN_STATUSES) if value else qs.exclude(status__in=OPEN_STATUSES)
