"""Read-only API of checklist templates: `checklists/` (list and detail, items nested).

Register with `router.register("checklists", ChecklistTemplateViewSet, basename="checklist")`.
Filters: `code`, `region` (6-digit code of a local version), `national` (true: only national
versions), `status`, `department` (repeatable: templates with items of these departments, and
their nested items narrowed to them — the joint list 一表通查 of the departments taking part),
`updated_since`.
"""

import django_filters
from django.db.models import Prefetch
from rest_framework import serializers

from accounts.choices import Department
from config.api import BaseFilterSet, ModelSerializer, ScopedViewSet, display
from inspections.checklist_selectors import ordered_items, templates_for
from inspections.choices import TemplateStatus
from inspections.models import ChecklistItem, ChecklistTemplate


class ChecklistFilter(BaseFilterSet):
    code = django_filters.CharFilter(field_name="code")
    region = django_filters.CharFilter(
        field_name="region_id", max_length=6, help_text="6-digit code of the region a local version belongs to"
    )
    national = django_filters.BooleanFilter(
        field_name="region", lookup_expr="isnull", help_text="true: national versions only; false: local ones only"
    )
    status = django_filters.ChoiceFilter(choices=TemplateStatus.choices)
    department = django_filters.MultipleChoiceFilter(
        field_name="items__department", choices=Department.choices, distinct=True,
        help_text="Repeatable. Templates with items of these departments; their nested items are narrowed to "
                  "them (also on the detail), giving the joint list of the departments taking part",
    )

    class Meta:
        model = ChecklistTemplate
        fields = ["code", "region", "national", "status", "department"]


class ChecklistItemSerializer(ModelSerializer):
    source_display = display("source")
    department_display = display("department")

    class Meta:
        model = ChecklistItem
        fields = [
            "id", "code", "section", "order", "text", "guidance", "source", "source_display", "clause",
            "department", "department_display", "is_major_hazard",
        ]


class ChecklistTemplateSerializer(ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True, allow_null=True)
    region_name = serializers.CharField(source="region.name", read_only=True, allow_null=True, default=None)
    status_display = display("status")
    item_count = serializers.IntegerField(read_only=True)
    major_hazard_count = serializers.IntegerField(source="major_count", read_only=True)
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = [
            "id", "code", "version", "name", "description", "region", "region_name", "status", "status_display",
            "based_on", "published_at", "created_at", "updated_at", "item_count", "major_hazard_count", "items",
        ]


class ChecklistTemplateViewSet(ScopedViewSet):
    """Checklist templates visible to the caller (national and local versions; drafts only to
    the regulators of their region and above); institutions and insurers see none."""

    selector = staticmethod(templates_for)
    serializer_class = ChecklistTemplateSerializer
    filterset_class = ChecklistFilter
    ordering_fields = ["code", "version", "published_at", "updated_at"]
    ordering = ["code", "-version"]

    def get_queryset(self):
        items = ordered_items()
        # ?department= narrows the nested items too (validated choices only; the FilterSet
        # rejects anything else with a 400 before the rows are read).
        departments = [d for d in self.request.query_params.getlist("department") if d in Department.values]
        if departments:
            items = items.filter(department__in=departments)
        return super().get_queryset().prefetch_related(Prefetch("items", queryset=items))
