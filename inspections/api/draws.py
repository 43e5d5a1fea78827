"""Random draws (双随机、一公开) and the homes due for inspection. Thin: bodies are shaped here,
everything else is inspections.draws (writes) and inspections.draw_selectors (reads).

To register (inspections/api/urls.py):
    router.register("random-draws", RandomDrawViewSet, basename="random-draw")
    router.register("due-inspections", DueInspectionViewSet, basename="due-inspection")
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import Department
from config.api import IdempotentCreateMixin, ModelSerializer, ScopedViewSet, display
from config.errors import NotAllowed
from inspections import draws
from inspections.draw_selectors import (
    DUE_ROLES,
    DrawFilter,
    DueFilter,
    DueReason,
    draw_detail_for,
    draws_for,
    due_for_inspection,
)
from inspections.models import RandomDraw
from institutions.filters import REGION_CODE
from institutions.models import Institution

REASON_LABELS = dict(DueReason.choices)


# --- shapes --------------------------------------------------------------------------------------


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField(source="period_start")
    end = serializers.DateField(source="period_end")


class TeamMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    department = serializers.CharField()


class AssignmentSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    institution_name = serializers.CharField()
    inspectors = TeamMemberSerializer(many=True)


class UncoveredSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    departments = serializers.ListField(child=serializers.CharField())


class DrawInspectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    institution = serializers.IntegerField(source="institution_id")
    status = serializers.CharField()
    scheduled_for = serializers.DateField()


class DrawParametersSerializer(serializers.Serializer):
    algorithm = serializers.CharField()
    mode = serializers.ChoiceField(choices=["count", "rate", "grade_rates"])
    sample_count = serializers.IntegerField(allow_null=True)
    rate = serializers.CharField(allow_null=True)
    rates_by_grade = serializers.DictField(child=serializers.CharField(), allow_null=True)
    inspectors_per_institution = serializers.IntegerField()
    departments = serializers.ListField(child=serializers.CharField())
    checklist = serializers.IntegerField(allow_null=True, help_text="Template id; null: each home's regional list")
    scheduled_for = serializers.DateField(allow_null=True)
    previous_draw = serializers.IntegerField(allow_null=True)


def assignments_of(record) -> list[dict]:
    """Drawn home → its team, from the prefetched assignment rows."""
    rows: dict[int, dict] = {}
    for assignment in record.assignments.all():
        row = rows.setdefault(assignment.institution_id, {
            "institution": assignment.institution_id, "institution_name": assignment.institution.name,
            "inspectors": [],
        })
        inspector = assignment.inspector
        row["inspectors"].append({"id": inspector.pk, "name": str(inspector), "department": inspector.department})
    return list(rows.values())


class RandomDrawSerializer(ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    period = serializers.SerializerMethodField()
    parameters = serializers.SerializerMethodField()
    status_display = display("status")
    institutions = serializers.SerializerMethodField()
    assignments = serializers.SerializerMethodField()
    unstaffed = serializers.SerializerMethodField()
    uncovered = serializers.SerializerMethodField()
    inspections = DrawInspectionSerializer(many=True, read_only=True)
    inspections_done = serializers.IntegerField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    class Meta:
        model = RandomDraw
        fields = [
            "id", "number", "region", "region_name", "period", "parameters", "seed", "status", "status_display",
            "published_at", "institution_pool", "inspector_pool", "institutions", "assignments", "unstaffed",
            "uncovered", "inspections", "inspections_done", "created_by", "created_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PeriodSerializer)
    def get_period(self, obj) -> dict:
        return {"start": obj.period_start.isoformat(), "end": obj.period_end.isoformat()}

    @extend_schema_field(DrawParametersSerializer)
    def get_parameters(self, obj) -> dict:
        return draws.public_parameters(obj)

    def get_institutions(self, obj) -> list[int]:
        """Every drawn home, staffed or not."""
        return obj.parameters.get("result", {}).get("selected", [])

    @extend_schema_field(AssignmentSerializer(many=True))
    def get_assignments(self, obj) -> list[dict]:
        return assignments_of(obj)

    def get_unstaffed(self, obj) -> list[int]:
        """Drawn homes too few eligible inspectors could go to: no team, no inspection."""
        return obj.parameters.get("result", {}).get("unstaffed", [])

    @extend_schema_field(UncoveredSerializer(many=True))
    def get_uncovered(self, obj) -> list[dict]:
        """Staffed homes whose team lacks a requested department (no such inspector could go)."""
        return [{"institution": home, "departments": missing}
                for home, missing in obj.parameters.get("result", {}).get("uncovered", [])]


class DrawCreateSerializer(serializers.Serializer):
    region = serializers.CharField(validators=[REGION_CODE], help_text="6-digit GB/T 2260 code within your region")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    sample_count = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100_000,
                                            help_text="How many homes to draw (or give `rate`, or `use_grade_rates`)")
    rate = serializers.DecimalField(max_digits=5, decimal_places=4, required=False, allow_null=True,
                                    help_text="Share of homes to draw, more than 0 and at most 1")
    use_grade_rates = serializers.BooleanField(default=False, help_text="Sample each credit class at its own rate")
    rates_by_grade = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=4), required=False,
        help_text='Rates overriding the defaults, keyed "A", "B", "C", "D", "" (not rated) or "blacklisted"',
    )
    inspectors_per_institution = serializers.IntegerField(default=2, min_value=1, max_value=draws.MAX_TEAM)
    departments = serializers.ListField(child=serializers.ChoiceField(choices=Department.choices), allow_empty=False)
    seed = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                 help_text="Leave out to have a random seed generated")
    checklist = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1,
                                         help_text="Template id; default: the list that applies in each home's region")
    scheduled_for = serializers.DateField(required=False, allow_null=True,
                                          help_text="One date for every visit; default: spread over the period")

    def to_representation(self, instance):
        # The answer to a create is the draw made, not the request echoed.
        return RandomDrawSerializer(instance, context=self.context).data


class ResultSerializer(serializers.Serializer):
    selected = serializers.ListField(child=serializers.IntegerField())
    assignments = serializers.ListField(child=serializers.DictField())
    unstaffed = serializers.ListField(child=serializers.IntegerField())


class VerificationSerializer(serializers.Serializer):
    matches = serializers.BooleanField()
    differences = serializers.ListField(child=serializers.CharField())
    reproduced = ResultSerializer()
    recorded = ResultSerializer()


def result_json(result: draws.DrawResult) -> dict:
    return {
        "selected": list(result.selected),
        "assignments": [{"institution": home, "inspectors": list(team)} for home, team in sorted(result.assignments.items())],
        "unstaffed": list(result.unstaffed),
    }


# --- random draws ----------------------------------------------------------------------------------


@extend_schema_view(create=extend_schema(request=DrawCreateSerializer, responses={201: RandomDrawSerializer}))
class RandomDrawViewSet(IdempotentCreateMixin, mixins.CreateModelMixin, ScopedViewSet):
    """双随机、一公开: regulators draw homes and inspection teams in their region at random, from a
    recorded seed and recorded pools, so anyone may re-run the draw (verify/) and get the same.
    Creating a draw plans one routine inspection per staffed home; the draw is published once
    they are all completed or closed. Idempotency-Key replays the first answer."""

    selector = staticmethod(draws_for)
    filterset_class = DrawFilter
    ordering_fields = ["created_at", "updated_at", "period_start", "number"]
    ordering = ["-created_at"]
    lookup_value_regex = r"[0-9]+"

    def get_serializer_class(self):
        return DrawCreateSerializer if self.action == "create" else RandomDrawSerializer

    def create(self, request, *args, **kwargs):
        # The role first: an inspector is told "not yours to do", not what is wrong with the body.
        if request.user.role not in draws.DRAWERS:
            raise NotAllowed(draws.not_a_drawer())
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        record = draws.create_draw(
            actor=self.request.user, region_code=data["region"], period_start=data["period_start"],
            period_end=data["period_end"], sample_count=data.get("sample_count"), rate=data.get("rate"),
            use_grade_rates=data["use_grade_rates"], rates_by_grade=data.get("rates_by_grade"),
            inspectors_per_institution=data["inspectors_per_institution"], departments=data["departments"],
            seed=data.get("seed"), checklist_id=data.get("checklist"), scheduled_for=data.get("scheduled_for"),
        )
        serializer.instance = draw_detail_for(self.request.user, record.pk)

    @extend_schema(request=None, responses=RandomDrawSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """一公开 (regulator): publish the results once every inspection of the draw is done (409 before)."""
        record = draws.publish_draw(actor=request.user, draw_id=self.get_object().pk)
        return Response(RandomDrawSerializer(draw_detail_for(request.user, record.pk)).data)

    @extend_schema(responses=VerificationSerializer)
    @action(detail=True, methods=["get"])
    def verify(self, request, pk=None):
        """Re-run the draw from its recorded seed, pools and parameters and compare with what was recorded."""
        check = draws.verify_draw(self.get_object())
        return Response({
            "matches": check.matches,
            "differences": check.differences,
            "reproduced": result_json(check.reproduced),
            "recorded": result_json(check.recorded),
        })


# --- due for inspection ------------------------------------------------------------------------------


class DueInspectionSerializer(ModelSerializer):
    institution = serializers.IntegerField(source="pk", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    reason = serializers.ChoiceField(choices=DueReason.choices, read_only=True)
    reason_display = serializers.SerializerMethodField()
    last_inspected = serializers.SerializerMethodField()
    next_scheduled = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Institution
        fields = [
            "institution", "name", "uscc", "region", "region_name", "reason", "reason_display", "filed_on",
            "last_inspected", "next_scheduled", "credit_grade", "is_blacklisted", "updated_at",
        ]
        read_only_fields = fields

    def get_reason_display(self, obj) -> str:
        return str(REASON_LABELS.get(obj.reason, obj.reason))

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_last_inspected(self, obj):
        """The day (Beijing time) an inspection last started there; null if never."""
        return timezone.localdate(obj.last_inspected).isoformat() if obj.last_inspected else None


class DueInspectionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Homes due for an on-site inspection: none this calendar year, or a filing not yet inspected
    (`filing_overdue` once 20 working days have passed). Regulators, inspectors and administrators."""

    serializer_class = DueInspectionSerializer
    filterset_class = DueFilter
    filter_backends = ScopedViewSet.filter_backends
    ordering_fields = ["name", "region", "filed_on", "last_inspected", "reason_rank"]
    ordering = ["reason_rank", "region", "name"]

    def get_queryset(self):
        return due_for_inspection(self.request.user, today=timezone.localdate())

    def list(self, request, *args, **kwargs):
        if request.user.role not in DUE_ROLES:
            raise NotAllowed()
        return super().list(request, *args, **kwargs)

