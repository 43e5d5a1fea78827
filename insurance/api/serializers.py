from decimal import Decimal

from django.urls import reverse
from rest_framework import serializers

from config.api import ModelSerializer, display
from config.api_rows import row_reads
from insurance.choices import Payer, Section
from insurance.models import Broker, Insurer, Policy, PolicyDocument, PolicyEvent, RatingScheme

MONEY = {"max_digits": 14, "decimal_places": 2}


class InsurerSerializer(ModelSerializer):
    class Meta:
        model = Insurer
        fields = ["code", "name", "uscc", "updated_at"]


class SectionSerializer(serializers.Serializer):
    section = serializers.ChoiceField(choices=Section.choices)
    section_display = display("section")
    per_person_limit = serializers.DecimalField(**MONEY, min_value=0)
    per_accident_limit = serializers.DecimalField(**MONEY, min_value=0)
    aggregate_limit = serializers.DecimalField(**MONEY, min_value=0)
    deductible = serializers.DecimalField(**MONEY, min_value=0)


class SchemeSerializer(ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = RatingScheme
        fields = [
            "id", "region", "year", "version", "name", "base_rate_per_bed", "min_factor", "max_factor",
            "level_factors", "grade_factors", "inspection_factors", "loss_ratio_factors", "fast_track_limit",
            "sections", "created_at", "updated_at",
        ]


class FundingSerializer(serializers.Serializer):
    payer = serializers.ChoiceField(choices=Payer.choices)
    payer_display = display("payer")
    amount = serializers.DecimalField(**MONEY, min_value=0)


class CoInsurerSerializer(serializers.Serializer):
    insurer = serializers.SlugRelatedField(slug_field="code", queryset=Insurer.objects.filter(is_active=True))
    share = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("99.99"))


class DocumentSerializer(ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = PolicyDocument
        fields = ["id", "original_name", "size", "pages", "sha256", "uploaded_at", "url"]

    @row_reads("policy_id")
    def get_url(self, obj) -> str:
        return reverse("api:policy-document", kwargs={"pk": obj.policy_id, "document_id": obj.pk})


class EventSerializer(ModelSerializer):
    actor = serializers.CharField(read_only=True, allow_null=True, help_text="Who acted; null for the system.")

    class Meta:
        model = PolicyEvent
        fields = ["action", "from_status", "to_status", "actor", "note", "at"]


class PolicySerializer(ModelSerializer):
    """A policy. On create and update the premium is rated by the server, never sent."""

    institution = serializers.IntegerField(source="institution_id", required=False)
    institution_uscc = serializers.CharField(write_only=True, required=False, max_length=18)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    insurer = serializers.SlugRelatedField(slug_field="code", queryset=Insurer.objects.filter(is_active=True), required=False)
    insurer_name = serializers.CharField(source="insurer.name", read_only=True)
    broker = serializers.SlugRelatedField(slug_field="code", queryset=Broker.objects.all(), required=False, allow_null=True)
    status_display = display("status")
    sections = SectionSerializer(many=True, required=False)
    funding = FundingSerializer(many=True, required=False)
    co_insurers = CoInsurerSerializer(many=True, required=False)
    documents = DocumentSerializer(many=True, read_only=True)
    is_verified = serializers.SerializerMethodField()

    class Meta:
        model = Policy
        fields = [
            "id", "number", "institution", "institution_uscc", "institution_name", "insurer", "insurer_name",
            "lead_share", "co_insurers", "broker", "start_date", "end_date", "insured_beds", "base_rate_per_bed",
            "rate_factor", "premium", "rating", "accident_rider", "rider_sum_insured", "rider_premium", "status",
            "status_display", "version", "sections", "funding", "documents", "is_verified", "verified_at",
            "not_charged_declared_at", "created_at", "updated_at",
        ]
        # Uniqueness of (insurer, number) is checked by the service's full_clean; DRF's derived
        # validator would wrongly demand both fields on every request.
        validators = []
        read_only_fields = [
            "lead_share", "base_rate_per_bed", "rate_factor", "premium", "rating", "status", "version",
            "verified_at", "not_charged_declared_at", "created_at", "updated_at",
        ]

    @row_reads("verified_at")
    def get_is_verified(self, obj) -> bool:
        return obj.verified_at is not None

    def validate(self, attrs):
        if self.instance is None and not attrs.get("institution_id") and not attrs.get("institution_uscc"):
            raise serializers.ValidationError({"institution": ["Give the institution id (or, for insurers, its USCC)."]})
        return attrs


class PolicyDetailSerializer(PolicySerializer):
    events = EventSerializer(many=True, read_only=True)

    class Meta(PolicySerializer.Meta):
        fields = [*PolicySerializer.Meta.fields, "events"]


class QuoteRequestSerializer(serializers.Serializer):
    institution = serializers.IntegerField(required=False)
    institution_uscc = serializers.CharField(required=False, max_length=18)
    start_date = serializers.DateField()
    insured_beds = serializers.IntegerField(min_value=1, max_value=100000)


class QuoteSerializer(serializers.Serializer):
    scheme = serializers.DictField()
    base_rate_per_bed = serializers.DecimalField(**MONEY)
    insured_beds = serializers.IntegerField()
    factors = serializers.ListField(child=serializers.DictField())
    product = serializers.DecimalField(max_digits=8, decimal_places=4)
    min_factor = serializers.DecimalField(max_digits=6, decimal_places=4)
    max_factor = serializers.DecimalField(max_digits=6, decimal_places=4)
    rate_factor = serializers.DecimalField(max_digits=6, decimal_places=4)
    premium = serializers.DecimalField(**MONEY)


class ActivateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class CoverageRowSerializer(serializers.Serializer):
    region = serializers.CharField(source="code")
    name = serializers.CharField()
    institutions = serializers.IntegerField()
    insured_institutions = serializers.IntegerField()
    institution_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    beds = serializers.IntegerField()
    insured_beds = serializers.IntegerField()
    bed_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


class FundingTotalSerializer(serializers.Serializer):
    payer = serializers.CharField()
    payer_display = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)


class CoverageSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code", default=None)
    as_of = serializers.DateField()
    total = CoverageRowSerializer()
    rows = CoverageRowSerializer(many=True)
    expiring = serializers.DictField(child=serializers.IntegerField())
    premium_total = serializers.DecimalField(max_digits=16, decimal_places=2)
    funding_by_payer = serializers.SerializerMethodField()

    def get_funding_by_payer(self, obj) -> list[dict]:
        return FundingTotalSerializer(
            [{"payer": p, "payer_display": label, "amount": amount} for p, label, amount in obj.funding_by_payer],
            many=True,
        ).data
