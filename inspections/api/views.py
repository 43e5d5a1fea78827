"""Inspections, findings and penalties over the API. Thin: bodies are shaped by api/serializers.py,
every rule and every write is in inspections.services; reads start from inspections.selectors.

Out of scope → 404 (an institution does not see an inspection while it is planned), wrong role → 403,
wrong state → 409, stale If-Match → 412, all raised by the services and shaped by config.errors."""

from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from config.api import ScopedViewSet, expected_version, run_idempotently
from config.api_rows import RowListMixin
from config.errors import ValidationFailed
from inspections import selectors, services
from inspections.api.serializers import (
    CompletionSerializer,
    EscalateSerializer,
    FindingInputSerializer,
    FindingSerializer,
    InspectionChecklistItemSerializer,
    InspectionPhotoSerializer,
    InspectionResultSerializer,
    InspectionSerializer,
    PenaltyCreateSerializer,
    PenaltySerializer,
    PhotoUploadSerializer,
    PlanSerializer,
    RectificationInputSerializer,
    ResultInputSerializer,
    SignatureSerializer,
    SignSerializer,
    TransitionNoteSerializer,
    VerifySerializer,
)
from inspections.filters import FindingFilter, InspectionFilter, PenaltyFilter
from inspections.models import (
    Escalation,
    Finding,
    FindingEvent,
    Inspection,
    InspectionEvent,
    InspectionPhoto,
    InspectionResult,
    Rectification,
    RectificationFile,
    Signature,
)

MAX_BATCH = 500  # answers a phone may flush at once; a whole checklist fits


def _body(serializer_class, data):
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data


def _download(field, content_type: str, filename: str):
    return FileResponse(field.open("rb"), content_type=content_type, filename=filename)


# ---------------------------------------------------------------------------------------------
# Inspections


def inspections_with_everything(user):
    """The list and the detail show the same object: answers, findings, sign-off, photos and the
    timeline come in one query each, whatever the number of rows."""
    return selectors.inspections_for(user).prefetch_related(
        Prefetch("results", queryset=InspectionResult.objects.select_related("item", "answered_by")
                 .order_by("item__order", "id")),
        Prefetch("findings", queryset=Finding.objects.order_by("id")),
        Prefetch("signatures", queryset=Signature.objects.select_related("user").order_by("signed_at", "id")),
        Prefetch("photos", queryset=InspectionPhoto.objects.select_related("result").order_by("uploaded_at", "id")),
        Prefetch("events", queryset=InspectionEvent.objects.select_related("actor").order_by("at", "id")),
    )


RESULTS_BODY = PolymorphicProxySerializer(
    component_name="ResultAnswers", serializers=[ResultInputSerializer, ResultInputSerializer(many=True)],
    resource_type_field_name=None, many=False,
)
RESULTS_REPLY = PolymorphicProxySerializer(
    component_name="ResultsRecorded", serializers=[InspectionResultSerializer, InspectionResultSerializer(many=True)],
    resource_type_field_name=None, many=False,
)


class InspectionViewSet(RowListMixin, ScopedViewSet):
    """On-site inspections. Regulators and inspectors of the region plan them; the assigned inspectors
    carry them out (answers, photos, findings, signatures); the institution sees its inspections once
    notified (a case inspection, unannounced, once started). Transitions: POST inspections/{id}/<action>/
    with `If-Match: "<version>"`."""

    selector = staticmethod(inspections_with_everything)
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilter
    ordering_fields = ["scheduled_for", "number", "status", "created_at", "updated_at"]
    ordering = ["-scheduled_for", "-id"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if self.action in ("list", "retrieve"):
            return super().get_queryset()
        # Actions only need to know the inspection is visible; the services lock and re-read it.
        return selectors.visible_inspections(self.request.user, Inspection.objects.all())

    def _done(self, request, inspection_id: int, status_code=status.HTTP_200_OK):
        fresh = inspections_with_everything(request.user).filter(pk=inspection_id).first()
        return Response(InspectionSerializer(fresh).data, status=status_code)

    @extend_schema(request=PlanSerializer, responses={201: InspectionSerializer})
    def create(self, request, *args, **kwargs):
        """Plan an inspection (regulators, inspectors). Routine and special: at least 3 working days
        ahead for the notice (400 `notice_period`); at least two inspectors of the region and of the
        departments taking part. Idempotency-Key replays the first result."""

        def produce():
            body = _body(PlanSerializer, request.data)
            plan = services.Plan(
                institution_id=body["institution"], type=body["type"], scheduled_for=body["scheduled_for"],
                departments=body["departments"], inspector_ids=body["inspectors"], checklist_id=body.get("checklist"),
                reason=body.get("reason", ""),
            )
            inspection = services.plan_inspection(actor=request.user, plan=plan)
            return self._done(request, inspection.pk, status.HTTP_201_CREATED)

        return run_idempotently(request, produce)

    @extend_schema(request=TransitionNoteSerializer, responses=InspectionSerializer)
    @action(detail=True, methods=["post"])
    def notify(self, request, pk=None):
        """Send the notice (planned → notified; regulators, inspectors). A case inspection is never
        announced (409 `unannounced`); too late for the notice → 409 `notice_period`."""
        inspection_id = self.get_object().pk
        body = _body(TransitionNoteSerializer, request.data)
        services.notify_inspection(actor=request.user, inspection_id=inspection_id, note=body.get("note", ""),
                                   expected_version=expected_version(request))
        return self._done(request, inspection_id)

    @extend_schema(request=TransitionNoteSerializer, responses=InspectionSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Begin on site (notified → in_progress; a case inspection from planned). Assigned inspectors."""
        inspection_id = self.get_object().pk
        body = _body(TransitionNoteSerializer, request.data)
        services.start_inspection(actor=request.user, inspection_id=inspection_id, note=body.get("note", ""),
                                  expected_version=expected_version(request))
        return self._done(request, inspection_id)

    @extend_schema(request=CompletionSerializer, responses=InspectionSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """in_progress → completed once every item is answered and the inspectors and the institution's
        representative have signed (409 `incomplete` says what is missing)."""
        inspection_id = self.get_object().pk
        body = _body(CompletionSerializer, request.data)
        services.complete_inspection(actor=request.user, inspection_id=inspection_id,
                                     conclusion=body.get("conclusion", ""), expected_version=expected_version(request))
        return self._done(request, inspection_id)

    @extend_schema(request=TransitionNoteSerializer, responses=InspectionSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """completed → closed once every finding is closed or escalated (409 `findings_open`)."""
        inspection_id = self.get_object().pk
        body = _body(TransitionNoteSerializer, request.data)
        services.close_inspection(actor=request.user, inspection_id=inspection_id, note=body.get("note", ""),
                                  expected_version=expected_version(request))
        return self._done(request, inspection_id)

    @extend_schema(request=RESULTS_BODY, responses=RESULTS_REPLY)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def results(self, request, pk=None):
        """Answer a checklist item (`{item, outcome, note}`), or a list of them: a phone flushing the
        answers it queued offline. A list is all or nothing; an error names the answer by its index
        (`fields`: `"<index>.<field>"`). Answering an item again replaces its answer."""
        inspection_id = self.get_object().pk
        batch = isinstance(request.data, list)
        rows = request.data if batch else [request.data]
        if batch and not 1 <= len(rows) <= MAX_BATCH:
            raise ValidationFailed(_("Send between 1 and %(n)s answers at once.") % {"n": MAX_BATCH})
        answers = [self._answer(row, index if batch else None) for index, row in enumerate(rows)]
        with transaction.atomic():
            saved = []
            for index, answer in enumerate(answers):
                try:
                    saved.append(services.record_result(
                        actor=request.user, inspection_id=inspection_id, item_id=answer["item"],
                        outcome=answer["outcome"], note=answer.get("note", ""),
                    ).pk)
                except ValidationFailed as exc:
                    if not batch:
                        raise
                    raise self._at(exc.detail, exc.fields, index, exc.code) from None
        results = {r.pk: r for r in InspectionResult.objects.select_related("item", "answered_by").filter(pk__in=saved)}
        ordered = [results[pk] for pk in saved]
        if batch:
            return Response(InspectionResultSerializer(ordered, many=True).data)
        return Response(InspectionResultSerializer(ordered[0]).data)

    @staticmethod
    def _at(detail, fields: dict, index: int, code: str = "invalid") -> ValidationFailed:
        return ValidationFailed(
            _("Answer %(n)s: %(detail)s") % {"n": index + 1, "detail": detail},
            fields={f"{index}.{name}": messages for name, messages in fields.items()}, code=code,
        )

    def _answer(self, row, index: int | None) -> dict:
        body = ResultInputSerializer(data=row)
        if body.is_valid():
            return body.validated_data
        if index is None:
            body.is_valid(raise_exception=True)
        errors = {name: [str(m) for m in messages] for name, messages in body.errors.items()}
        first = next(iter(errors.values()))[0]
        raise self._at(first, errors, index)

    @extend_schema(request={"multipart/form-data": PhotoUploadSerializer}, responses={201: InspectionPhotoSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request, pk=None):
        """Add a photo taken on site (multipart `file`, optional `item` or `finding`, `caption`): a JPEG
        or PNG that decodes, stored re-encoded without its EXIF. Idempotency-Key replays the first result."""
        inspection_id = self.get_object().pk

        def produce():
            body = _body(PhotoUploadSerializer, request.data)
            photo = services.upload_photo(
                actor=request.user, inspection_id=inspection_id, uploaded=body["file"], item_id=body.get("item"),
                finding_id=body.get("finding"), caption=body.get("caption", ""),
            )
            photo = InspectionPhoto.objects.select_related("result").get(pk=photo.pk)
            return Response(InspectionPhotoSerializer(photo).data, status=status.HTTP_201_CREATED)

        return run_idempotently(request, produce)

    @extend_schema(responses={(200, "image/jpeg"): bytes})
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_id>[0-9]+)", url_name="photo")
    def photo(self, request, pk=None, photo_id=None):
        """Download a photo: only to those who can see the inspection."""
        photo = get_object_or_404(InspectionPhoto, inspection=self.get_object(), pk=photo_id)
        return _download(photo.file, "image/jpeg", photo.original_name or f"photo-{photo.pk}.jpg")

    @extend_schema(request={"multipart/form-data": SignSerializer, "application/json": SignSerializer},
                   responses={201: SignatureSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def sign(self, request, pk=None):
        """Sign the record: `kind` `inspector` (the caller, once) or `representative` (the institution's,
        with `name`, on the inspector's device); optional drawn `image`, a PNG (multipart)."""
        inspection_id = self.get_object().pk

        def produce():
            body = _body(SignSerializer, request.data)
            signature = services.sign_inspection(
                actor=request.user, inspection_id=inspection_id, kind=body["kind"], name=body.get("name", ""),
                image=body.get("image"),
            )
            return Response(SignatureSerializer(signature).data, status=status.HTTP_201_CREATED)

        return run_idempotently(request, produce)

    @extend_schema(request=FindingInputSerializer, responses={201: FindingSerializer})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def findings(self, request, pk=None):
        """Record a finding while in progress, graded on the CMS grid; from a checklist item, the item is
        answered as failed. Idempotency-Key replays the first result."""
        inspection_id = self.get_object().pk

        def produce():
            body = _body(FindingInputSerializer, request.data)
            data = services.FindingData(
                description=body["description"], severity=body["severity"], scope=body["scope"],
                item_id=body.get("item"), is_major_hazard=body.get("is_major_hazard"), deadline=body.get("deadline"),
                legal_basis=body.get("legal_basis", ""),
            )
            finding = services.record_finding(actor=request.user, inspection_id=inspection_id, data=data)
            fresh = findings_with_everything(request.user).get(pk=finding.pk)
            return Response(FindingSerializer(fresh).data, status=status.HTTP_201_CREATED)

        return run_idempotently(request, produce)

    @extend_schema(responses=InspectionChecklistItemSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def checklist(self, request, pk=None):
        """The inspection's combined checklist (一表通查: the items of the departments taking part), in
        order, each with its current answer or null."""
        inspection = self.get_object()
        answers = {r.item_id: r for r in inspection.results.select_related("item", "answered_by")}
        items = selectors.checklist_items_of(inspection).order_by("order", "id")
        return Response(InspectionChecklistItemSerializer(items, many=True, context={"answers": answers}).data)

    def _pdf(self, document: str):
        from inspections import pdf  # imported here so the API loads whatever state the PDFs are in

        inspection = self.get_object()
        response = HttpResponse(pdf.document_pdf(inspection, document, self.request.user), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=False, filename=pdf.document_filename(inspection, document)
        )
        return response

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def report(self, request, pk=None):  # routed in api/urls.py: no trailing slash after .pdf
        """The inspection record (检查记录) with every answer, finding and signature, in Chinese."""
        return self._pdf("record")

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def notice(self, request, pk=None):  # routed in api/urls.py
        """The rectification notice (整改通知书) listing the findings and their deadlines; 409
        `no_findings` when there is nothing to rectify."""
        return self._pdf("notice")


# ---------------------------------------------------------------------------------------------
# Findings


def findings_with_everything(user):
    return selectors.findings_for(user).prefetch_related(
        Prefetch("rectifications", queryset=Rectification.objects.select_related("submitted_by", "decided_by")
                 .prefetch_related(Prefetch("files", queryset=RectificationFile.objects.order_by("uploaded_at", "id")))
                 .order_by("submitted_at", "id")),
        Prefetch("escalations", queryset=Escalation.objects.order_by("created_at", "id")),
        Prefetch("photos", queryset=InspectionPhoto.objects.select_related("result").order_by("uploaded_at", "id")),
        Prefetch("events", queryset=FindingEvent.objects.select_related("actor").order_by("at", "id")),
    )


class FindingViewSet(RowListMixin, ScopedViewSet):
    """Findings of inspections and their rectification: the institution submits its plan and evidence,
    an inspector verifies (accepts or sends back), an inspector or regulator escalates. Transitions take
    `If-Match: "<version>"`."""

    selector = staticmethod(findings_with_everything)
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    ordering_fields = ["deadline", "grade", "severity", "status", "created_at", "updated_at"]
    ordering = ["deadline", "id"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if self.action in ("list", "retrieve"):
            return super().get_queryset()
        return selectors.visible_findings(self.request.user, Finding.objects.all())

    def _done(self, request, finding_id: int):
        return Response(FindingSerializer(findings_with_everything(request.user).get(pk=finding_id)).data)

    @extend_schema(request={"multipart/form-data": RectificationInputSerializer}, responses=FindingSerializer)
    @action(detail=True, methods=["post"], url_path="submit-rectification", parser_classes=[MultiPartParser, FormParser])
    def submit_rectification(self, request, pk=None):
        """The institution's plan and evidence (multipart `plan`, `evidence_note`, `files` — also sent as
        `files[]`): open or overdue → submitted."""
        finding_id = self.get_object().pk
        files = request.FILES.getlist("files") or request.FILES.getlist("files[]")
        body = _body(RectificationInputSerializer, {
            "plan": request.data.get("plan", ""), "evidence_note": request.data.get("evidence_note", ""),
            "files": files,
        })
        services.submit_rectification(
            actor=request.user, finding_id=finding_id, plan=body["plan"], evidence_note=body.get("evidence_note", ""),
            files=body.get("files") or [], expected_version=expected_version(request),
        )
        return self._done(request, finding_id)

    @extend_schema(request=VerifySerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def verify(self, request, pk=None):
        """复查/验收 (assigned inspectors): accepted closes the finding; rejected (with `note`) sends it
        back to open, or overdue past its deadline."""
        finding_id = self.get_object().pk
        body = _body(VerifySerializer, request.data)
        services.verify_rectification(
            actor=request.user, finding_id=finding_id, accepted=body["accepted"], note=body.get("note", ""),
            expected_version=expected_version(request),
        )
        return self._done(request, finding_id)

    @extend_schema(request=EscalateSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def escalate(self, request, pk=None):
        """Inspectors and regulators: open, submitted or overdue → escalated, with what follows — a penalty
        or suspension order (`penalty`, decided by a regulator) or a blacklist referral."""
        finding_id = self.get_object().pk
        body = _body(EscalateSerializer, request.data)
        penalty = body.get("penalty")
        services.escalate_finding(
            actor=request.user, finding_id=finding_id, kind=body["kind"], note=body["note"],
            penalty=services.PenaltyData(**penalty) if penalty else None,
            blacklist_criterion=body.get("blacklist_criterion"), expected_version=expected_version(request),
        )
        return self._done(request, finding_id)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"files/(?P<file_id>[0-9]+)", url_name="file")
    def file(self, request, pk=None, file_id=None):
        """Download an evidence file: only to those who can see the finding."""
        stored = get_object_or_404(RectificationFile, rectification__finding=self.get_object(), pk=file_id)
        return _download(stored.file, stored.content_type, stored.original_name)


# ---------------------------------------------------------------------------------------------
# Penalties


class PenaltyViewSet(ScopedViewSet):
    """Administrative penalties (行政处罚): warning, fine (at most 30,000 yuan) or order to suspend.
    Regulators record them here or by escalating a finding."""

    selector = staticmethod(selectors.penalties_for)
    serializer_class = PenaltySerializer
    filterset_class = PenaltyFilter
    ordering_fields = ["decided_on", "amount", "created_at", "updated_at"]
    ordering = ["-decided_on", "-id"]
    lookup_value_regex = r"[0-9]+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request={"application/json": PenaltyCreateSerializer, "multipart/form-data": PenaltyCreateSerializer},
                   responses={201: PenaltySerializer})
    def create(self, request, *args, **kwargs):
        """Record a penalty (regulators), with the decision document as a PDF (multipart `document`).
        Idempotency-Key replays the first result."""

        def produce():
            body = dict(_body(PenaltyCreateSerializer, request.data))
            institution_id, document = body.pop("institution"), body.pop("document", None)
            penalty = services.record_penalty(
                actor=request.user, institution_id=institution_id, data=services.PenaltyData(**body),
                document=document,
            )
            fresh = selectors.penalties_for(request.user).get(pk=penalty.pk)
            return Response(PenaltySerializer(fresh).data, status=status.HTTP_201_CREATED)

        return run_idempotently(request, produce)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], url_name="document")
    def document(self, request, pk=None):
        """Download the decision document: only to those who can see the penalty."""
        penalty = self.get_object()
        if not penalty.document:
            raise Http404
        return _download(penalty.document, "application/pdf", f"{penalty.document_number or penalty.pk}.pdf")
