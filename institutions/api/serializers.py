from rest_framework import serializers

from accounts.scoping import mask, sees_personal_data
from config.api import ModelSerializer, display
from institutions.models import Institution, Practitioner, Region


class RegionSerializer(ModelSerializer):
    level_display = display("level")
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "level_display", "parent", "full_name", "updated_at"]


class InstitutionSerializer(ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    type_display = display("type")
    nature_display = display("nature")
    operation_model_display = display("operation_model")
    filing_status_display = display("filing_status")
    medical_licence_display = display("medical_licence")

    class Meta:
        model = Institution
        fields = [
            "id", "uscc", "name", "region", "region_name", "type", "type_display", "nature", "nature_display",
            "operation_model", "operation_model_display", "beds_total", "beds_nursing", "beds_in_use", "residents",
            "building_area", "level", "level_rated_on", "filing_status", "filing_status_display", "filed_on",
            "residents_since", "address", "contact_person", "contact_phone", "email", "medical_licence",
            "medical_licence_display", "medical_licence_no", "medical_licence_valid_until", "canteen_licence_no",
            "canteen_licence_valid_until", "credit_score", "credit_grade", "is_blacklisted", "insured",
            "insured_until", "is_active",
            "deactivated_on", "deactivation_reason", "version", "created_at", "updated_at",
        ]
        read_only_fields = [
            "credit_score", "credit_grade", "is_blacklisted", "insured", "insured_until", "is_active",
            "deactivated_on", "deactivation_reason",
            "version", "created_at", "updated_at",
        ]


class DeactivateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class PractitionerSerializer(ModelSerializer):
    """A job at an institution. Name and ID number identify the person and are set on creation."""

    # A plain id: the service checks it against the caller's scope, so an id outside it reads
    # exactly like one that does not exist.
    institution = serializers.IntegerField(source="institution_id")
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    name = serializers.CharField(source="person.name", max_length=50)
    id_number = serializers.CharField(source="person.id_number", max_length=18)
    phone = serializers.CharField(source="person.phone", max_length=20, required=False, allow_blank=True)
    role_display = display("role")
    is_current = serializers.SerializerMethodField()
    is_blacklisted = serializers.BooleanField(
        source="person.is_blacklisted", read_only=True,
        help_text="The person is on the dishonesty blacklist (a practitioner case listed or awaiting removal).")

    class Meta:
        model = Practitioner
        fields = [
            "id", "institution", "institution_name", "name", "id_number", "phone", "role", "role_display",
            "qualification", "certificate_no", "trained_on", "training_hours", "started_on", "ended_on",
            "is_current", "is_blacklisted", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_is_current(self, obj) -> bool:
        return obj.ended_on is None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not sees_personal_data(request.user):
            data["id_number"] = mask(data["id_number"])
            data["phone"] = mask(data["phone"])
        return data


class HistoryEntrySerializer(serializers.Serializer):
    timestamp = serializers.DateTimeField()
    action = serializers.CharField(source="get_action_display")
    object_type = serializers.CharField(source="content_type.model")
    object_repr = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    request_id = serializers.CharField(source="cid", allow_null=True)
    changes = serializers.JSONField(source="changes_dict")
