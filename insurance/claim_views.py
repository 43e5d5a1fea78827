"""HTML pages of incidents and claims (issue 4): incidents and their reports, filing a claim, the
claim list (the insurer's work queue), the claim page with the actions its reader may take now,
the regulators' dispute queue and the claims statistics.

Thin, like the policy pages (insurance.views, whose helpers they share): reads start from
insurance.selectors.claims, writes go through insurance.services.claims, and a service's refusal
is shown on the form it came from (NotAllowed → 403, NotFound → 404 through the `page` decorator).
Files are downloaded through the API's scope-checking views, as on the policy pages."""

import io
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.choices import Role
from config.errors import PreconditionFailed
from institutions.choices import RegionLevel
from institutions.forms import FIXABLE_ERRORS, style_filter_form
from institutions.importing import CONTENT_TYPES, csv_bytes
from institutions.views import page, paginate
from insurance import claim_forms as f
from insurance import claims_limits
from insurance.choices import PolicyStatus
from insurance.filters import ClaimFilter, IncidentFilter
from insurance.models import (
    OPEN_STATUSES,
    Claim,
    ClaimLine,
    ClaimStatus,
    Dispute,
    DocumentKind,
    RejectionReason,
)
from insurance.selectors import claims as claim_selectors
from insurance.selectors import insurers_for, policies_for
from insurance.services import claims as claim_services
from insurance.views import EXPORT_FORMATS, _preselected_institution, _sort_columns, _trail, show_refusal

# Inspectors read incidents (case inspections follow accidents) but not the money side.
CLAIM_READERS = {Role.ADMIN, Role.REGULATOR, Role.INSTITUTION, Role.INSURER}
INCIDENT_REPORTERS = {Role.ADMIN, Role.INSTITUTION}
MEDIATORS = {Role.ADMIN, Role.REGULATOR}
STATISTICS_READERS = claim_selectors.STATISTICS_ROLES

INCIDENT_ORDERINGS = {
    "occurred_at": gettext_lazy("Occurred"),
    "institution__name": gettext_lazy("Institution"),
    "category": gettext_lazy("Category"),
}
CLAIM_ORDERINGS = {
    "number": gettext_lazy("Claim number"),
    "institution__name": gettext_lazy("Institution"),
    "created_at": gettext_lazy("Reported"),
    "claimed_amount": gettext_lazy("Claimed"),
    "approved_amount": gettext_lazy("Approved"),
    "paid_amount": gettext_lazy("Paid"),
}
# The insurer's work queue: fast-track claims first, then the oldest (as the API orders it).
QUEUE_ORDER = ["-fast_track", "created_at"]
EVENT_LABELS = {
    "create": gettext_lazy("Claim reported"),
    "register": gettext_lazy("Claim registered"),
    "request-documents": gettext_lazy("Documents requested"),
    "submit-documents": gettext_lazy("Documents submitted"),
    "approve": gettext_lazy("Claim approved"),
    "reject": gettext_lazy("Claim rejected"),
    "pay": gettext_lazy("Claim paid"),
    "close": gettext_lazy("Claim closed"),
    "withdraw": gettext_lazy("Claim withdrawn"),
    "dispute": gettext_lazy("Dispute raised"),
    "resolve": gettext_lazy("Dispute mediated"),
    "reopen": gettext_lazy("Claim reopened"),
}
REQUIREMENT_LABELS = dict(DocumentKind.choices) | {
    claim_services.ARBITRATION_OR_LITIGATION: gettext_lazy("Arbitration or litigation documents"),
}


# --- shared ------------------------------------------------------------------------------------


def _read_claims(user) -> None:
    if user.role not in CLAIM_READERS:
        raise PermissionDenied


def _incident_or_404(user, pk):
    incident = claim_selectors.incident_detail_for(user, pk)
    if incident is None:
        raise Http404
    return incident


def _claim_or_404(user, pk):
    _read_claims(user)
    claim = claim_selectors.claim_detail_for(user, pk)
    if claim is None:
        raise Http404
    return claim


def _own_institution(user, incident) -> bool:
    return user.role == Role.ADMIN or (user.role == Role.INSTITUTION and user.institution_id == incident.institution_id)


def _age_days(claim, today) -> int | None:
    """Days since the claim was reported, while it is open."""
    if claim.status not in OPEN_STATUSES:
        return None
    return (today - timezone.localdate(claim.created_at)).days


def _export(rows: list[list], headers: list[str], fmt: str, filename: str, sheet_title: str) -> HttpResponse:
    import openpyxl

    if fmt == "csv":
        content = csv_bytes([headers], ([("" if v is None else v) for v in row] for row in rows))
    else:
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet(sheet_title[:31])
        sheet.append(headers)
        for row in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


# --- incidents ---------------------------------------------------------------------------------


@page
def incident_list(request):
    user = request.user
    claims = claim_selectors.visible_claims(user, Claim.objects.only("id", "incident_id", "number", "status", "section", "fast_track"))
    queryset = (
        claim_selectors.incidents_for(user).select_related("institution__region").prefetch_related(None)
        .prefetch_related("persons", Prefetch("claims", queryset=claims.order_by("created_at", "id"), to_attr="shown_claims"))
    )
    filterset = IncidentFilter(request.GET, queryset=queryset, request=request)
    ordering = request.GET.get("ordering", "-occurred_at")
    if ordering.lstrip("-") not in INCIDENT_ORDERINGS:
        ordering = "-occurred_at"
    incidents = filterset.qs.order_by(ordering, "-pk") if filterset.is_valid() else filterset.queryset.none()
    form = filterset.form
    form.fields.pop("updated_since", None)
    if user.role == Role.INSTITUTION:
        form.fields.pop("region", None)
    for name in ("occurred_after", "occurred_before"):
        form.fields[name].widget = f.DATETIME
    style_filter_form(filterset, user)
    shown = [name for name in ("category", "responsibility", "occurred_after", "occurred_before") if name in form.fields]
    return render(request, "insurance/incident_list.html", {
        "filter": filterset,
        "page_obj": paginate(request, incidents),
        "columns": _sort_columns(INCIDENT_ORDERINGS, ordering),
        "advanced_fields": [form[name] for name in shown],
        "advanced_open": any(request.GET.get(name) for name in shown),
        "filtered": any(request.GET.get(name) for name in form.fields),
        "may_report": user.role == Role.INSTITUTION,
        "shows_claims": user.role in CLAIM_READERS,
    })


@page
def incident_create(request):
    user = request.user
    if user.role not in INCIDENT_REPORTERS:
        raise PermissionDenied
    institution = _preselected_institution(request)
    if institution is None:
        raise Http404  # an administrator reports for a chosen institution: ?institution=<id>
    posted = request.method == "POST"
    form = f.IncidentForm(request.POST if posted else None, request.FILES if posted else None)
    persons = f.PersonFormSet(request.POST if posted else None, prefix="persons")
    if posted and all([form.is_valid(), persons.is_valid()]):
        try:
            with transaction.atomic():
                incident = claim_services.report_incident(
                    actor=user, data=form.service_data(), persons=f.person_rows(persons), institution_id=institution.pk
                )
                for uploaded in form.cleaned_data["attachments"]:
                    claim_services.upload_incident_attachment(actor=user, incident_id=incident.pk, uploaded=uploaded)
        except FIXABLE_ERRORS as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Incident reported."))
            return redirect("incident-detail", pk=incident.pk)
    return render(request, "insurance/incident_form.html", {"form": form, "persons": persons, "institution": institution})


def _covering_policy(user, incident):
    """The institution's policy that covered the incident date (the one a claim is filed against)."""
    day = timezone.localdate(incident.occurred_at)
    return (
        policies_for(user).prefetch_related(None).prefetch_related("sections")
        .filter(claim_services.covering_q(day), institution_id=incident.institution_id)
        .order_by("-start_date", "-pk").first()
    )


def _incident_claims(user, incident) -> list:
    return list(
        claim_selectors.claims_for(user).prefetch_related(None).filter(incident=incident).order_by("created_at", "id")
    )


def _open_sections(policy, claims) -> list:
    """Sections of the policy with no live claim for this incident yet (one per section)."""
    taken = {claim.section for claim in claims if claim.status != ClaimStatus.WITHDRAWN}
    return [row for row in policy.sections.all() if row.section not in taken]


def _render_incident(request, incident, **bound):
    user = request.user
    claims = _incident_claims(user, incident) if user.role in CLAIM_READERS else []
    own = _own_institution(user, incident)
    policy = _covering_policy(user, incident) if own else None
    return render(request, "insurance/incident_detail.html", {
        "incident": incident,
        "persons": list(incident.persons.all()),
        "attachments": list(incident.attachments.all()),
        "claims": claims,
        "shows_claims": user.role in CLAIM_READERS,
        "may_attach": own,
        "may_file": own and policy is not None and bool(_open_sections(policy, claims)),
        "uncovered": own and policy is None,
        "may_determine": user.role in MEDIATORS,
        "links_institution": user.role in (Role.ADMIN, Role.REGULATOR, Role.INSPECTOR, Role.INSTITUTION),
        "attach_form": bound.get("attach_form") or f.AttachmentForm(),
        "responsibility_form": bound.get("responsibility_form") or f.ResponsibilityForm(initial={
            "version": incident.version, "responsibility": incident.responsibility, "note": incident.responsibility_note}),
        "open_form": next(iter(bound), ""),
    })


@page
def incident_detail(request, pk):
    return _render_incident(request, _incident_or_404(request.user, pk))


def _incident_action(request, pk, form_class, form_name, perform, done_message):
    incident = _incident_or_404(request.user, pk)
    if request.method != "POST":
        return redirect("incident-detail", pk=incident.pk)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            with transaction.atomic():
                perform(incident, form.cleaned_data)
        except FIXABLE_ERRORS as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, done_message)
            return redirect("incident-detail", pk=incident.pk)
    return _render_incident(request, incident, **{form_name: form})


@page
def incident_attach(request, pk):
    def perform(incident, data):
        for uploaded in data["files"]:
            claim_services.upload_incident_attachment(actor=request.user, incident_id=incident.pk, uploaded=uploaded)

    return _incident_action(request, pk, f.AttachmentForm, "attach_form", perform, _("Files attached."))


@page
def incident_responsibility(request, pk):
    def perform(incident, data):
        claim_services.determine_responsibility(
            actor=request.user, incident_id=incident.pk, responsibility=data["responsibility"], note=data["note"],
            expected_version=data.get("version"),
        )

    return _incident_action(request, pk, f.ResponsibilityForm, "responsibility_form", perform,
                            _("The institution's responsibility is recorded."))


# --- filing a claim ----------------------------------------------------------------------------


@page
def claim_create(request, pk):
    """File a claim (报案) for an incident, against the policy that covered the incident date."""
    user = request.user
    incident = _incident_or_404(user, pk)
    if not _own_institution(user, incident):
        raise PermissionDenied
    policy = _covering_policy(user, incident)
    claims = _incident_claims(user, incident)
    sections = _open_sections(policy, claims) if policy is not None else []
    persons = list(incident.persons.all())
    posted = request.method == "POST" and bool(sections)
    form = f.ClaimForm(request.POST if posted else None, sections=sections)
    lines = f.LineFormSet(request.POST if posted else None, prefix="lines", form_kwargs={"persons": persons})
    documents = f.DocumentFormSet(request.POST if posted else None, request.FILES if posted else None, prefix="documents")
    if posted:
        valid = all([form.is_valid(), lines.is_valid(), documents.is_valid()])
        rows = f.line_data(lines) if lines.is_valid() else []
        amount = form.cleaned_data.get("claimed_amount")
        if amount is None and rows:
            amount = sum((row.claimed_amount for row in rows), Decimal("0"))
        if amount is None and "claimed_amount" not in form.errors and lines.is_valid():
            form.add_error("claimed_amount", _("Enter the amount claimed, or the lines below."))
            valid = False
        if valid:
            try:
                with transaction.atomic():
                    claim = claim_services.create_claim(
                        actor=user, policy_id=policy.pk, incident_id=incident.pk, section=form.cleaned_data["section"],
                        claimed_amount=amount, lines=rows or None, note=form.cleaned_data["note"],
                    )
                    for kind, files in f.document_rows(documents):
                        for uploaded in files:
                            claim_services.upload_claim_document(actor=user, claim_id=claim.pk, uploaded=uploaded, kind=kind)
            except FIXABLE_ERRORS as exc:
                show_refusal(form, exc)
            else:
                claim.refresh_from_db()
                messages.success(request, _("Claim %(number)s reported to %(insurer)s.") % {
                    "number": claim.number, "insurer": policy.insurer.name})
                return redirect("claim-detail", pk=claim.pk)
    outcomes = {person.outcome for person in persons}
    return render(request, "insurance/claim_form.html", {
        "incident": incident,
        "policy": policy,
        "sections": sections,
        "claims": claims,
        "form": form,
        "lines": lines,
        "documents": documents,
        "needed": [REQUIREMENT_LABELS[kind] for kind in claim_services.required_documents("general", outcomes)],
        "fast_track_limit": policy.scheme.fast_track_limit if policy is not None else None,
    })


# --- claim list, export and the dispute queue --------------------------------------------------


def _list_queryset(user):
    """claims_for without the prefetches the list does not read; lines and documents stay, for
    the count of missing documents."""
    return (
        claim_selectors.claims_for(user).select_related("institution__region").prefetch_related(None)
        .prefetch_related(Prefetch("lines", queryset=ClaimLine.objects.select_related("person").order_by("id")), "documents")
    )


def _filtered_claims(request):
    user = request.user
    data = request.GET.copy()
    if user.role == Role.INSURER and "open" not in data:
        data["open"] = "true"  # the work queue: open claims unless asked otherwise
    filterset = ClaimFilter(data, queryset=_list_queryset(user), request=request)
    ordering = request.GET.get("ordering", "")
    if ordering.lstrip("-") in CLAIM_ORDERINGS:
        order = [ordering, "pk"]
    else:
        ordering = ""
        order = [*QUEUE_ORDER, "pk"] if user.role == Role.INSURER else ["-created_at", "-pk"]
    claims = filterset.qs.order_by(*order) if filterset.is_valid() else filterset.queryset.none()
    return filterset, claims, ordering


@page
def claim_list(request):
    user = request.user
    _read_claims(user)
    filterset, claims, ordering = _filtered_claims(request)
    form = filterset.form
    form.fields.pop("updated_since", None)
    if user.role == Role.INSTITUTION:
        form.fields.pop("region", None)
    if user.role == Role.INSURER:
        form.fields.pop("insurer", None)
    else:
        choices = [("", _("Any")), *insurers_for(user).order_by("name").values_list("code", "name")]
        form.fields["insurer"].widget = forms.Select(choices=choices)
    form.fields["status"].widget.attrs["size"] = 3
    style_filter_form(filterset, user)
    shown = [name for name in ("status", "open", "fast_track", "section", "category", "insurer") if name in form.fields]
    page_obj = paginate(request, claims)
    today = timezone.localdate()
    for claim in page_obj:
        claim.age_days = _age_days(claim, today)
        claim.missing_count = len(claim_services.missing_documents(claim))
    return render(request, "insurance/claim_list.html", {
        "filter": filterset,
        "page_obj": page_obj,
        "columns": _sort_columns(CLAIM_ORDERINGS, ordering),
        "advanced_fields": [form[name] for name in shown],
        "advanced_open": any(request.GET.get(name) for name in shown),
        "filtered": any(request.GET.get(name) for name in form.fields),
        "queue": user.role == Role.INSURER,
    })


CLAIM_EXPORT_HEADERS = [
    gettext_lazy("Claim number"), gettext_lazy("Institution"), gettext_lazy("USCC"), gettext_lazy("Region code"),
    gettext_lazy("Insurer"), gettext_lazy("Policy number"), gettext_lazy("Occurred"), gettext_lazy("Incident category"),
    gettext_lazy("Section"), gettext_lazy("Status"), gettext_lazy("Fast track"), gettext_lazy("Reported"),
    gettext_lazy("Days open"), gettext_lazy("Missing documents"), gettext_lazy("Claimed"), gettext_lazy("Approved"),
    gettext_lazy("Paid"), gettext_lazy("Paid on"), gettext_lazy("Rejection reason"),
]


@page
def claim_export(request):
    user = request.user
    _read_claims(user)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        raise Http404
    _filterset, claims, _ordering = _filtered_claims(request)
    today = timezone.localdate()
    yes, no = _("Yes"), _("No")
    rows = []
    for claim in claims.iterator(chunk_size=500):
        rows.append([
            claim.number, claim.institution.name, claim.institution.uscc, claim.institution.region_id,
            claim.insurer.name, claim.policy.number, timezone.localtime(claim.incident.occurred_at).strftime("%Y-%m-%d %H:%M"),
            claim.incident.get_category_display(), claim.get_section_display(), claim.get_status_display(),
            yes if claim.fast_track else no, timezone.localtime(claim.created_at).strftime("%Y-%m-%d"),
            _age_days(claim, today), len(claim_services.missing_documents(claim)), claim.claimed_amount,
            claim.approved_amount, claim.paid_amount, claim.paid_on.isoformat() if claim.paid_on else None,
            claim.get_rejection_reason_display() if claim.rejection_reason else "",
        ])
    filename = f"claims-{today:%Y%m%d}.{fmt}"
    return _export(rows, [str(h) for h in CLAIM_EXPORT_HEADERS], fmt, filename, _("Claims"))


@page
def dispute_queue(request):
    """理赔纠纷调解: the region's disputed claims, the longest waiting first."""
    user = request.user
    if user.role not in MEDIATORS:
        raise PermissionDenied
    waiting = Dispute.objects.filter(claim=OuterRef("pk"), resolved_at__isnull=True).order_by("-raised_at").values("raised_at")[:1]
    open_disputes = Dispute.objects.filter(resolved_at__isnull=True).select_related("raised_by").order_by("-raised_at", "-id")
    claims = (
        claim_selectors.claims_for(user).select_related("institution__region").prefetch_related(None)
        .prefetch_related(Prefetch("disputes", queryset=open_disputes, to_attr="open_disputes"))
        .filter(status=ClaimStatus.DISPUTED).annotate(waiting_since=Subquery(waiting))
        .order_by(F("waiting_since").asc(nulls_first=True), "created_at", "pk")
    )
    page_obj = paginate(request, claims)
    today = timezone.localdate()
    for claim in page_obj:
        since = claim.waiting_since or claim.disputed_at or claim.created_at
        claim.waiting_days = (today - timezone.localdate(since)).days
        claim.dispute = claim.open_disputes[0] if claim.open_disputes else None
    return render(request, "insurance/claim_disputes.html", {"page_obj": page_obj})


# --- claim detail and its actions --------------------------------------------------------------


def _may_ever(user, claim, action: str) -> bool:
    """May this role do `action` to this claim in some state? (No: 403, whatever the state.)"""
    if action == "upload":
        return claim_services._may_upload(user, claim)
    return any(t.action == action and user.role in t.roles for t in claim_services.TRANSITIONS)


def _register(user, claim, data):
    return claim_services.register_claim(actor=user, claim_id=claim.pk, note=data["note"], reference=data["reference"],
                                         expected_version=data["version"])


def _request_documents(user, claim, data):
    return claim_services.request_documents(actor=user, claim_id=claim.pk, note=data["note"],
                                            expected_version=data["version"])


def _submit_documents(user, claim, data):
    return claim_services.submit_documents(actor=user, claim_id=claim.pk, files=data["files"], kind=data["kind"],
                                           note=data["note"], expected_version=data["version"])


def _approve(user, claim, data):
    return claim_services.approve_claim(actor=user, claim_id=claim.pk, approved_amount=data["approved_amount"],
                                        lines=data["lines"], note=data["note"], expected_version=data["version"])


def _reject(user, claim, data):
    return claim_services.reject_claim(actor=user, claim_id=claim.pk, reason=data["reason"], note=data["note"],
                                       expected_version=data["version"])


def _pay(user, claim, data):
    return claim_services.pay_claim(actor=user, claim_id=claim.pk, paid_amount=data["paid_amount"],
                                    paid_on=data["paid_on"], reference=data["reference"], note=data["note"],
                                    expected_version=data["version"])


def _close(user, claim, data):
    return claim_services.close_claim(actor=user, claim_id=claim.pk, note=data["note"], expected_version=data["version"])


def _withdraw(user, claim, data):
    return claim_services.withdraw_claim(actor=user, claim_id=claim.pk, note=data["note"], expected_version=data["version"])


def _dispute(user, claim, data):
    return claim_services.dispute_claim(actor=user, claim_id=claim.pk, note=data["note"], expected_version=data["version"])


def _resolve(user, claim, data):
    return claim_services.resolve_dispute(actor=user, claim_id=claim.pk, outcome=data["outcome"], note=data["note"],
                                          approved_amount=data["approved_amount"], lines=data["lines"],
                                          expected_version=data["version"])


def _reopen(user, claim, data):
    return claim_services.reopen_claim(actor=user, claim_id=claim.pk, note=data["note"], expected_version=data["version"])


def _upload(user, claim, data):
    version = data["version"]
    for uploaded in data["files"]:  # each upload is a new version: check the first against the page
        claim_services.upload_claim_document(actor=user, claim_id=claim.pk, uploaded=uploaded, kind=data["kind"],
                                             expected_version=version)
        version = None


# action → (form, service call, message when done). The order is the page's.
ACTION_TABLE = {
    "register": (f.RegisterForm, _register, gettext_lazy("The claim is registered.")),
    "request-documents": (f.RequestDocumentsForm, _request_documents, gettext_lazy("The institution is asked for documents.")),
    "submit-documents": (f.SubmitDocumentsForm, _submit_documents, gettext_lazy("Documents submitted to the insurer.")),
    "approve": (f.ApproveForm, _approve, gettext_lazy("The claim is approved.")),
    "reject": (f.RejectForm, _reject, gettext_lazy("The claim is rejected.")),
    "pay": (f.PayForm, _pay, gettext_lazy("The payment is recorded.")),
    "close": (f.CloseForm, _close, gettext_lazy("The claim is closed.")),
    "withdraw": (f.WithdrawForm, _withdraw, gettext_lazy("The claim is withdrawn.")),
    "dispute": (f.DisputeForm, _dispute, gettext_lazy("The dispute is raised; a regulator will mediate.")),
    "resolve": (f.ResolveForm, _resolve, gettext_lazy("The mediation is recorded.")),
    "reopen": (f.ReopenForm, _reopen, gettext_lazy("The claim is reopened.")),
    "upload": (f.UploadForm, _upload, gettext_lazy("Document uploaded.")),
}
ACTIONS = list(ACTION_TABLE)


def _timeline(claim) -> list[dict]:
    statuses = dict(ClaimStatus.choices)
    reasons = dict(RejectionReason.choices)
    entries = []
    for event in claim.events.all():
        data = event.data or {}
        facts = []
        if data.get("claimed_amount"):
            facts.append(_("claimed %(amount)s") % {"amount": data["claimed_amount"]})
        if data.get("approved_amount"):
            facts.append(_("approved %(amount)s") % {"amount": data["approved_amount"]})
        if data.get("paid_amount"):
            facts.append(_("paid %(amount)s") % {"amount": data["paid_amount"]})
        if data.get("reason"):
            facts.append(str(reasons.get(data["reason"], data["reason"])))
        if data.get("reference"):
            facts.append(_("reference %(reference)s") % {"reference": data["reference"]})
        entries.append({
            "at": event.at, "action": event.action, "label": EVENT_LABELS.get(event.action, event.action),
            "actor": event.actor, "from": statuses.get(event.from_status, event.from_status),
            "to": statuses.get(event.to_status, event.to_status), "note": event.note, "facts": facts,
        })
    return entries


def _limits(claim):
    """The section's limits and, for the one who approves, what this claim may still take."""
    section = claim.policy.sections.filter(section=claim.section).first()
    if section is None:
        return None, None
    limits = claims_limits.Limits.of(section)
    aggregate_left = claims_limits.aggregate_remaining(limits, claim_services.committed_elsewhere(claim))
    return section, {
        "per_person": limits.per_person_cap,
        "per_accident": limits.per_accident_cap,
        "aggregate_left": aggregate_left,
        "most": min(limits.per_accident_cap, aggregate_left),
    }


# How each action's form is titled and submitted; the rarer or irreversible ones start folded.
ACTION_TEXT = {
    "register": (gettext_lazy("Register the claim"), pgettext_lazy("claim action", "Register")),
    "request-documents": (gettext_lazy("Ask for more documents"), gettext_lazy("Ask for documents")),
    "submit-documents": (gettext_lazy("Send the requested documents"), gettext_lazy("Submit documents")),
    "approve": (gettext_lazy("Approve the claim"), gettext_lazy("Approve")),
    "reject": (gettext_lazy("Reject the claim"), gettext_lazy("Reject")),
    "pay": (gettext_lazy("Record the payment"), gettext_lazy("Record the payment")),
    "close": (gettext_lazy("Close the claim"), gettext_lazy("Close")),
    "withdraw": (gettext_lazy("Withdraw the claim"), gettext_lazy("Withdraw")),
    "dispute": (gettext_lazy("Dispute the decision"), gettext_lazy("Raise a dispute")),
    "resolve": (gettext_lazy("Record the mediation"), gettext_lazy("Record the outcome")),
    "reopen": (gettext_lazy("Reopen the claim"), gettext_lazy("Reopen")),
}
FOLDED = {"request-documents", "reject", "withdraw", "dispute", "reopen"}
DANGER = {"reject", "withdraw"}


def _render_claim(request, claim, *, bound=None, stale=False):
    user = request.user
    actions = claim_services.allowed_actions(user, claim) & set(ACTIONS)
    open_form = bound[0] if bound else ""
    action_forms = []
    for action in ACTIONS:
        if action not in actions or action == "upload":
            continue
        title, button = ACTION_TEXT[action]
        action_forms.append({
            "action": action, "title": title, "button": button,
            "form": bound[1] if open_form == action else ACTION_TABLE[action][0](claim=claim),
            "folded": action in FOLDED and open_form != action, "danger": action in DANGER,
        })
    section, room = _limits(claim)
    missing = claim_services.missing_documents(claim)
    return render(request, "insurance/claim_detail.html", {
        "claim": claim,
        "incident": claim.incident,
        "persons": list(claim.incident.persons.all()),
        "lines": list(claim.lines.all()),
        "documents": list(claim.documents.all()),
        "disputes": list(claim.disputes.all()),
        "payments": list(claim.payments.all()),
        "timeline": _timeline(claim),
        "section": section,
        "room": room if ({"approve", "resolve"} & actions) else None,
        "missing": [REQUIREMENT_LABELS.get(kind, kind) for kind in missing],
        "fast_track_limit": claim.policy.scheme.fast_track_limit,
        "actions": actions,
        "action_forms": action_forms,
        "upload_form": (bound[1] if open_form == "upload" else f.UploadForm(claim=claim)) if "upload" in actions else None,
        "open_form": open_form,
        "stale": stale,
        "age_days": _age_days(claim, timezone.localdate()),
        "links_institution": user.role != Role.INSURER,
    })


@page
def claim_detail(request, pk):
    return _render_claim(request, _claim_or_404(request.user, pk))


@page
def claim_action(request, pk, action):
    """A POST action of the claim page: the service performs it; a fixable refusal shows the
    page again with the errors on that action's form. A stale page (the claim changed since it
    was drawn) says so and shows the claim as it is now."""
    if action not in ACTION_TABLE:
        raise Http404
    user = request.user
    claim = _claim_or_404(user, pk)
    if request.method != "POST":
        return redirect("claim-detail", pk=claim.pk)
    if not _may_ever(user, claim, action):
        raise PermissionDenied
    if action not in claim_services.allowed_actions(user, claim) & set(ACTIONS):
        messages.error(request, _("This is no longer possible: the claim is now “%(status)s”.") % {
            "status": claim.get_status_display()})
        return redirect("claim-detail", pk=claim.pk)
    form_class, perform, done = ACTION_TABLE[action]
    form = form_class(request.POST, request.FILES, claim=claim)
    stale = False
    if form.is_valid():
        try:
            with transaction.atomic():
                perform(user, claim, form.cleaned_data)
        except FIXABLE_ERRORS as exc:
            show_refusal(form, exc)
            stale = isinstance(exc, PreconditionFailed)
            if stale:
                form.data = form.data.copy()
                form.data["version"] = str(claim.version)  # what the person now sees; a resend is deliberate
        else:
            messages.success(request, str(done))
            return redirect("claim-detail", pk=claim.pk)
    return _render_claim(request, claim, bound=(action, form), stale=stale)


# --- statistics --------------------------------------------------------------------------------


def _statistics(request):
    user = request.user
    if user.role not in STATISTICS_READERS:
        raise PermissionDenied
    region = claim_selectors.statistics_region(user, request.GET.get("region"))
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else None
    return region, year, claim_selectors.claim_statistics(user, year=year, region=region)


def _percent(ratio):
    return None if ratio is None else (ratio * 100).quantize(Decimal("0.01"))


def statistics_tables(stats) -> list[dict]:
    """Every table of the statistics page, for the page and the export alike. Columns carry a
    kind (text, count, money, percent, days) the template formats by."""
    amounts = [(_("Number of claims"), "count"), (_("Claimed"), "money"), (_("Approved"), "money"), (_("Paid"), "money")]

    def breakdown(key, title, first):
        rows = [[row["key"], row["label"], row["count"], row["claimed_amount"], row["approved_amount"], row["paid_amount"]]
                for row in stats[key]]
        return {"id": key, "title": title, "columns": [(_("Code"), "code"), (first, "text"), *amounts], "rows": rows}

    tables = [
        breakdown("by_status", _("By status"), _("Status")),
        breakdown("by_section", _("By section"), _("Section")),
        breakdown("by_category", _("By incident category"), _("Incident category")),
        breakdown("by_insurer", _("By insurer"), _("Insurer")),
        breakdown("by_region", _("By region"), _("Region")),
    ]
    loss_columns = [(_("Premium"), "money"), (_("Paid"), "money"), (_("Loss ratio (%)"), "percent")]
    for dimension, title, first in (("by_insurer", _("Loss ratio by insurer"), _("Insurer")),
                                    ("by_region", _("Loss ratio by region"), _("Region")),
                                    ("by_year", _("Loss ratio by underwriting year"), _("Year"))):
        tables.append({
            "id": f"loss_{dimension}", "title": title,
            "columns": [(_("Code"), "code"), (first, "text"), *loss_columns],
            "rows": [[row["key"], row["label"], row["premium"], row["paid_amount"], _percent(row["loss_ratio"])]
                     for row in stats["loss_ratio"][dimension]],
        })
    stages = (("to_registration", _("Report to registration")), ("to_approval", _("Report to approval")),
              ("to_payment", _("Report to payment")))
    tables.append({
        "id": "durations", "title": _("Days taken"),
        "columns": [(_("Stage"), "text"), (_("Number of claims"), "count"), (_("Median (days)"), "days"),
                    (_("90th percentile (days)"), "days")],
        "rows": [[label, stats["durations"][key]["count"], stats["durations"][key]["median_days"],
                  stats["durations"][key]["p90_days"]] for key, label in stages],
    })
    overdue = stats["open_over_30_days"]
    tables.append({
        "id": "open_over_30_days", "title": _("Open for more than 30 days"),
        "columns": [(_("Number of claims"), "count"), (_("Claimed"), "money")],
        "rows": [[overdue["count"], overdue["claimed_amount"]]],
    })
    tables.append({
        "id": "insurer_evaluation", "title": _("Evaluation of the insurers' claims service"),
        "columns": [
            (_("Code"), "code"), (_("Insurer"), "text"), (_("Number of claims"), "count"), (_("Open"), "count"),
            (_("Open > 30 days"), "count"), (_("Paid"), "count"), (_("Rejected"), "count"), (_("Disputed"), "count"),
            (_("Reopened"), "count"), (_("Fast track"), "count"), (_("Withdrawn"), "count"),
            (_("Claimed"), "money"), (_("Approved"), "money"), (_("Paid amount"), "money"), (_("Premium"), "money"),
            (_("Loss ratio (%)"), "percent"), (_("Rejection rate (%)"), "percent"), (_("Dispute rate (%)"), "percent"),
            (_("Median days to registration"), "days"), (_("Median days to approval"), "days"),
            (_("Median days to payment"), "days"), (_("90th percentile days to payment"), "days"),
        ],
        "rows": [
            [e["insurer"], e["name"], e["claims"], e["open"], e["open_over_30_days"], e["paid"], e["rejected"],
             e["disputed"], e["reopened"], e["fast_track"], e["withdrawn"], e["claimed_amount"], e["approved_amount"],
             e["paid_amount"], e["premium"], _percent(e["loss_ratio"]), _percent(e["rejection_rate"]),
             _percent(e["dispute_rate"]), e["median_days_to_registration"], e["median_days_to_approval"],
             e["median_days_to_payment"], e["p90_days_to_payment"]]
            for e in stats["insurer_evaluation"]
        ],
    })
    return tables


def _page_table(table: dict, links: list) -> dict:
    """A statistics table laid out for the page: codes become row keys, not columns."""
    keep = [i for i, (_label, kind) in enumerate(table["columns"]) if kind != "code"]
    keyed = table["columns"][0][1] == "code"
    return {
        "id": table["id"],
        "title": table["title"],
        "headers": [table["columns"][i] for i in keep],
        "body": [
            {"key": row[0] if keyed else "", "link": link, "cells": [(row[i], table["columns"][i][1]) for i in keep]}
            for row, link in zip(table["rows"], links)
        ],
    }


def _stat_trail(user, region) -> list[dict]:
    crumbs = _trail(user, region)
    if user.role in (Role.ADMIN, Role.INSURER):  # their scope is not a region: every level links
        for crumb in crumbs:
            crumb["link"] = crumb["code"] != region.code
    return crumbs


@page
def claim_statistics(request):
    user = request.user
    region, year, stats = _statistics(request)
    anchor = region if region is not None else (user.region if user.role == Role.REGULATOR else None)
    drill = anchor is None or anchor.level in (RegionLevel.PROVINCE, RegionLevel.CITY)
    years = policies_for(user).prefetch_related(None).filter(
        status__in=[PolicyStatus.ACTIVE, PolicyStatus.EXPIRED]).dates("start_date", "year")
    region_code = region.code if region else ""
    year_param = f"&year={year}" if year else ""
    tables = []
    for table in statistics_tables(stats):
        links = [None] * len(table["rows"])
        if table["id"] == "by_region" and drill:  # drill down, as on the coverage page
            links = [f"{reverse('claim-statistics')}?region={row[0]}{year_param}" if row[0] != region_code else None
                     for row in table["rows"]]
        tables.append(_page_table(table, links))
    loss = stats["loss_ratio"]
    chart = {
        "statuses": [row["label"] for row in stats["by_status"]],
        "claimed": [float(row["claimed_amount"]) for row in stats["by_status"]],
        "approved": [float(row["approved_amount"]) for row in stats["by_status"]],
        "paid": [float(row["paid_amount"]) for row in stats["by_status"]],
        "insurers": [row["label"] for row in loss["by_insurer"]],
        "loss_ratio": [float(_percent(row["loss_ratio"])) if row["loss_ratio"] is not None else None
                       for row in loss["by_insurer"]],
        "categories": [row["label"] for row in stats["by_category"]],
        "category_counts": [row["count"] for row in stats["by_category"]],
        "text": {"claimed": _("Claimed"), "approved": _("Approved"), "paid": _("Paid"), "yuan": _("yuan"),
                 "loss_ratio": _("Loss ratio (%)"), "claims": _("Number of claims")},
    }
    premium = sum((row["premium"] for row in loss["by_insurer"]), Decimal("0"))
    params = {key: value for key, value in (("region", region_code), ("year", year or "")) if value}
    return render(request, "insurance/claim_statistics.html", {
        "stats": stats,
        "tables": {table["id"]: table for table in tables},
        "region": region,
        "scope_name": region.name if region else (user.region.name if user.role == Role.REGULATOR else ""),
        "region_code": region_code,
        "trail": _stat_trail(user, region),
        "country_root": user.role in (Role.ADMIN, Role.INSURER),
        "year": year,
        "years": f.year_choices(d.year for d in years),
        "premium": premium,
        "loss_ratio": _percent(stats["totals"]["paid_amount"] / premium) if premium else None,
        "chart": chart,
        "query": urlencode(params),
    })


@page
def claim_statistics_export(request):
    import openpyxl

    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        raise Http404
    region, year, stats = _statistics(request)
    tables = statistics_tables(stats)
    filename = f"claim-statistics-{region.code if region else 'all'}-{year or 'all'}-{stats['as_of']:%Y%m%d}.{fmt}"
    if fmt == "csv":
        groups = []
        for table in tables:
            groups.append([[table["title"]], [str(label) for label, _kind in table["columns"]]])
            groups.append([[("" if v is None else v) for v in row] for row in table["rows"]])
            groups.append([[]])
        content = csv_bytes(*groups)
    else:
        workbook = openpyxl.Workbook(write_only=True)
        for table in tables:
            sheet = workbook.create_sheet(str(table["title"])[:31])
            sheet.append([str(label) for label, _kind in table["columns"]])
            for row in table["rows"]:
                sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
