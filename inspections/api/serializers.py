"""Shapes of inspections, findings and penalties and of their action bodies (no rules here: the
services in inspections.services check everything that is not shape)."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.choices import Department
from config.api import ModelSerializer, display
from config.api_rows import row_reads
from inspections.choices import (
    EscalationKind,
    FindingScope,
    InspectionType,
    PenaltyKind,
    PenaltyReason,
    ResultOutcome,
    Severity,
    SignerKind,
)
from inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    Escalation,
    Finding,
    FindingEvent,
    Inspection,
    InspectionEvent,
    InspectionPhoto,
    InspectionResult,
    Penalty,
    Rectification,
    RectificationFile,
    Signature,
)
from inspections.selectors import is_overdue, may_read_reason

ID = {"min_value": 1, "max_value": 2**63 - 1}
MONEY = {"max_digits": 14, "decimal_places": 2}
DEPARTMENT_LABELS = dict(Department.choices)


# ---------------------------------------------------------------------------------------------
# Inspections


class ChecklistRefSerializer(ModelSerializer):
    class Meta:
        model = ChecklistTemplate
        fields = ["id", "code", "version", "name"]


class InspectionResultSerializer(ModelSerializer):
    """The answer to one checklist item."""

    item = serializers.IntegerField(source="item_id", read_only=True)
    item_code = serializers.CharField(source="item.code", read_only=True)
    outcome_display = display("outcome")
    answered_by = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = InspectionResult
        fields = ["item", "item_code", "outcome", "outcome_display", "note", "answered_by", "answered_at"]


class FindingBriefSerializer(ModelSerializer):
    """A finding as its inspection lists it; the whole record is at findings/{id}/."""

    item = serializers.IntegerField(source="item_id", read_only=True, allow_null=True)
    status_display = display("status")

    class Meta:
        model = Finding
        fields = ["id", "item", "description", "grade", "severity", "is_major_hazard", "deadline", "status",
                  "status_display"]


class SignatureSerializer(ModelSerializer):
    kind_display = display("kind")
    user = serializers.IntegerField(source="user_id", read_only=True, allow_null=True)
    has_image = serializers.SerializerMethodField(help_text="A drawn signature was captured.")

    class Meta:
        model = Signature
        fields = ["id", "kind", "kind_display", "user", "name", "signed_at", "has_image"]

    @row_reads("image")
    def get_has_image(self, obj) -> bool:
        return bool(obj.image)


class InspectionPhotoSerializer(ModelSerializer):
    item = serializers.SerializerMethodField(help_text="The checklist item the photo documents, if any.")
    finding = serializers.IntegerField(source="finding_id", read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = InspectionPhoto
        fields = ["id", "item", "finding", "caption", "original_name", "size", "sha256", "uploaded_at", "url"]

    @row_reads("result_id", "result")
    def get_item(self, obj) -> int | None:
        return obj.result.item_id if obj.result_id else None

    @row_reads("inspection_id")
    def get_url(self, obj) -> str:
        return reverse("api:inspection-photo", kwargs={"pk": obj.inspection_id, "photo_id": obj.pk})


class InspectionEventSerializer(ModelSerializer):
    actor = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = InspectionEvent
        fields = ["action", "from_status", "to_status", "actor", "note", "at"]


class InspectionSerializer(ModelSerializer):
    """An on-site inspection with its team, checklist, answers, findings and sign-off."""

    institution = serializers.IntegerField(source="institution_id", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    region = serializers.CharField(source="institution.region_id", read_only=True)
    type_display = display("type")
    departments_display = serializers.SerializerMethodField()
    inspectors = serializers.SerializerMethodField(help_text="User ids of the team.")
    inspector_names = serializers.SerializerMethodField(help_text="Names of the team, in the order of `inspectors`.")
    status_display = display("status")
    checklist = ChecklistRefSerializer(read_only=True)
    results = InspectionResultSerializer(many=True, read_only=True)
    findings = FindingBriefSerializer(many=True, read_only=True)
    signatures = SignatureSerializer(many=True, read_only=True)
    photos = InspectionPhotoSerializer(many=True, read_only=True)
    events = InspectionEventSerializer(many=True, read_only=True)
    draw = serializers.IntegerField(source="draw_id", read_only=True, allow_null=True)
    findings_total = serializers.IntegerField(read_only=True)
    findings_open = serializers.IntegerField(read_only=True)
    major_hazards = serializers.IntegerField(read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id", "number", "institution", "institution_name", "region", "type", "type_display", "departments",
            "departments_display", "inspectors", "inspector_names", "scheduled_for", "reason", "status",
            "status_display", "checklist", "draw", "notified_at", "started_at", "completed_at", "closed_at",
            "conclusion", "findings_total", "findings_open", "major_hazards", "results", "findings", "signatures",
            "photos", "events", "version", "created_at", "updated_at",
        ]
        read_only_fields = fields

    @row_reads("departments")
    def get_departments_display(self, obj) -> list[str]:
        return [str(DEPARTMENT_LABELS.get(code, code)) for code in obj.departments]

    @row_reads("inspectors")
    def get_inspectors(self, obj) -> list[int]:
        return [user.pk for user in obj.inspectors.all()]

    @row_reads("inspectors")
    def get_inspector_names(self, obj) -> list[str]:
        return [str(user) for user in obj.inspectors.all()]

    def to_representation(self, instance):
        return self.finish(super().to_representation(instance))

    def finish(self, data: dict) -> dict:
        """What the caller may read (lists read as rows call this too)."""
        request = self.context.get("request")
        if request is not None and not may_read_reason(request.user):
            data["reason"] = ""
        return data


class PlanSerializer(serializers.Serializer):
    """A new inspection. Routine and special ones leave room for the notice (3 working days)."""

    institution = serializers.IntegerField(**ID)
    type = serializers.ChoiceField(choices=InspectionType.choices)
    scheduled_for = serializers.DateField()
    departments = serializers.ListField(child=serializers.ChoiceField(choices=Department.choices), min_length=1,
                                        max_length=len(Department.choices),
                                        help_text="Departments taking part; several make a joint inspection.")
    inspectors = serializers.ListField(child=serializers.IntegerField(**ID), max_length=50,
                                       help_text="User ids of at least two inspectors of the region.")
    checklist = serializers.IntegerField(**ID, required=False, allow_null=True,
                                         help_text="A published checklist; default the national joint checklist.")
    reason = serializers.CharField(required=False, allow_blank=True,
                                   help_text="Why a special or case inspection (required for a case).")


class TransitionNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class CompletionSerializer(serializers.Serializer):
    conclusion = serializers.CharField(required=False, allow_blank=True, help_text="The inspection's conclusion.")


class ResultInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(**ID, help_text="A checklist item of this inspection (see checklist/).")
    outcome = serializers.ChoiceField(choices=ResultOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True)


class PhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A JPEG or PNG photo, checked by decoding; stored re-encoded ≤ 1600 px.")
    item = serializers.IntegerField(**ID, required=False, help_text="An answered checklist item it documents.")
    finding = serializers.IntegerField(**ID, required=False, help_text="A finding of this inspection it documents.")
    caption = serializers.CharField(required=False, allow_blank=True, max_length=200)


class SignSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SignerKind.choices,
                                   help_text="`inspector` signs for the caller; `representative` for the institution.")
    name = serializers.CharField(required=False, allow_blank=True, max_length=50,
                                 help_text="The representative's name (inspectors sign with their own).")
    image = serializers.FileField(required=False, help_text="The drawn signature: a PNG (multipart only).")


class FindingInputSerializer(serializers.Serializer):
    description = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices, help_text="1 (potential minimal harm) to 4 "
                                                                           "(immediate jeopardy).")
    scope = serializers.ChoiceField(choices=FindingScope.choices)
    item = serializers.IntegerField(**ID, required=False, allow_null=True,
                                    help_text="The failed checklist item; answered as failed if not yet.")
    deadline = serializers.DateField(required=False, allow_null=True,
                                     help_text="Default by severity in working days; at most six months.")
    is_major_hazard = serializers.BooleanField(required=False, allow_null=True, default=None,
                                               help_text="Default: the item's flag.")
    legal_basis = serializers.CharField(required=False, allow_blank=True, max_length=300,
                                        help_text="Default: the item's clause.")


class InspectionChecklistItemSerializer(ModelSerializer):
    """One item of the inspection's combined checklist (一表通查) with its current answer."""

    source_display = display("source")
    department_display = display("department")
    answer = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistItem
        fields = ["id", "code", "section", "order", "text", "guidance", "source", "source_display", "clause",
                  "department", "department_display", "is_major_hazard", "answer"]

    @extend_schema_field(InspectionResultSerializer(allow_null=True))
    def get_answer(self, obj):
        result = self.context["answers"].get(obj.pk)
        return InspectionResultSerializer(result).data if result is not None else None


# ---------------------------------------------------------------------------------------------
# Findings


class RectificationFileSerializer(ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = RectificationFile
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at", "url"]

    @row_reads("rectification")
    def get_url(self, obj) -> str:
        return reverse("api:finding-file", kwargs={"pk": obj.rectification.finding_id, "file_id": obj.pk})


class RectificationSerializer(ModelSerializer):
    files = RectificationFileSerializer(many=True, read_only=True)
    submitted_by = serializers.CharField(read_only=True, allow_null=True)
    decision_display = display("decision")
    decided_by = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Rectification
        fields = ["id", "plan", "evidence_note", "files", "submitted_by", "submitted_at", "decision",
                  "decision_display", "decision_note", "decided_by", "decided_at"]


class EscalationSerializer(ModelSerializer):
    kind_display = display("kind")
    penalty = serializers.IntegerField(source="penalty_id", read_only=True, allow_null=True)

    class Meta:
        model = Escalation
        fields = ["id", "kind", "kind_display", "note", "penalty", "blacklist_criterion", "created_at"]


class FindingEventSerializer(ModelSerializer):
    actor = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = FindingEvent
        fields = ["action", "from_status", "to_status", "actor", "note", "at"]


class FindingSerializer(ModelSerializer):
    """A finding graded on the CMS grid (severity 1–4 × scope → A–L) with its rectification history."""

    inspection = serializers.IntegerField(source="inspection_id", read_only=True)
    inspection_number = serializers.CharField(source="inspection.number", read_only=True, allow_null=True)
    institution = serializers.IntegerField(source="institution_id", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    region = serializers.CharField(source="institution.region_id", read_only=True)
    item = serializers.IntegerField(source="item_id", read_only=True, allow_null=True)
    item_code = serializers.CharField(source="item.code", read_only=True, default=None, allow_null=True)
    item_text = serializers.CharField(source="item.text", read_only=True, default=None, allow_null=True)
    severity_display = display("severity")
    scope = serializers.ChoiceField(source="scope_of_harm", choices=FindingScope.choices, read_only=True)
    scope_display = display("scope_of_harm")
    status_display = display("status")
    overdue = serializers.SerializerMethodField(help_text="Overdue, or still open past its deadline.")
    rectifications = RectificationSerializer(many=True, read_only=True)
    escalations = EscalationSerializer(many=True, read_only=True)
    photos = InspectionPhotoSerializer(many=True, read_only=True)
    events = FindingEventSerializer(many=True, read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id", "inspection", "inspection_number", "institution", "institution_name", "region", "item",
            "item_code", "item_text", "description", "legal_basis", "is_major_hazard", "severity",
            "severity_display", "scope", "scope_display", "grade", "deadline", "status", "status_display", "overdue",
            "overdue_since", "closed_at", "escalated_at", "rectifications", "escalations", "photos", "events",
            "version", "created_at", "updated_at",
        ]
        read_only_fields = fields

    @row_reads("status", "deadline")
    def get_overdue(self, obj) -> bool:
        return is_overdue(obj, self.context.get("today") or timezone.localdate())


class RectificationInputSerializer(serializers.Serializer):
    plan = serializers.CharField(help_text="What the institution does about the finding.")
    evidence_note = serializers.CharField(required=False, allow_blank=True, help_text="What was done.")
    files = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=20,
                                  help_text="Photos (JPEG, PNG) or PDFs, checked by content; at most 10 MB each.")


class VerifySerializer(serializers.Serializer):
    accepted = serializers.BooleanField(help_text="true closes the finding; false sends it back.")
    note = serializers.CharField(required=False, allow_blank=True, help_text="Required when rejecting.")


class PenaltyDecisionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PenaltyKind.choices)
    reason_code = serializers.ChoiceField(
        choices=PenaltyReason.choices, required=False, default=PenaltyReason.SAFETY,
        help_text="What the penalty punishes; `subsidy_fraud` and `obstruction` make credit propose a blacklist case.")
    amount = serializers.DecimalField(**MONEY, required=False, allow_null=True,
                                      help_text="Yuan, fines only: more than 0 and at most 30000.00.")
    reason = serializers.CharField(help_text="Facts and reason.")
    legal_basis = serializers.CharField(max_length=300)
    decided_on = serializers.DateField()
    document_number = serializers.CharField(max_length=60, help_text="The decision's document number.")


class EscalateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EscalationKind.choices)
    note = serializers.CharField(help_text="Why the finding is escalated.")
    penalty = PenaltyDecisionSerializer(required=False, allow_null=True,
                                        help_text="Required for `penalty` and `suspension` (regulators decide it).")
    blacklist_criterion = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10,
                                                   help_text="For `blacklist_referral`; default by the finding.")


# ---------------------------------------------------------------------------------------------
# Penalties


class PenaltySerializer(ModelSerializer):
    institution = serializers.IntegerField(source="institution_id", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    finding = serializers.IntegerField(source="finding_id", read_only=True, allow_null=True)
    kind_display = display("kind")
    reason_code_display = display("reason_code")
    document = serializers.SerializerMethodField(help_text="Download URL of the decision document, if uploaded.")

    class Meta:
        model = Penalty
        fields = ["id", "institution", "institution_name", "finding", "kind", "kind_display", "reason_code",
                  "reason_code_display", "amount", "reason",
                  "legal_basis", "decided_on", "document_number", "document", "created_at", "updated_at"]
        read_only_fields = fields

    def get_document(self, obj) -> str | None:
        return reverse("api:penalty-document", kwargs={"pk": obj.pk}) if obj.document else None


class PenaltyCreateSerializer(PenaltyDecisionSerializer):
    institution = serializers.IntegerField(**ID)
    document = serializers.FileField(required=False, help_text="The decision document, a PDF (multipart only).")
