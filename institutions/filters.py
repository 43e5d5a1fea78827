"""One FilterSet per model, shared by the HTML lists and the API."""

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.scoping import region_q
from config.api import BaseFilterSet, IdFilter
from institutions.choices import (
    CreditGrade,
    InstitutionType,
    Nature,
    OperationModel,
    PractitionerRole,
    RegionLevel,
)
from institutions.models import Institution, Practitioner, Region
from institutions.selectors import search_institutions


REGION_CODE = RegexValidator(r"^\d{6}$", _("A region is a 6-digit GB/T 2260 code."))


class RegionCodeFilter(django_filters.CharFilter):
    """`region=<code>` matches the division and everything below it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [REGION_CODE])
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs.filter(region_q(self.field_name, value)) if value else qs


class RegionFilter(BaseFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    parent = django_filters.CharFilter(field_name="parent_id", label=_("Parent code"))
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices)

    class Meta:
        model = Region
        fields = ["parent", "level"]

    def search(self, qs, name, value):
        return qs.filter(Q(name__contains=value) | Q(code__startswith=value) | Q(full_name__contains=value))


class InstitutionFilter(BaseFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    region = RegionCodeFilter(field_name="region", label=_("Region"))
    type = django_filters.ChoiceFilter(choices=InstitutionType.choices, label=_("Type"))
    nature = django_filters.ChoiceFilter(choices=Nature.choices, label=_("Nature"))
    operation_model = django_filters.ChoiceFilter(choices=OperationModel.choices, label=_("Operation model"))
    level = django_filters.NumberFilter(label=_("Level"), min_value=1, max_value=5)
    credit_grade = django_filters.ChoiceFilter(choices=CreditGrade.choices, label=_("Credit grade"))
    is_blacklisted = django_filters.BooleanFilter(label=_("Blacklisted"))
    insured = django_filters.BooleanFilter(label=_("Insured today"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Institution
        fields = [
            "region", "type", "nature", "operation_model", "level", "credit_grade", "is_blacklisted", "insured",
            "is_active",
        ]

    def search(self, qs, name, value):
        return search_institutions(qs, value)


class PractitionerFilter(BaseFilterSet):
    q = django_filters.CharFilter(field_name="person__name", lookup_expr="icontains", label=pgettext_lazy("person", "Name"))
    institution = IdFilter(field_name="institution_id", label=_("Institution"))
    role = django_filters.ChoiceFilter(choices=PractitionerRole.choices, label=_("Role"))
    current = django_filters.BooleanFilter(field_name="ended_on", lookup_expr="isnull", label=_("Currently employed"))

    class Meta:
        model = Practitioner
        fields = ["institution", "role"]
