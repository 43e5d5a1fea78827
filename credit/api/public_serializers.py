"""Shapes of the public API (no personal data) and of complaints (contact only for regulators)."""

from rest_framework import serializers

from config.api import ModelSerializer, display
from credit.complaints import DECISIONS
from credit.models import BlacklistCase, Complaint
from institutions.models import Institution


class InspectionSummarySerializer(serializers.Serializer):
    completed = serializers.IntegerField(source="inspections_completed")
    last_inspected_at = serializers.DateTimeField(allow_null=True)
    findings_total = serializers.IntegerField()
    findings_open = serializers.IntegerField()
    major_hazards_open = serializers.IntegerField()
    penalties = serializers.IntegerField(source="penalties_count")


class PublicInstitutionSerializer(ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    type_display = display("type")
    nature_display = display("nature")
    inspection_outcomes = InspectionSummarySerializer(source="*", read_only=True)

    class Meta:
        model = Institution
        fields = [
            "id", "uscc", "name", "region", "region_name", "type", "type_display", "nature", "nature_display",
            "address", "beds_total", "level", "credit_grade", "is_blacklisted", "insured", "insured_until",
            "inspection_outcomes", "updated_at",
        ]
        read_only_fields = fields


class PublicBlacklistSerializer(ModelSerializer):
    institution = serializers.IntegerField(source="institution_id", read_only=True)
    name = serializers.CharField(source="institution.name", read_only=True)
    uscc = serializers.CharField(source="institution.uscc", read_only=True)
    region = serializers.CharField(source="institution.region_id", read_only=True)
    legal_representative = serializers.CharField(read_only=True, allow_null=True)
    criterion_display = display("criterion")

    class Meta:
        model = BlacklistCase
        fields = [
            "id", "institution", "name", "uscc", "region", "legal_representative", "criterion", "criterion_display",
            "listed_at", "expected_exit_date", "updated_at",
        ]
        read_only_fields = fields


class ComplaintSerializer(ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    category_display = display("category")
    status_display = display("status")

    class Meta:
        model = Complaint
        fields = [
            "id", "number", "institution", "institution_name", "category", "category_display", "text", "status",
            "status_display", "resolution", "triaged_at", "submitted_at", "updated_at",
        ]
        read_only_fields = fields


class ComplaintWithContactSerializer(ComplaintSerializer):
    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "contact_name", "contact_phone"]
        read_only_fields = fields


class TriageSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in DECISIONS])
    resolution = serializers.CharField(max_length=5000)

