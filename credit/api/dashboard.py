"""GET /api/v1/dashboard/?region=&year=&quarter=: the regulators' dashboard as JSON (credit.dashboard),
the figures of the region and of each child region. Regulators (their region and below, 404
outside) and administrators; other roles 403."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from credit.dashboard import dashboard


class DashboardRowSerializer(serializers.Serializer):
    region = serializers.CharField(source="code")
    name = serializers.CharField()
    institutions = serializers.IntegerField(source="homes")
    beds = serializers.IntegerField()
    insured_institutions = serializers.IntegerField(source="insured")
    insured_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    credit_grades = serializers.SerializerMethodField()
    open_major_hazards = serializers.IntegerField(source="major_open")
    overdue_rectifications = serializers.IntegerField(source="overdue")
    inspected_institutions = serializers.IntegerField(source="inspected_homes")
    inspected_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    inspections_started = serializers.IntegerField(source="inspections_done")
    claims = serializers.IntegerField()
    paid_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    premium = serializers.DecimalField(max_digits=16, decimal_places=2)
    loss_ratio = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    blacklisted = serializers.IntegerField(source="listed")
    blacklist_in_procedure = serializers.IntegerField(source="in_procedure")

    def get_credit_grades(self, row) -> dict:
        return {grade or "unrated": count for grade, count in row.grades.items()}


class DashboardSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code", default=None)
    year = serializers.IntegerField(source="period.year")
    quarter = serializers.IntegerField(source="period.quarter", allow_null=True)
    period_start = serializers.DateField(source="period.start")
    period_end = serializers.DateField(source="period.end")
    as_of = serializers.DateField()
    total = DashboardRowSerializer()
    rows = DashboardRowSerializer(many=True)


class DashboardView(APIView):
    """State figures (institutions, coverage, grades, open hazards, overdue, blacklist) as of today;
    inspections, claims and premiums of the period."""

    @extend_schema(parameters=[OpenApiParameter("region", str, description="6-digit code; default your region"),
                               OpenApiParameter("year", int), OpenApiParameter("quarter", int, enum=[1, 2, 3, 4])],
                   responses=DashboardSerializer)
    def get(self, request):
        params = request.query_params
        data = dashboard(request.user, params.get("region"), params.get("year"), quarter=params.get("quarter"))
        return Response(DashboardSerializer(data).data)
