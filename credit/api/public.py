"""The public API (no login, anonymous throttle): institutions with their inspection outcomes and
the published blacklist; and complaints for regulators (contact details) and institutions (without),
with the triage action. Thin: reads from credit.public / credit.complaints, writes through the
latter's services."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.choices import Role
from config.api import BaseFilterSet, IdFilter, ScopedViewSet, StableOrderingFilter
from config.api_defaults import AnonThrottle, UserThrottle
from credit import complaints, public
from credit.api.public_serializers import (
    ComplaintSerializer,
    ComplaintWithContactSerializer,
    PublicBlacklistSerializer,
    PublicInstitutionSerializer,
    TriageSerializer,
)
from credit.choices import ComplaintCategory, ComplaintStatus
from credit.models import Complaint
from institutions.filters import RegionCodeFilter


class PublicReadViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, UserThrottle]
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            response["Cache-Control"] = "public, max-age=300"
        return response


class PublicInstitutionViewSet(mixins.RetrieveModelMixin, PublicReadViewSet):
    """Active institutions: profile, level, credit grade, blacklist and insurance status, and a
    summary of completed inspections. No personal data."""

    serializer_class = PublicInstitutionSerializer
    lookup_value_regex = r"\d+"
    filterset_class = public.PublicInstitutionFilter

    def get_queryset(self):
        return public.public_institutions()


class PublicBlacklistViewSet(PublicReadViewSet):
    """The published list (民发〔2019〕103号): name, USCC, legal representative, criterion, listing
    date and expected exit date."""

    serializer_class = PublicBlacklistSerializer
    filterset_class = public.PublicBlacklistFilter

    def get_queryset(self):
        return public.published_blacklist()


class ComplaintFilter(BaseFilterSet):
    institution = IdFilter(field_name="institution_id")
    status = django_filters.ChoiceFilter(choices=ComplaintStatus.choices)
    category = django_filters.ChoiceFilter(choices=ComplaintCategory.choices)
    region = RegionCodeFilter(field_name="institution__region")

    class Meta:
        model = Complaint
        fields = ["institution", "status", "category", "region"]


class ComplaintViewSet(ScopedViewSet):
    """Complaints of the caller's region (regulators, with contact details) or institution (without)."""

    selector = complaints.complaints_for
    lookup_value_regex = r"\d+"
    filterset_class = ComplaintFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, StableOrderingFilter]
    ordering_fields = ["submitted_at", "updated_at", "status"]
    ordering = ["-submitted_at"]

    def get_serializer_class(self):
        user = self.request.user
        if user.is_authenticated and user.role in (Role.ADMIN, Role.REGULATOR):
            return ComplaintWithContactSerializer
        return ComplaintSerializer

    @extend_schema(request=TriageSerializer, responses=ComplaintWithContactSerializer)
    @action(detail=True, methods=["post"])
    def triage(self, request, pk=None):
        body = TriageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        complaint = complaints.triage(actor=request.user, complaint_id=self.kwargs["pk"], **body.validated_data)
        complaint = self.get_queryset().get(pk=complaint.pk)
        return Response(self.get_serializer(complaint).data)
