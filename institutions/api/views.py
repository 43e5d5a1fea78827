from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import Role
from config.api import IdempotentCreateMixin, ScopedViewSet, expected_version
from config.api_rows import RowListMixin
from config.errors import NotAllowed
from institutions import selectors, services
from institutions.api.serializers import (
    DeactivateSerializer,
    HistoryEntrySerializer,
    InstitutionSerializer,
    PractitionerSerializer,
    RegionSerializer,
)
from institutions.filters import InstitutionFilter, PractitionerFilter, RegionFilter

HISTORY_READERS = {Role.ADMIN, Role.REGULATOR}


class RegionViewSet(ScopedViewSet):
    """GB/T 2260 divisions (reference data, readable by every signed-in user)."""

    selector = staticmethod(selectors.regions_for)
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    ordering_fields = ["code", "name"]
    ordering = ["code"]
    lookup_field = "code"


class InstitutionViewSet(RowListMixin, IdempotentCreateMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """The registry. Regulators keep it; an institution keeps its own contact and size data."""

    selector = staticmethod(selectors.institutions_for)
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilter
    ordering_fields = ["name", "uscc", "region", "beds_total", "level", "credit_score", "updated_at", "created_at"]
    ordering = ["name"]

    def perform_create(self, serializer):
        serializer.instance = services.create_institution(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_institution(
            actor=self.request.user,
            institution_id=serializer.instance.pk,
            data=serializer.validated_data,
            expected_version=expected_version(self.request),
        )

    @extend_schema(request=DeactivateSerializer, responses=InstitutionSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        body = DeactivateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        institution = services.set_institution_active(
            actor=request.user, institution_id=self.get_object().pk, active=False,
            reason=body.validated_data["reason"], expected_version=expected_version(request),
        )
        return Response(self.get_serializer(institution).data)

    @extend_schema(request=None, responses=InstitutionSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        institution = services.set_institution_active(
            actor=request.user, institution_id=self.get_object().pk, active=True,
            expected_version=expected_version(request),
        )
        return Response(self.get_serializer(institution).data)

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        institution = self.get_object()
        if request.user.role not in HISTORY_READERS:
            raise NotAllowed(_("Only regulators may read the change history."))
        page = self.paginate_queryset(selectors.institution_history(institution))
        return self.get_paginated_response(HistoryEntrySerializer(page, many=True).data)


class PractitionerViewSet(IdempotentCreateMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """People working at institutions. ID and phone numbers are masked unless the role needs them."""

    selector = staticmethod(selectors.practitioners_for)
    serializer_class = PractitionerSerializer
    filterset_class = PractitionerFilter
    ordering_fields = ["started_on", "updated_at", "role"]
    ordering = ["institution", "role"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        person = data.pop("person")
        institution_id = data.pop("institution_id")
        serializer.instance = services.create_practitioner(
            actor=self.request.user,
            institution_id=institution_id,
            name=person["name"],
            id_number=person["id_number"],
            phone=person.get("phone", ""),
            data=data,
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        person = data.pop("person", {})
        current = serializer.instance
        fixed = {"institution": data.pop("institution_id", current.institution_id) != current.institution_id}
        fixed["name"] = person.get("name", current.person.name) != current.person.name
        fixed["id_number"] = person.get("id_number", current.person.id_number) != current.person.id_number
        if any(fixed.values()):
            raise serializers.ValidationError(
                {name: [_("Cannot be changed; end this job and add a new one.")] for name, bad in fixed.items() if bad}
            )
        serializer.instance = services.update_practitioner(
            actor=self.request.user, practitioner_id=current.pk, data=data, phone=person.get("phone")
        )
