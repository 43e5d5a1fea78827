"""`dishonesty-records/`: practitioners' serious dishonesty records in the caller's region (list,
detail), recorded by regulators of a region where the person works (create, Idempotency-Key), and
ended (`POST {id}/end/`). ID numbers in clear only for regulators and administrators."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from accounts.choices import Role
from accounts.scoping import mask
from config.api import BaseFilterSet, IdFilter, ModelSerializer, ScopedViewSet, display, run_idempotently
from config.errors import NotAllowed
from credit import dishonesty as services
from credit.choices import DishonestyKind
from credit.models import DishonestyRecord

CLEAR_IDS = {Role.REGULATOR, Role.ADMIN}


@extend_schema_field({"type": "string", "description": "One of: " + ", ".join(DishonestyKind.values)})
class DishonestyRecordSerializer(ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=DishonestyKind.choices, read_only=True)
    kind_display = display("kind")
    institution_name = serializers.CharField(source="institution.name", read_only=True, default=None)

    class Meta:
        model = DishonestyRecord
        fields = ["id", "person", "person_name", "person_id_number", "institution", "institution_name", "kind",
                  "kind_display", "description", "decided_on", "document_number", "valid_until", "created_at",
                  "updated_at"]

    def get_person_id_number(self, record) -> str:
        user = self.context["request"].user
        return record.person.id_number if user.role in CLEAR_IDS else mask(record.person.id_number)


class RecordInputSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    institution = serializers.IntegerField(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=DishonestyKind.choices)
    description = serializers.CharField()
    decided_on = serializers.DateField()
    document_number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    valid_until = serializers.DateField(required=False, allow_null=True)


class DishonestyFilter(BaseFilterSet):
    person = IdFilter(field_name="person_id")
    kind = django_filters.CharFilter(help_text="One of: " + ", ".join(DishonestyKind.values))

    class Meta:
        model = DishonestyRecord
        fields = ["person", "kind"]


def _records(user):
    if getattr(user, "role", None) not in services.READERS:
        return DishonestyRecord.objects.none()
    return services.records_for(user).distinct()


class DishonestyRecordViewSet(ScopedViewSet):
    """Dishonesty records of practitioners working in the caller's region (regulators, inspectors,
    administrators); others see none."""

    selector = staticmethod(_records)
    serializer_class = DishonestyRecordSerializer
    filterset_class = DishonestyFilter
    ordering_fields = ["decided_on", "valid_until", "updated_at"]
    ordering = ["-decided_on", "-id"]
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser]

    @extend_schema(request=RecordInputSerializer, responses={201: DishonestyRecordSerializer})
    def create(self, request, *args, **kwargs):
        """Record a practitioner's serious dishonesty (regulators of a region where the person
        works). Idempotency-Key replays the first result."""

        def produce():
            if request.user.role not in services.WRITERS:
                raise NotAllowed()
            body = RecordInputSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = dict(body.validated_data)
            record = services.record_dishonesty(actor=request.user, person_id=data.pop("person"), data=data)
            record = services.records_for(request.user).get(pk=record.pk)
            return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

        return run_idempotently(request, produce)

    @extend_schema(request=None, responses=DishonestyRecordSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the record now (regulators of the region)."""
        record = services.end_record(actor=request.user, record_id=int(pk))
        record = services.records_for(request.user).filter(pk=record.pk).first() or record
        return Response(self.get_serializer(record).data)
