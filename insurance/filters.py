from datetime import timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.api import BaseFilterSet, IdFilter
from institutions.filters import RegionCodeFilter
from insurance.choices import PolicyStatus
from insurance.models import Insurer, Policy, in_force_q


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
