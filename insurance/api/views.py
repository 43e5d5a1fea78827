from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import IdempotentCreateMixin, ScopedViewSet, expected_version
from config.api_rows import RowListMixin
from insurance import selectors, services
from insurance.api.serializers import (
    ActivateSerializer,
    CoverageSerializer,
    DocumentSerializer,
    InsurerSerializer,
    PolicyDetailSerializer,
    PolicySerializer,
    QuoteRequestSerializer,
    QuoteSerializer,
    ReasonSerializer,
    SchemeSerializer,
    UploadSerializer,
)
from insurance.filters import InsurerFilter, PolicyFilter
from insurance.models import PolicyDocument
from insurance.pdf import certificate_pdf


class CoverageView(APIView):
    """Coverage of a region (default: the caller's) broken down by its child regions: share of
    institutions and beds insured today, policies expiring within 30/60/90 days, premiums and
    who pays them. Regulators and administrators."""

    @extend_schema(parameters=[OpenApiParameter("region", str, description="6-digit code; default your region")],
                   responses=CoverageSerializer)
    def get(self, request):
        region = selectors.coverage_region(request.user, request.query_params.get("region"))
        return Response(CoverageSerializer(selectors.coverage_for(request.user, region)).data)


class InsurerViewSet(ScopedViewSet):
    selector = staticmethod(selectors.insurers_for)
    serializer_class = InsurerSerializer
    filterset_class = InsurerFilter
    lookup_field = "code"
    ordering_fields = ["code", "name"]
    ordering = ["code"]


class SchemeViewSet(ScopedViewSet):
    """Unified base rates (统一基准费率) by region, year and version."""

    selector = staticmethod(selectors.schemes_for)
    serializer_class = SchemeSerializer
    filterset_fields = ["region", "year"]
    ordering_fields = ["year", "version"]
    ordering = ["-year", "region", "-version"]


def terms_from(data: dict) -> services.PolicyTerms:
    return services.PolicyTerms(
        start_date=data["start_date"],
        end_date=data["end_date"],
        insured_beds=data["insured_beds"],
        sections=data.get("sections"),
        co_insurers=data.get("co_insurers") or [],
        funding=data.get("funding"),
        number=data.get("number", ""),
        broker=data.get("broker"),
        accident_rider=data.get("accident_rider", False),
        rider_sum_insured=data.get("rider_sum_insured") or 0,
        rider_premium=data.get("rider_premium") or 0,
    )


class PolicyViewSet(RowListMixin, IdempotentCreateMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """Liability policies. The premium is rated by the server from the scheme in force."""

    selector = staticmethod(selectors.policies_for)
    filterset_class = PolicyFilter
    ordering_fields = ["start_date", "end_date", "premium", "updated_at", "number"]
    ordering = ["-start_date"]

    def get_serializer_class(self):
        return PolicyDetailSerializer if self.action == "retrieve" else PolicySerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.create_policy(
            actor=self.request.user, terms=terms_from(data), institution_id=data.get("institution_id"),
            institution_uscc=data.get("institution_uscc"), insurer=data.get("insurer"),
        )

    def update(self, request, *args, **kwargs):
        policy = self.get_object()
        current = PolicySerializer(policy).data
        current.pop("funding")  # not sent: the service keeps the payers' proportions of the new premium
        merged = current | request.data  # PATCH: what is not sent stays as it is
        serializer = PolicySerializer(policy, data=merged)
        serializer.is_valid(raise_exception=True)
        updated = services.update_draft(
            actor=request.user, policy_id=policy.pk, terms=terms_from(serializer.validated_data),
            expected_version=expected_version(request),
        )
        return Response(PolicySerializer(selectors.policy_detail_for(request.user, updated.pk)).data)

    def _done(self, request, policy):
        return Response(PolicyDetailSerializer(selectors.policy_detail_for(request.user, policy.pk)).data)

    @extend_schema(request=QuoteRequestSerializer, responses=QuoteSerializer)
    @action(detail=False, methods=["post"])
    def quote(self, request):
        """Rate a policy before anything is bound: the premium and every factor behind it."""
        body = QuoteRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scheme, quote = services.quote_policy(
            actor=request.user, institution_id=body.validated_data.get("institution"),
            institution_uscc=body.validated_data.get("institution_uscc"),
            start_date=body.validated_data["start_date"], insured_beds=body.validated_data["insured_beds"],
        )
        return Response(quote.as_json() | {"scheme": {"id": scheme.pk, "name": scheme.name, "version": scheme.version}})

    @extend_schema(request=ActivateSerializer, responses=PolicyDetailSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        body = ActivateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        policy = services.activate_policy(
            actor=request.user, policy_id=self.get_object().pk, number=body.validated_data.get("number", ""),
            note=body.validated_data.get("note", ""), expected_version=expected_version(request),
        )
        return self._done(request, policy)

    @extend_schema(request=ReasonSerializer, responses=PolicyDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        policy = services.cancel_policy(
            actor=request.user, policy_id=self.get_object().pk, reason=body.validated_data["reason"],
            expected_version=expected_version(request),
        )
        return self._done(request, policy)

    @extend_schema(request=None, responses=PolicyDetailSerializer)
    @action(detail=True, methods=["post"], url_path="declare-not-charged")
    def declare_not_charged(self, request, pk=None):
        """The institution declares residents are not charged for this premium."""
        policy = services.declare_residents_not_charged(actor=request.user, policy_id=self.get_object().pk)
        return self._done(request, policy)

    @extend_schema(request=None, responses=PolicyDetailSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """A regulator or the insurer confirms the uploaded document matches the record."""
        policy = services.verify_policy(
            actor=request.user, policy_id=self.get_object().pk, expected_version=expected_version(request)
        )
        return self._done(request, policy)

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: DocumentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def documents(self, request, pk=None):
        """Upload the policy PDF (multipart field `file`); checked by parsing, at most 10 MB."""
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        document = services.upload_document(
            actor=request.user, policy_id=self.get_object().pk, uploaded=body.validated_data["file"]
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def certificate(self, request, pk=None):  # routed in api/urls.py: no trailing slash after .pdf
        """The insurance certificate (承保确认书): parties, period, sections and limits, premium
        with its factors, funding split."""
        policy = self.get_object()
        response = HttpResponse(certificate_pdf(policy), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="certificate-{policy.pk}.pdf"'
        return response

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>[0-9]+)", url_name="document")
    def document(self, request, pk=None, document_id=None):
        """Download a policy PDF. Private: only to those who can see the policy."""
        document = get_object_or_404(PolicyDocument, policy=self.get_object(), pk=document_id)
        return FileResponse(document.file.open("rb"), content_type="application/pdf", filename=document.original_name)

