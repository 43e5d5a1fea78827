"""Shapes of blacklist cases over the API (shared/api.md `blacklist-cases/`). A practitioner's ID
number is shown to regulators and administrators only, masked to everyone else."""

from rest_framework import serializers

from accounts.choices import Role
from accounts.scoping import mask
from config.api import ModelSerializer, display
from credit.choices import CaseStatus, Criterion
from credit.models import BlacklistCase, BlacklistEvent, BlacklistFile

ID = {"min_value": 1, "max_value": 2**63 - 1}


def sees_id_numbers(user) -> bool:
    return getattr(user, "role", None) in (Role.REGULATOR, Role.ADMIN)


class BlacklistEventSerializer(ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = BlacklistEvent
        fields = ["action", "from_status", "to_status", "actor", "note", "at"]

    def get_actor(self, obj) -> str | None:
        return str(obj.actor) if obj.actor else None


class BlacklistFileSerializer(ModelSerializer):
    class Meta:
        model = BlacklistFile
        fields = ["id", "purpose", "original_name", "content_type", "size", "sha256", "uploaded_at"]


class BlacklistCaseSerializer(ModelSerializer):
    institution = serializers.IntegerField(source="institution_id", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    region = serializers.CharField(source="institution.region_id", read_only=True)
    practitioner = serializers.IntegerField(source="practitioner_id", read_only=True, allow_null=True)
    practitioner_name = serializers.CharField(source="practitioner.name", read_only=True, default=None, allow_null=True)
    practitioner_id_number = serializers.SerializerMethodField(
        help_text="In clear for regulators and administrators, masked for everyone else.")
    subject_type_display = display("subject_type")
    criterion_display = display("criterion")
    status_display = display("status")
    source_display = display("source")
    events = BlacklistEventSerializer(many=True, read_only=True)
    files = BlacklistFileSerializer(many=True, read_only=True)

    class Meta:
        model = BlacklistCase
        fields = [
            "id", "number", "subject_type", "subject_type_display", "institution", "institution_name", "region",
            "practitioner", "practitioner_name", "practitioner_id_number", "criterion", "criterion_display",
            "evidence", "legal_basis", "source", "source_display", "source_id", "status", "status_display",
            "notified_at", "objection_deadline", "objection", "review_conclusion", "decision_note", "listed_at",
            "expected_exit_date", "removal_grounds", "removed_at", "events", "files", "version", "created_at",
            "updated_at",
        ]

    def get_practitioner_id_number(self, obj) -> str | None:
        if obj.practitioner_id is None:
            return None
        number = obj.practitioner.id_number
        return number if sees_id_numbers(self.context["request"].user) else mask(number)


class ProposeSerializer(serializers.Serializer):
    institution = serializers.IntegerField(**ID, help_text="The home concerned (for a practitioner: where they work).")
    practitioner = serializers.IntegerField(**ID, required=False, allow_null=True,
                                            help_text="A person (practitioners/ person id) working at the institution.")
    criterion = serializers.ChoiceField(choices=Criterion.choices, help_text="Criterion 1–10 of 民发〔2019〕103号.")
    evidence = serializers.CharField(help_text="The facts and the evidence.")
    files = serializers.ListField(child=serializers.FileField(), required=False,
                                  help_text="Evidence: PDF, JPEG or PNG, checked by content, ≤ 10 MB each.")


class BlacklistNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class ObjectSerializer(serializers.Serializer):
    statement = serializers.CharField(help_text="The party's statement of objection (陈述申辩).")
    files = serializers.ListField(child=serializers.FileField(), required=False)


class ReviewSerializer(serializers.Serializer):
    conclusion = serializers.CharField(help_text="The review conclusion on the objection.")


class DecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[(CaseStatus.LISTED.value, "listed"),
                                               (CaseStatus.DISMISSED.value, "dismissed")])
    note = serializers.CharField(required=False, allow_blank=True)


class RequestRemovalSerializer(serializers.Serializer):
    grounds = serializers.CharField(help_text="No new serious violation, or rectification completed (信用修复).")
    files = serializers.ListField(child=serializers.FileField(), required=False)


class RemoveSerializer(serializers.Serializer):
    granted = serializers.BooleanField(help_text="true: removed; false: refused, the case returns to listed.")
    note = serializers.CharField(help_text="The decision on the request.")


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the listing was wrongful.")
