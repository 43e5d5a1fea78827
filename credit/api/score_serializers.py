"""Shapes of the credit-score API (api.md `credit-scores/`)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import ModelSerializer

from credit.models import CreditScore
from credit.scores import relabel


class FactLinkSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    label = serializers.CharField()
    date = serializers.DateField(allow_null=True)


class BreakdownLineSerializer(serializers.Serializer):
    rule = serializers.CharField()
    label = serializers.CharField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    facts = FactLinkSerializer(many=True)


class RuleSetRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    version = serializers.IntegerField()


class CreditScoreSerializer(ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    region = serializers.CharField(source="institution.region_id", read_only=True)
    rule_set = RuleSetRefSerializer(read_only=True)
    breakdown = serializers.SerializerMethodField()

    class Meta:
        model = CreditScore
        fields = ["id", "institution", "institution_name", "region", "score", "grade", "as_of", "computed_at",
                  "is_latest", "rule_set", "breakdown", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(BreakdownLineSerializer(many=True))
    def get_breakdown(self, obj):
        return BreakdownLineSerializer(relabel(obj.breakdown), many=True).data


class HistoryPointSerializer(ModelSerializer):
    """One point of an institution's series: no breakdown (fetch the snapshot for it)."""

    rule_set = RuleSetRefSerializer(read_only=True)

    class Meta:
        model = CreditScore
        fields = ["id", "institution", "score", "grade", "as_of", "computed_at", "is_latest", "rule_set"]
        read_only_fields = fields


class RecomputeSerializer(serializers.Serializer):
    institution = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
