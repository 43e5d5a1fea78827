"""File export and import of the registry: GET institutions/export/, POST institutions/import/."""

import io

from django.http import FileResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ValidationFailed, error_body
from institutions import importing, selectors
from institutions.filters import InstitutionFilter


class _FormatIsOurs(DefaultContentNegotiation):
    """`?format=xlsx` names the file format here, not a DRF renderer; errors are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class RowErrorSerializer(serializers.Serializer):
    column = serializers.CharField(help_text="The column header as written in the file; empty for the whole row.")
    message = serializers.CharField()


class RowReportSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="Spreadsheet row number; the header is row 1.")
    action = serializers.ChoiceField(["new", "update", "skip", "error"], help_text="skip: unchanged")
    uscc = serializers.CharField()
    name = serializers.CharField()
    errors = RowErrorSerializer(many=True)


class ImportReportSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="rows per action")
    has_errors = serializers.BooleanField()
    total = serializers.IntegerField()
    rows = RowReportSerializer(many=True)


class ImportFailedSerializer(ImportReportSerializer):
    code = serializers.CharField(help_text="import_has_errors")
    detail = serializers.CharField()


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=".xlsx or .csv with the import template's header row")
    dry_run = serializers.BooleanField(default=False, help_text="check every row and write nothing")


def report_body(report: importing.ImportReport) -> dict:
    return {
        "counts": report.counts,
        "has_errors": report.has_errors,
        "total": report.total,
        "rows": [
            {
                "number": row.number,
                "action": row.action,
                "uscc": row.uscc,
                "name": row.name,
                "errors": [{"column": column, "message": message} for column, message in row.errors],
            }
            for row in report.rows
        ],
    }


_FILTER_PARAMETERS = [
    OpenApiParameter(name, str, description=str(f.label or "")) for name, f in InstitutionFilter.base_filters.items()
]


class InstitutionExportView(GenericAPIView):
    filter_backends = [DjangoFilterBackend]
    filterset_class = InstitutionFilter
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _FormatIsOurs

    def get_queryset(self):
        return selectors.institutions_for(self.request.user)

    @extend_schema(
        summary="Export the registry to a spreadsheet",
        description="The institutions in the caller's scope matching the list filters, with the import "
        "template's columns (so the file can be edited and re-imported) plus read-only ones.",
        parameters=[OpenApiParameter("format", str, enum=["xlsx", "csv"], default="xlsx"), *_FILTER_PARAMETERS],
        responses={
            (200, importing.CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
        },
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        data, content_type, filename = importing.export_institutions(queryset, request.query_params.get("format", "xlsx"))
        return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=content_type)


class InstitutionImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import institutions from a spreadsheet",
        description="Administrators and regulators. All or nothing: with any row error nothing is written and "
        "the answer is 400 `import_has_errors` carrying the report. `dry_run=true` checks every row and "
        "writes nothing. A row with an `ID` updates that institution; otherwise an existing USCC is updated; "
        "otherwise the row creates one.",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={200: ImportReportSerializer, 400: ImportFailedSerializer},
    )
    def post(self, request):
        body = ImportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token = importing.stash_upload(actor=request.user, uploaded_file=body.validated_data["file"])
        try:
            run = importing.preview_import if body.validated_data["dry_run"] else importing.commit_import
            report = run(actor=request.user, token=token)
        except ValidationFailed as exc:
            if exc.code != "import_has_errors":
                raise
            return Response({**error_body(exc.code, exc.detail), **report_body(exc.report)}, status=400)
        finally:
            importing.discard_upload(actor=request.user, token=token)
        return Response(report_body(report))
