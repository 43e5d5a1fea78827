"""Incidents, claims (the insurer API included) and claims statistics. Thin: bodies are checked
by the serializers in claim_serializers.py, everything else by insurance.services.claims."""

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.choices import Role
from config.api import IdempotentCreateMixin, ScopedViewSet, expected_version, run_idempotently
from config.api_rows import RowListMixin
from insurance.api.claim_serializers import (
    ApproveSerializer,
    AttachmentUploadSerializer,
    ClaimDocumentSerializer,
    ClaimSerializer,
    ClaimUploadSerializer,
    IncidentAttachmentSerializer,
    IncidentSerializer,
    NoteSerializer,
    PaySerializer,
    RegisterSerializer,
    RejectSerializer,
    RequiredNoteSerializer,
    ResolveSerializer,
    ResponsibilitySerializer,
    StatisticsQuerySerializer,
    StatisticsSerializer,
    SubmitDocumentsSerializer,
)
from insurance.filters import ClaimFilter, IncidentFilter
from insurance.models import ClaimDocument, IncidentAttachment
from insurance.pdf import claim_summary_pdf
from insurance.selectors import claims as claim_selectors
from insurance.services import claims as claim_services

INCIDENT_WRITE_FIELDS = claim_services.INCIDENT_FIELDS


def _download(attachment):
    return FileResponse(
        attachment.file.open("rb"), content_type=attachment.content_type, filename=attachment.original_name
    )


class IncidentViewSet(IdempotentCreateMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """Accidents reported by institutions. Insurers read those a claim of theirs refers to."""

    selector = staticmethod(claim_selectors.incidents_for)
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    ordering_fields = ["occurred_at", "created_at", "updated_at"]
    ordering = ["-occurred_at"]
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _fresh(self, incident):
        return claim_selectors.incident_detail_for(self.request.user, incident.pk)

    def perform_create(self, serializer):
        data = serializer.validated_data
        incident = claim_services.report_incident(
            actor=self.request.user,
            data={key: data[key] for key in INCIDENT_WRITE_FIELDS if key in data},
            persons=data.get("persons") or [],
            institution_id=data.get("institution_id"),
        )
        serializer.instance = self._fresh(incident)

    def perform_update(self, serializer):
        data = serializer.validated_data
        incident = claim_services.update_incident(
            actor=self.request.user,
            incident_id=serializer.instance.pk,
            data={key: data[key] for key in INCIDENT_WRITE_FIELDS if key in data},
            persons=data["persons"] if "persons" in data else None,
            expected_version=expected_version(self.request),
        )
        serializer.instance = self._fresh(incident)

    @extend_schema(request=ResponsibilitySerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def responsibility(self, request, pk=None):
        """A regulator records the institution's responsibility once determined (责任认定)."""
        body = ResponsibilitySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        incident = claim_services.determine_responsibility(
            actor=request.user, incident_id=self.get_object().pk, responsibility=body.validated_data["responsibility"],
            note=body.validated_data["note"], expected_version=expected_version(request),
        )
        return Response(IncidentSerializer(self._fresh(incident)).data)

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer},
                   responses={201: IncidentAttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request, pk=None):
        """Attach a photo or a PDF (multipart field `file`), checked by its content."""
        body = AttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attachment = claim_services.upload_incident_attachment(
            actor=request.user, incident_id=self.get_object().pk, uploaded=body.validated_data["file"]
        )
        return Response(IncidentAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>[0-9]+)", url_name="attachment")
    def attachment(self, request, pk=None, attachment_id=None):
        """Download an attachment: only to those who can see the incident."""
        return _download(get_object_or_404(IncidentAttachment, incident=self.get_object(), pk=attachment_id))


class ClaimViewSet(RowListMixin, IdempotentCreateMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Liability claims. Institutions file and follow theirs; the policy's insurer works them
    (fast-track claims first in its default order); regulators read their region and mediate
    disputes. Every transition: POST claims/{id}/<action>/ with `If-Match: "<version>"`."""

    selector = staticmethod(claim_selectors.claims_for)
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    ordering_fields = ["created_at", "updated_at", "claimed_amount", "approved_amount", "paid_amount", "number",
                       "status", "fast_track"]
    lookup_value_regex = r"[0-9]+"

    @property
    def ordering(self):
        """The insurer's work queue: fast-track claims first, then the oldest; others newest first."""
        user = getattr(getattr(self, "request", None), "user", None)
        if getattr(user, "role", None) == Role.INSURER:
            return ["-fast_track", "created_at"]
        return ["-created_at"]

    def _done(self, request, claim, status_code=status.HTTP_200_OK):
        return Response(ClaimSerializer(claim_selectors.claim_detail_for(request.user, claim.pk)).data,
                        status=status_code)

    def perform_create(self, serializer):
        data = serializer.validated_data
        lines = [
            claim_services.LineData(
                item=row["item"], claimed_amount=row["claimed_amount"], person_id=row.get("person_id"),
                description=row.get("description", ""),
            )
            for row in data.get("lines") or []
        ]
        claim = claim_services.create_claim(
            actor=self.request.user, policy_id=data["policy_id"], incident_id=data["incident_id"],
            section=data["section"], claimed_amount=data["claimed_amount"], lines=lines or None,
            note=data.get("note", ""),
        )
        serializer.instance = claim_selectors.claim_detail_for(self.request.user, claim.pk)

    def _body(self, serializer_class, request):
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(request=RegisterSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        """立案 (insurer): reported → registered. Legal-costs claims need arbitration or litigation documents."""
        body = self._body(RegisterSerializer, request)
        claim = claim_services.register_claim(
            actor=request.user, claim_id=self.get_object().pk, note=body.get("note", ""),
            reference=body.get("reference", ""), expected_version=expected_version(request),
        )
        return self._done(request, claim)

    @extend_schema(request=RequiredNoteSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"], url_path="request-documents")
    def request_documents(self, request, pk=None):
        """Insurer: registered → documents_requested; `note` says what is needed."""
        body = self._body(RequiredNoteSerializer, request)
        claim = claim_services.request_documents(
            actor=request.user, claim_id=self.get_object().pk, note=body["note"],
            expected_version=expected_version(request),
        )
        return self._done(request, claim)

    @extend_schema(request={"multipart/form-data": SubmitDocumentsSerializer, "application/json": NoteSerializer},
                   responses=ClaimSerializer)
    @action(detail=True, methods=["post"], url_path="submit-documents",
            parser_classes=[MultiPartParser, FormParser, JSONParser])
    def submit_documents(self, request, pk=None):
        """Institution: documents_requested → registered, with the files (multipart `files`, one
        `kind` for them) or after uploading them to documents/."""
        body = self._body(SubmitDocumentsSerializer, request)
        claim = claim_services.submit_documents(
            actor=request.user, claim_id=self.get_object().pk, files=body.get("files") or [],
            kind=body.get("kind") or "other", note=body.get("note", ""), expected_version=expected_version(request),
        )
        return self._done(request, claim)

    @extend_schema(request=ApproveSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """核赔 (insurer): registered → approved. Above a limit → 400 stating the remaining amount:
        per person and per accident net of the deductible, and the section's aggregate left for the
        policy year."""
        body = self._body(ApproveSerializer, request)
        claim = claim_services.approve_claim(
            actor=request.user, claim_id=self.get_object().pk, approved_amount=body["approved_amount"],
            lines=body.get("lines"), note=body.get("note", ""), expected_version=expected_version(request),
        )
        return self._done(request, claim)

    @extend_schema(request=RejectSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """拒赔 (insurer): registered → rejected with a coded `reason`."""
        body = self._body(RejectSerializer, request)
        claim = claim_services.reject_claim(
            actor=request.user, claim_id=self.get_object().pk, reason=body["reason"], note=body.get("note", ""),
            expected_version=expected_version(request),
        )
        return self._done(request, claim)

    @extend_schema(request=PaySerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        """Insurer: approved → paid; `paid_amount` equals the approved amount. Idempotency-Key
        replays the first result; a second pay gets 409 (or 412 with a stale If-Match)."""

        def produce():
            body = self._body(PaySerializer, request)
            claim = claim_services.pay_claim(
                actor=request.user, claim_id=self.get_object().pk, paid_amount=body["paid_amount"],
                paid_on=body["paid_on"], reference=body["reference"], note=body.get("note", ""),
                expected_version=expected_version(request),
            )
            return self._done(request, claim)

        return run_idempotently(request, produce)

    @extend_schema(request=NoteSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """结案 (insurer): paid or rejected → closed."""
        body = self._body(NoteSerializer, request)
        claim = claim_services.close_claim(
            actor=request.user, claim_id=self.get_object().pk, note=body.get("note", ""),
            expected_version=expected_version(request),
        )
        return self._done(request, claim)

    @extend_schema(request=NoteSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """注销 (institution): reported, registered or documents_requested → withdrawn."""
        body = self._body(NoteSerializer, request)
        claim = claim_services.withdraw_claim(
            actor=request.user, claim_id=self.get_object().pk, note=body.get("note", ""),
            expected_version=expected_version(request),
        )
        return self._done(request, claim)

    @extend_schema(request=RequiredNoteSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        """Institution: approved or rejected → disputed; `note` gives the grounds."""
        body = self._body(RequiredNoteSerializer, request)
        claim = claim_services.dispute_claim(
            actor=request.user, claim_id=self.get_object().pk, note=body["note"],
            expected_version=expected_version(request),
        )
        return self._done(request, claim)

    @extend_schema(request=ResolveSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """理赔纠纷调解 (regulator): disputed → approved (with the agreed amount) or closed."""
        body = self._body(ResolveSerializer, request)
        claim = claim_services.resolve_dispute(
            actor=request.user, claim_id=self.get_object().pk, outcome=body["outcome"], note=body["note"],
            approved_amount=body.get("approved_amount"), lines=body.get("lines"),
            expected_version=expected_version(request),
        )
        return self._done(request, claim)

    @extend_schema(request=RequiredNoteSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """重开赔案 (insurer): closed → registered; a new approval adds to what was paid."""
        body = self._body(RequiredNoteSerializer, request)
        claim = claim_services.reopen_claim(
            actor=request.user, claim_id=self.get_object().pk, note=body["note"],
            expected_version=expected_version(request),
        )
        return self._done(request, claim)

    @extend_schema(request={"multipart/form-data": ClaimUploadSerializer}, responses={201: ClaimDocumentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def documents(self, request, pk=None):
        """Add a document (multipart `file` and `kind`): a PDF that parses or a JPEG/PNG that decodes."""
        body = self._body(ClaimUploadSerializer, request)
        document = claim_services.upload_claim_document(
            actor=request.user, claim_id=self.get_object().pk, uploaded=body["file"], kind=body["kind"],
            expected_version=expected_version(request),
        )
        return Response(ClaimDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>[0-9]+)", url_name="document")
    def document(self, request, pk=None, document_id=None):
        """Download a claim document: only to those who can see the claim."""
        return _download(get_object_or_404(ClaimDocument, claim=self.get_object(), pk=document_id))

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def summary(self, request, pk=None):  # routed in api/urls.py: no trailing slash after .pdf
        """The claim summary (理赔案件摘要) in Chinese: incident, persons, policy and limits, lines
        with claimed/approved/paid amounts, and the timeline."""
        claim = self.get_object()
        response = HttpResponse(claim_summary_pdf(claim), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="claim-{claim.number or claim.pk}.pdf"'
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="Underwriting year (the year policies start)"),
            OpenApiParameter("region", str, description="6-digit code within your scope"),
        ],
        responses=StatisticsSerializer,
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def statistics(self, request):
        """Claims statistics (赔偿案件数据统计分析) of the caller's scope — regulators their region,
        insurers their book: counts and amounts by status, section, category, insurer and region;
        loss ratio by insurer, region and year; days to registration, approval and payment
        (median, 90th percentile); open claims older than 30 days; the insurers' evaluation table."""
        query = StatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        region = claim_selectors.statistics_region(request.user, query.validated_data.get("region"))
        figures = claim_selectors.claim_statistics(request.user, year=query.validated_data.get("year"), region=region)
        return Response(StatisticsSerializer(figures).data)
