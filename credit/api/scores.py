"""`credit-scores/`: the latest score of each institution in scope, a snapshot by id, an
institution's history, and the on-demand recompute (regulators and administrators)."""

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from config.api import BaseFilterSet, IdFilter, ScopedViewSet
from credit.api.score_serializers import CreditScoreSerializer, HistoryPointSerializer, RecomputeSerializer
from credit.models import CreditScore
from credit.scores import latest_scores_for, recompute_one, scores_for
from institutions.choices import CreditGrade
from institutions.filters import RegionCodeFilter


class CreditScoreFilter(BaseFilterSet):
    institution = IdFilter(field_name="institution_id")
    region = RegionCodeFilter(field_name="institution__region")
    grade = django_filters.MultipleChoiceFilter(choices=CreditGrade.choices)

    class Meta:
        model = CreditScore
        fields = ["institution", "grade"]


class HistoryFilter(BaseFilterSet):
    institution = IdFilter(field_name="institution_id", required=True)

    class Meta:
        model = CreditScore
        fields = ["institution"]


class CreditScoreViewSet(ScopedViewSet):
    """Latest credit score per institution with its breakdown (rule, label, points, facts).
    Institutions see their own; insurers see none. `history/?institution=<id>` is the series;
    any snapshot (latest or not) can be read by id."""

    selector = staticmethod(latest_scores_for)
    serializer_class = CreditScoreSerializer
    filterset_class = CreditScoreFilter
    ordering_fields = ["score", "grade", "computed_at", "as_of", "updated_at", "institution"]
    ordering = ["institution", "id"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if self.action == "list":
            return latest_scores_for(self.request.user)
        return scores_for(self.request.user)

    def get_serializer_class(self):
        return HistoryPointSerializer if self.action == "history" else CreditScoreSerializer

    def filter_queryset(self, queryset):
        if self.action == "history":
            filterset = HistoryFilter(self.request.query_params, queryset=queryset, request=self.request)
            if not filterset.is_valid():
                raise ValidationError(filterset.errors)
            return filterset.qs.order_by("as_of", "computed_at", "id")
        return super().filter_queryset(queryset)

    @extend_schema(parameters=[OpenApiParameter("institution", int, required=True)],
                   responses=HistoryPointSerializer(many=True))
    @action(detail=False, methods=["get"])
    def history(self, request):
        """The score series of one institution (`?institution=<id>`, required), oldest first."""
        return self.list(request)

    @extend_schema(request=RecomputeSerializer, responses=CreditScoreSerializer)
    @action(detail=False, methods=["post"], parser_classes=[JSONParser])
    def recompute(self, request):
        """Recompute one institution's score now (regulator of its region, administrator): the
        latest snapshot, new if anything changed."""
        body = RecomputeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        snapshot = recompute_one(actor=request.user, institution_id=body.validated_data["institution"])
        return Response(CreditScoreSerializer(snapshot).data)
