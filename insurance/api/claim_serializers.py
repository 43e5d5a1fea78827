"""Shapes of incidents, claims, their action bodies and the claims statistics (no rules here)."""

from decimal import Decimal

from django.urls import reverse
from rest_framework import serializers

from config.api import ModelSerializer, display
from config.api_rows import row_reads
from insurance.choices import Section
from insurance.models import (
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimLine,
    CostItem,
    Dispute,
    DisputeOutcome,
    DocumentKind,
    FamilyNotice,
    Incident,
    IncidentAttachment,
    IncidentCategory,
    IncidentPerson,
    RejectionReason,
    Responsibility,
)
from insurance.services import claims as claim_services

MONEY = {"max_digits": 14, "decimal_places": 2}
TOTAL = {"max_digits": 16, "decimal_places": 2}
CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------------
# Incidents


class PersonSerializer(ModelSerializer):
    kind_display = display("kind")
    outcome_display = display("outcome")

    class Meta:
        model = IncidentPerson
        fields = ["id", "kind", "kind_display", "name", "outcome", "outcome_display", "injury"]
        read_only_fields = ["id"]


class IncidentAttachmentSerializer(ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = IncidentAttachment
        fields = ["id", "original_name", "content_type", "size", "pages", "sha256", "uploaded_at", "url"]

    def get_url(self, obj) -> str:
        return reverse("api:incident-attachment", kwargs={"pk": obj.incident_id, "attachment_id": obj.pk})


class IncidentSerializer(ModelSerializer):
    """An accident at an institution. `persons`: resident / third party / staff with the outcome."""

    institution = serializers.IntegerField(source="institution_id", required=False, min_value=1, max_value=2**63 - 1,
                                           help_text="Default: the caller's own institution.")
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    category = serializers.ChoiceField(choices=IncidentCategory.choices)
    category_display = display("category")
    family_notified_how = serializers.ChoiceField(choices=FamilyNotice.choices, required=False, allow_blank=True)
    family_notified_how_display = display("family_notified_how")
    responsibility_display = display("responsibility")
    persons = PersonSerializer(many=True, required=False)
    attachments = IncidentAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id", "institution", "institution_name", "occurred_at", "category", "category_display", "place",
            "description", "persons", "first_aid", "hospital_transfer", "hospital", "family_notified_at",
            "family_notified_how", "family_notified_how_display", "responsibility", "responsibility_display",
            "responsibility_note", "responsibility_determined_at", "attachments", "version", "created_at", "updated_at",
        ]
        read_only_fields = [
            "responsibility", "responsibility_note", "responsibility_determined_at", "version", "created_at", "updated_at",
        ]


class ResponsibilitySerializer(serializers.Serializer):
    responsibility = serializers.ChoiceField(choices=Responsibility.choices)
    note = serializers.CharField(help_text="The grounds of the finding (责任认定).")


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A PDF, JPEG or PNG, checked by its content; at most 10 MB.")


# ---------------------------------------------------------------------------------------------
# Claims


class ClaimLineSerializer(ModelSerializer):
    """One person or cost item with its own claimed, approved and paid amounts."""

    person = serializers.IntegerField(source="person_id", required=False, allow_null=True, min_value=1,
                                      max_value=2**63 - 1, help_text="A person of the incident (its `persons[].id`).")
    person_name = serializers.CharField(source="person.name", default=None, read_only=True)
    person_kind = serializers.CharField(source="person.kind", default=None, read_only=True)
    item = serializers.ChoiceField(choices=CostItem.choices)
    item_display = display("item")
    claimed_amount = serializers.DecimalField(**MONEY, min_value=CENT)
    rejection_reason_display = display("rejection_reason")

    class Meta:
        model = ClaimLine
        fields = [
            "id", "person", "person_name", "person_kind", "item", "item_display", "description", "claimed_amount",
            "approved_amount", "paid_amount", "rejection_reason", "rejection_reason_display",
        ]
        read_only_fields = ["id", "approved_amount", "paid_amount", "rejection_reason"]


class ClaimDocumentSerializer(ModelSerializer):
    kind_display = display("kind")
    url = serializers.SerializerMethodField()

    class Meta:
        model = ClaimDocument
        fields = ["id", "kind", "kind_display", "original_name", "content_type", "size", "pages", "sha256",
                  "uploaded_at", "url"]

    @row_reads("claim_id")
    def get_url(self, obj) -> str:
        return reverse("api:claim-document", kwargs={"pk": obj.claim_id, "document_id": obj.pk})


class ClaimEventSerializer(ModelSerializer):
    actor = serializers.CharField(read_only=True, allow_null=True, help_text="Who acted; null for the system.")

    class Meta:
        model = ClaimEvent
        fields = ["action", "from_status", "to_status", "actor", "note", "data", "at"]


class DisputeSerializer(ModelSerializer):
    outcome_display = display("outcome")

    class Meta:
        model = Dispute
        fields = ["id", "from_status", "grounds", "raised_at", "approved_before", "outcome", "outcome_display",
                  "approved_after", "mediation_note", "resolved_at"]


class ClaimSerializer(ModelSerializer):
    """A claim. Created by the institution with `policy`, `incident`, `section`, `claimed_amount`
    and optionally one line per person or cost item (default: one line for the only person the
    section covers)."""

    policy = serializers.IntegerField(source="policy_id", min_value=1, max_value=2**63 - 1)
    policy_number = serializers.CharField(source="policy.number", read_only=True)
    incident = serializers.IntegerField(source="incident_id", min_value=1, max_value=2**63 - 1)
    incident_category = serializers.CharField(source="incident.category", read_only=True)
    incident_occurred_at = serializers.DateTimeField(source="incident.occurred_at", read_only=True)
    institution = serializers.IntegerField(source="institution_id", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    insurer = serializers.CharField(source="insurer.code", read_only=True)
    insurer_name = serializers.CharField(source="insurer.name", read_only=True)
    section = serializers.ChoiceField(choices=Section.choices)
    section_display = display("section")
    claimed_amount = serializers.DecimalField(**MONEY, min_value=CENT)
    status_display = display("status")
    rejection_reason_display = display("rejection_reason")
    lines = ClaimLineSerializer(many=True, required=False)
    documents = ClaimDocumentSerializer(many=True, read_only=True)
    missing_documents = serializers.SerializerMethodField(
        help_text="Document kinds a complete file still lacks (`arbitration_or_litigation`: either)."
    )
    events = ClaimEventSerializer(many=True, read_only=True)
    disputes = DisputeSerializer(many=True, read_only=True)
    note = serializers.CharField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = Claim
        fields = [
            "id", "number", "policy", "policy_number", "policy_year", "incident", "incident_category",
            "incident_occurred_at", "institution", "institution_name", "insurer", "insurer_name", "section",
            "section_display", "claimed_amount", "approved_amount", "paid_amount", "status", "status_display",
            "version", "fast_track", "missing_documents", "rejection_reason", "rejection_reason_display",
            "insurer_reference", "paid_on", "payment_reference", "lines", "documents", "events", "disputes",
            "registered_at", "approved_at", "paid_at", "closed_at", "reopen_count", "created_at", "updated_at", "note",
        ]
        read_only_fields = [
            "number", "policy_year", "approved_amount", "paid_amount", "status", "version", "fast_track",
            "rejection_reason", "insurer_reference", "paid_on", "payment_reference", "registered_at", "approved_at",
            "paid_at", "closed_at", "reopen_count", "created_at", "updated_at",
        ]
        validators = []  # the service checks duplicates (409) and everything else

    @row_reads("section", "lines.person", "documents.kind")
    def get_missing_documents(self, obj) -> list[str]:
        return claim_services.missing_documents(obj)


# ---------------------------------------------------------------------------------------------
# Action bodies


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class RequiredNoteSerializer(serializers.Serializer):
    note = serializers.CharField()


class RegisterSerializer(NoteSerializer):
    reference = serializers.CharField(required=False, allow_blank=True, max_length=60,
                                      help_text="The insurer's own claim number.")


class LineApprovalSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    approved_amount = serializers.DecimalField(**MONEY, min_value=Decimal("0"))
    rejection_reason = serializers.ChoiceField(choices=RejectionReason.choices, required=False, allow_blank=True)


class ApproveSerializer(NoteSerializer):
    approved_amount = serializers.DecimalField(**MONEY, min_value=CENT)
    lines = LineApprovalSerializer(many=True, required=False,
                                   help_text="One entry per line; optional for one-line claims and full approvals.")


class RejectSerializer(NoteSerializer):
    reason = serializers.ChoiceField(choices=RejectionReason.choices)


class PaySerializer(NoteSerializer):
    paid_amount = serializers.DecimalField(**MONEY, min_value=CENT, help_text="Must equal the approved amount.")
    paid_on = serializers.DateField()
    reference = serializers.CharField(max_length=100, help_text="The bank or payment reference.")


class ResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=DisputeOutcome.choices)
    note = serializers.CharField(help_text="The mediation record (调解记录).")
    approved_amount = serializers.DecimalField(**MONEY, min_value=CENT, required=False,
                                               help_text="The amount agreed; default the disputed approval.")
    lines = LineApprovalSerializer(many=True, required=False)


class SubmitDocumentsSerializer(NoteSerializer):
    files = serializers.ListField(child=serializers.FileField(), required=False,
                                  help_text="PDF, JPEG or PNG files; or upload them first to documents/.")
    kind = serializers.ChoiceField(choices=DocumentKind.choices, required=False, default=DocumentKind.OTHER)


class ClaimUploadSerializer(AttachmentUploadSerializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)


# ---------------------------------------------------------------------------------------------
# Statistics


class StatisticsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100,
                                    help_text="Underwriting year: the year the policies start.")
    region = serializers.RegexField(r"^\d{6}$", required=False, help_text="6-digit code; default your whole scope.")


class BreakdownRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    claimed_amount = serializers.DecimalField(**TOTAL)
    approved_amount = serializers.DecimalField(**TOTAL)
    paid_amount = serializers.DecimalField(**TOTAL)


class TotalsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    claimed_amount = serializers.DecimalField(**TOTAL)
    approved_amount = serializers.DecimalField(**TOTAL)
    paid_amount = serializers.DecimalField(**TOTAL)


class LossRatioRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    premium = serializers.DecimalField(**TOTAL)
    paid_amount = serializers.DecimalField(**TOTAL)
    loss_ratio = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True,
                                          help_text="paid ÷ premium; null without premium")


class LossRatioSerializer(serializers.Serializer):
    by_insurer = LossRatioRowSerializer(many=True)
    by_region = LossRatioRowSerializer(many=True)
    by_year = LossRatioRowSerializer(many=True)


class DurationSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    median_days = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    p90_days = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)


class DurationsSerializer(serializers.Serializer):
    to_registration = DurationSerializer()
    to_approval = DurationSerializer()
    to_payment = DurationSerializer()


class OverdueSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    claimed_amount = serializers.DecimalField(**TOTAL)


class EvaluationRowSerializer(serializers.Serializer):
    insurer = serializers.CharField()
    name = serializers.CharField()
    claims = serializers.IntegerField()
    open = serializers.IntegerField()
    open_over_30_days = serializers.IntegerField()
    paid = serializers.IntegerField()
    rejected = serializers.IntegerField()
    disputed = serializers.IntegerField()
    reopened = serializers.IntegerField()
    fast_track = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    claimed_amount = serializers.DecimalField(**TOTAL)
    approved_amount = serializers.DecimalField(**TOTAL)
    paid_amount = serializers.DecimalField(**TOTAL)
    premium = serializers.DecimalField(**TOTAL)
    loss_ratio = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    rejection_rate = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
    dispute_rate = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
    median_days_to_registration = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    median_days_to_approval = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    median_days_to_payment = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    p90_days_to_payment = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)


class StatisticsSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    region = serializers.CharField(allow_null=True)
    as_of = serializers.DateTimeField()
    totals = TotalsSerializer()
    by_status = BreakdownRowSerializer(many=True)
    by_section = BreakdownRowSerializer(many=True)
    by_category = BreakdownRowSerializer(many=True)
    by_insurer = BreakdownRowSerializer(many=True)
    by_region = BreakdownRowSerializer(many=True)
    loss_ratio = LossRatioSerializer()
    durations = DurationsSerializer()
    open_over_30_days = OverdueSerializer()
    insurer_evaluation = EvaluationRowSerializer(many=True)
