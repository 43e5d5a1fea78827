"""Blacklist cases over the API (shared/api.md `blacklist-cases/` and its state machine). Thin: every
rule and write is in credit.blacklist; out of scope → 404 (an institution never sees a `proposed`
case), wrong role → 403, wrong state → 409, stale If-Match → 412."""

import django_filters
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from config.api import BaseFilterSet, IdFilter, ScopedViewSet, expected_version, run_idempotently
from credit import blacklist as services
from credit.api.blacklist_serializers import (
    BlacklistCaseSerializer,
    DecideSerializer,
    BlacklistNoteSerializer,
    ObjectSerializer,
    ProposeSerializer,
    RemoveSerializer,
    RequestRemovalSerializer,
    ReviewSerializer,
    RevokeSerializer,
)
from credit.choices import CaseStatus, Criterion, SubjectType
from credit.models import BlacklistCase, BlacklistEvent, BlacklistFile
from institutions.filters import RegionCodeFilter


class BlacklistCaseFilter(BaseFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices, label=_("Status"))
    region = RegionCodeFilter(field_name="institution__region", label=_("Region"))
    criterion = django_filters.TypedChoiceFilter(choices=Criterion.choices, coerce=int, label=_("Criterion"))
    institution = IdFilter(field_name="institution_id", label=_("Institution"))
    subject_type = django_filters.ChoiceFilter(choices=SubjectType.choices, label=_("Subject"))

    class Meta:
        model = BlacklistCase
        fields = ["status", "criterion", "institution", "subject_type"]

    def search(self, qs, name, value):
        from django.db.models import Q

        return qs.filter(Q(number__icontains=value) | Q(institution__name__icontains=value)
                         | Q(institution__uscc__iexact=value))


def cases_with_everything(user):
    return services.cases_for(user).prefetch_related(
        Prefetch("events", queryset=BlacklistEvent.objects.select_related("actor").order_by("at", "id")),
        Prefetch("files", queryset=BlacklistFile.objects.order_by("uploaded_at", "id")),
    )


def _body(serializer_class, request):
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


def _files(request) -> list:
    return request.FILES.getlist("files") if hasattr(request, "FILES") else []


class BlacklistCaseViewSet(ScopedViewSet):
    """Cases of the blacklist procedure (失信联合惩戒对象名单). Regulators see and act on their region's;
    an institution sees its own once notified and may object and ask for early removal. Transitions:
    POST blacklist-cases/{id}/<action>/ with `If-Match: "<version>"`."""

    selector = staticmethod(cases_with_everything)
    serializer_class = BlacklistCaseSerializer
    filterset_class = BlacklistCaseFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    ordering_fields = ["number", "status", "criterion", "listed_at", "expected_exit_date", "created_at", "updated_at"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if self.action in ("list", "retrieve"):
            return super().get_queryset()
        return services.visible_cases(self.request.user)

    def _done(self, request, case_id: int, status_code=status.HTTP_200_OK):
        fresh = cases_with_everything(request.user).filter(pk=case_id).first()
        return Response(BlacklistCaseSerializer(fresh, context={"request": request}).data, status=status_code)

    @extend_schema(request=ProposeSerializer, responses={201: BlacklistCaseSerializer})
    def create(self, request, *args, **kwargs):
        """Propose a case (regulators of the region): subject, criterion 1–10 and evidence. Idempotency-Key
        replays the first result."""

        def produce():
            body = _body(ProposeSerializer, request)
            case = services.propose_case(actor=request.user, proposal=services.Proposal(
                institution_id=body["institution"], practitioner_id=body.get("practitioner"),
                criterion=int(body["criterion"]), evidence=body["evidence"], files=tuple(_files(request)),
            ))
            return self._done(request, case.pk, status.HTTP_201_CREATED)

        return run_idempotently(request, produce)

    def _move(self, request, pk, serializer_class, perform):
        self.get_object()  # 404 when out of scope, before the body is judged
        body = _body(serializer_class, request)
        case = perform(body, expected_version(request))
        return self._done(request, case.pk)

    @extend_schema(request=BlacklistNoteSerializer, responses=BlacklistCaseSerializer)
    @action(detail=True, methods=["post"])
    def notify(self, request, pk=None):
        """告知 (proposed → notified; regulators): sets `notified_at` and `objection_deadline` (working days)."""
        return self._move(request, pk, BlacklistNoteSerializer, lambda b, v: services.notify_case(
            actor=request.user, case_id=int(pk), note=b.get("note", ""), expected_version=v))

    @extend_schema(request=ObjectSerializer, responses=BlacklistCaseSerializer)
    @action(detail=True, methods=["post"], url_path="object")
    def object_(self, request, pk=None):
        """异议 (notified → objection; the party) until the objection deadline, inclusive; 409 after it."""
        return self._move(request, pk, ObjectSerializer, lambda b, v: services.object_case(
            actor=request.user, case_id=int(pk), statement=b["statement"], files=_files(request), expected_version=v))

    @extend_schema(request=ReviewSerializer, responses=BlacklistCaseSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """复核 (objection → reviewed; regulators)."""
        return self._move(request, pk, ReviewSerializer, lambda b, v: services.review_case(
            actor=request.user, case_id=int(pk), conclusion=b["conclusion"], expected_version=v))

    @extend_schema(request=DecideSerializer, responses=BlacklistCaseSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """列入决定 (notified after the deadline, or reviewed → listed or dismissed; regulators). Listing sets
        `listed_at` and `expected_exit_date`; 409 `objection_period_open` while the party may still object."""
        return self._move(request, pk, DecideSerializer, lambda b, v: services.decide_case(
            actor=request.user, case_id=int(pk), outcome=b["outcome"], note=b.get("note", ""), expected_version=v))

    @extend_schema(request=RequestRemovalSerializer, responses=BlacklistCaseSerializer)
    @action(detail=True, methods=["post"], url_path="request-removal")
    def request_removal(self, request, pk=None):
        """信用修复 (listed → removal_requested; the party), from 2 years after listing; 409 `too_early` before."""
        return self._move(request, pk, RequestRemovalSerializer, lambda b, v: services.request_removal(
            actor=request.user, case_id=int(pk), grounds=b["grounds"], files=_files(request), expected_version=v))

    @extend_schema(request=RemoveSerializer, responses=BlacklistCaseSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        """移出 (removal_requested → removed if granted, back to listed if refused; regulators)."""
        return self._move(request, pk, RemoveSerializer, lambda b, v: services.remove_case(
            actor=request.user, case_id=int(pk), granted=b["granted"], note=b["note"], expected_version=v))

    @extend_schema(request=RevokeSerializer, responses=BlacklistCaseSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """撤销 (listed → revoked; regulators): a wrongful listing."""
        return self._move(request, pk, RevokeSerializer, lambda b, v: services.revoke_case(
            actor=request.user, case_id=int(pk), reason=b["reason"], expected_version=v))

    def _pdf(self, document: str):
        from credit import pdf

        case = self.get_object()
        response = HttpResponse(pdf.build(case, document), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=False, filename=pdf.document_filename(case, document))
        return response

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def notice(self, request, pk=None):  # routed in blacklist_urls.py: no trailing slash after .pdf
        """The notice to the party (告知书); 409 before the case is notified."""
        return self._pdf("notice")

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def decision(self, request, pk=None):  # routed in blacklist_urls.py
        """The listing decision (列入决定书); 409 unless the case was decided to list."""
        return self._pdf("decision")
