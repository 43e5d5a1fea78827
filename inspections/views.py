"""HTML pages of safety inspections (issue 5): the inspection list and plan form, the inspection page
with the steps its reader may take now, the on-site logging page (answers saved as given, JSON for
static/js/inspection-logging.js and a plain POST without JavaScript), findings with rectification,
verification and escalation, penalties, the regulators' overview, and the files (photos, drawn
signatures, evidence, PDFs), each served only after a scope check.

Thin, like the insurance pages: reads start from inspections.selectors, writes go through
inspections.services, page_rules says which buttons work, and a service's refusal is shown on the
form it came from (NotAllowed → 403, NotFound → 404 through the `page` decorator)."""

import io
from collections import Counter, defaultdict
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from accounts.choices import Department, Role
from accounts.workdays import add_working_days, working_days_between
from config.errors import Conflict, DomainError, NotAllowed, NotFound, ValidationFailed, error_body
from inspections import forms as f
from inspections import overview as ov
from inspections import page_rules, rules, selectors, services
from inspections.choices import FindingStatus, InspectionStatus, InspectionType, ResultOutcome, SignerKind
from inspections.models import Finding, Inspection, InspectionPhoto, RectificationFile, Signature
from institutions.forms import FIXABLE_ERRORS, add_service_errors, style_filter_form
from institutions.importing import CONTENT_TYPES, csv_bytes
from institutions.views import page, paginate

EXPORT_FORMATS = set(CONTENT_TYPES)
ACTIVE = (InspectionStatus.PLANNED, InspectionStatus.NOTIFIED, InspectionStatus.IN_PROGRESS)
STARTED = (InspectionStatus.IN_PROGRESS, InspectionStatus.COMPLETED, InspectionStatus.CLOSED)

INSPECTION_ORDERINGS = {
    "number": gettext_lazy("Number"),
    "institution__name": gettext_lazy("Institution"),
    "scheduled_for": gettext_lazy("Date"),
    "findings_open": gettext_lazy("Open findings"),
}
FINDING_ORDERINGS = {
    "deadline": gettext_lazy("Deadline"),
    "grade": gettext_lazy("Grade"),
    "institution__name": gettext_lazy("Institution"),
    "created_at": gettext_lazy("Found"),
}
INSPECTION_EVENTS = {
    "plan": gettext_lazy("Planned"),
    "notify": gettext_lazy("Notice sent"),
    "start": gettext_lazy("Started on site"),
    "complete": gettext_lazy("Completed"),
    "close": pgettext_lazy("inspection event", "Closed"),
}
FINDING_EVENTS = {
    "record": gettext_lazy("Finding recorded"),
    "submit-rectification": gettext_lazy("Rectification submitted"),
    "verify": gettext_lazy("Rectification reviewed"),
    "overdue": gettext_lazy("Deadline passed"),
    "escalate": gettext_lazy("Escalated"),
}


# --- shared --------------------------------------------------------------------------------------


def _read(user) -> None:
    if user.role not in page_rules.INSPECTION_READERS:
        raise PermissionDenied


def _inspection_or_404(user, pk):
    _read(user)
    inspection = selectors.inspection_detail_for(user, pk)
    if inspection is None:
        raise Http404
    return inspection


def _finding_or_404(user, pk):
    _read(user)
    finding = selectors.finding_detail_for(user, pk)
    if finding is None:
        raise Http404
    return finding


def refuse(form, exc, rename: dict | None = None) -> None:
    """A service's refusal on the form: on the fields it names (renamed where the form calls them
    otherwise), and its summary above the form when that says more (insurance.views.show_refusal)."""
    if rename and getattr(exc, "fields", None):
        exc.fields = {rename.get(name, name): problems for name, problems in exc.fields.items()}
    add_service_errors(form, exc)
    detail = str(getattr(exc, "detail", ""))
    if getattr(exc, "fields", None) and detail and detail not in str(form.errors):
        form.add_error(None, detail)


def _export(rows: list[list], headers: list, fmt: str, filename: str, sheet_title: str) -> HttpResponse:
    import openpyxl

    if fmt == "csv":
        content = csv_bytes([[str(h) for h in headers]], ([("" if v is None else v) for v in row] for row in rows))
    else:
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet(str(sheet_title)[:31])
        sheet.append([str(h) for h in headers])
        for row in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _export_format(request) -> str:
    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        raise Http404
    return fmt


def _sort_columns(orderings: dict, ordering: str) -> dict:
    """Header links for institutions/_sort_header.html: a second click reverses."""
    return {
        key: {"key": key, "label": label, "next": f"-{key}" if ordering == key else key,
              "sorted": "asc" if ordering == key else "desc" if ordering == f"-{key}" else ""}
        for key, label in orderings.items()
    }


def _file(field, content_type: str, filename: str, *, attachment: bool) -> FileResponse:
    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return FileResponse(handle, content_type=content_type, as_attachment=attachment, filename=filename)


DEPARTMENT_LABELS = dict(Department.choices)


def _departments(codes) -> list[str]:
    return [str(DEPARTMENT_LABELS.get(code, code)) for code in codes]


# --- inspection list and export ------------------------------------------------------------------


def _filtered_inspections(request):
    """Scoped, filtered and ordered. An inspector's default: their own, the ones still to do first,
    the nearest date first."""
    user = request.user
    data = request.GET.copy()
    if user.role == Role.INSPECTOR and "mine" not in data:
        data["mine"] = "true"
    filterset = f.InspectionPageFilter(data, queryset=selectors.inspections_for(user), request=request)
    ordering = request.GET.get("ordering", "")
    if ordering.lstrip("-") in INSPECTION_ORDERINGS:
        order = [ordering, "-pk"]
    elif user.role == Role.INSPECTOR:
        ordering = ""
        to_do = Case(When(status__in=ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField())
        upcoming = Case(When(status__in=ACTIVE, then=F("scheduled_for")))
        order = [to_do, upcoming.asc(nulls_last=True), "-scheduled_for", "-pk"]
    else:
        ordering = ""
        order = ["-scheduled_for", "-pk"]
    inspections = filterset.qs.order_by(*order) if filterset.is_valid() else filterset.queryset.none()
    return filterset, inspections, ordering


@page
def inspection_list(request):
    user = request.user
    _read(user)
    filterset, inspections, ordering = _filtered_inspections(request)
    form = filterset.form
    # institution is carried along from an institution's page (filter_form.html); inspector and
    # updated_since are for API clients ("assigned to me" is the page's).
    for name in ("institution", "inspector", "updated_since"):
        form.fields.pop(name, None)
    if user.role == Role.INSTITUTION:
        form.fields.pop("region", None)
    if user.role != Role.INSPECTOR:
        form.fields.pop("mine", None)
    for name in ("scheduled_after", "scheduled_before"):
        form.fields[name].widget = f.DATE
    style_filter_form(filterset, user)
    form.fields["status"].widget.attrs["size"] = 3
    shown = [name for name in ("mine", "status", "type", "scheduled_after", "scheduled_before") if name in form.fields]
    return render(request, "inspections/inspection_list.html", {
        "filter": filterset,
        "page_obj": paginate(request, inspections),
        "columns": _sort_columns(INSPECTION_ORDERINGS, ordering),
        "advanced_fields": [form[name] for name in shown],
        "advanced_open": any(request.GET.get(name) for name in shown),
        # An inspector's "assigned to me" default filters too: the empty state says so.
        "filtered": any(filterset.data.get(name) for name in form.fields),
        "may_plan": page_rules.may_plan(user),
        "today": timezone.localdate(),
        "export_query": request.GET.urlencode(),
    })


@page
def inspection_export(request):
    user = request.user
    _read(user)
    fmt = _export_format(request)
    _filterset, inspections, _ordering = _filtered_inspections(request)
    types, statuses = dict(InspectionType.choices), dict(InspectionStatus.choices)
    rows = [
        [str(i), i.institution.name, i.institution.uscc, i.institution.region_id, str(types[i.type]),
         str(statuses[i.status]), i.scheduled_for.isoformat(), "、".join(_departments(i.departments)),
         "、".join(str(u) for u in i.inspectors.all()), f"{i.checklist.code} v{i.checklist.version}",
         i.findings_total, i.findings_open, i.major_hazards]
        for i in inspections
    ]
    headers = [_("Number"), _("Institution"), _("USCC"), _("Region code"), pgettext("inspection", "Type"), _("Status"), _("Date"),
               _("Departments"), _("Inspectors"), _("Checklist"), _("Findings"), _("Open findings"),
               _("Major accident hazards")]
    return _export(rows, headers, fmt, f"inspections-{timezone.localdate():%Y%m%d}.{fmt}", _("Inspections"))


# --- planning ------------------------------------------------------------------------------------


@page
def inspection_create(request):
    user = request.user
    if not page_rules.may_plan(user):
        raise PermissionDenied
    today = timezone.localdate()
    initial = {
        "institution": request.GET.get("institution", ""),
        "scheduled_for": add_working_days(today, rules.setting("notice_working_days") + 1),
    }
    if user.role == Role.INSPECTOR:
        initial |= {"departments": [user.department], "inspectors": [user.pk]}
    # `q`: the search of the page's earlier links; the form's own box posts institution_q.
    form = f.PlanForm(request.POST or None, user=user, initial=initial,
                      search=request.GET.get("institution_q") or request.GET.get("q", ""))
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.plan_inspection(actor=user, plan=form.plan())
        except FIXABLE_ERRORS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Inspection %(number)s planned.") % {"number": inspection.number})
            return redirect("inspection-detail", pk=inspection.pk)
    return render(request, "inspections/inspection_form.html", {
        "form": form, "notice_days": rules.setting("notice_working_days"),
    })


# --- inspection page and its steps ---------------------------------------------------------------


def _result_summary(inspection, results) -> dict:
    counts = Counter(result.outcome for result in results)
    total = selectors.checklist_items_of(inspection).count()
    answered = len(results)
    return {
        "total": total, "answered": answered, "unanswered": max(total - answered, 0),
        "pass": counts[ResultOutcome.PASS], "fail": counts[ResultOutcome.FAIL],
        "not_applicable": counts[ResultOutcome.NOT_APPLICABLE],
        "percent": round(answered * 100 / total) if total else 0,
    }


def _inspection_timeline(inspection) -> list[dict]:
    statuses = dict(InspectionStatus.choices)
    return [
        {"at": e.at, "action": e.action, "label": INSPECTION_EVENTS.get(e.action, e.action), "actor": e.actor,
         "to": statuses.get(e.to_status, e.to_status), "note": e.note}
        for e in inspection.events.all()
    ]


def _render_detail(request, inspection, **bound):
    user = request.user
    actions = page_rules.inspection_actions(user, inspection)
    results = list(inspection.results.all())
    findings = list(inspection.findings.all())
    version = {"version": inspection.version}
    return render(request, "inspections/inspection_detail.html", {
        "inspection": inspection,
        "actions": actions,
        "may_log": page_rules.may_log(user, inspection),
        "is_institution": user.role == Role.INSTITUTION,
        "may_read_reason": selectors.may_read_reason(user),
        "departments": _departments(inspection.departments),
        "team": list(inspection.inspectors.all()),
        "summary": _result_summary(inspection, results),
        "failed": [r for r in results if r.outcome == ResultOutcome.FAIL],
        "findings": findings,
        "signatures": list(inspection.signatures.all()),
        "timeline": _inspection_timeline(inspection),
        "missing": services.missing_for_completion(inspection) if "complete" in actions else [],
        "has_record": inspection.status in STARTED,
        "has_notice": bool(findings) and inspection.status in STARTED,
        "today": timezone.localdate(),
        "notify_form": bound.get("notify_form") or f.StepForm(initial=version),
        "start_form": bound.get("start_form") or f.StepForm(initial=version),
        "complete_form": bound.get("complete_form") or f.CompleteForm(initial=version),
        "close_form": bound.get("close_form") or f.StepForm(initial=version),
    })


@page
def inspection_detail(request, pk):
    return _render_detail(request, _inspection_or_404(request.user, pk))


def _notify(user, inspection, data):
    services.notify_inspection(actor=user, inspection_id=inspection.pk, note=data["note"], expected_version=data["version"])


def _start(user, inspection, data):
    services.start_inspection(actor=user, inspection_id=inspection.pk, note=data["note"], expected_version=data["version"])


def _complete(user, inspection, data):
    services.complete_inspection(actor=user, inspection_id=inspection.pk, conclusion=data["conclusion"],
                                 expected_version=data["version"])


def _close(user, inspection, data):
    services.close_inspection(actor=user, inspection_id=inspection.pk, note=data["note"], expected_version=data["version"])


# step → (form, service call, message when done)
STEPS = {
    "notify": (f.StepForm, _notify, gettext_lazy("The notice is sent to the institution.")),
    "start": (f.StepForm, _start, gettext_lazy("The inspection has started: record it item by item.")),
    "complete": (f.CompleteForm, _complete, gettext_lazy("The inspection is completed.")),
    "close": (f.StepForm, _close, gettext_lazy("The inspection is closed.")),
}


@page
def inspection_step(request, pk, action):
    """notify / start / complete / close. A refusal shows the page it came from again, with the errors
    on that step's form (the logging page posts `complete` too)."""
    if action not in STEPS:
        raise Http404
    inspection = _inspection_or_404(request.user, pk)
    if request.method != "POST":
        return redirect("inspection-detail", pk=inspection.pk)
    if not page_rules.may_ever(services.INSPECTION_TRANSITIONS, action, request.user.role):
        raise PermissionDenied
    form_class, perform, done = STEPS[action]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            perform(request.user, inspection, form.cleaned_data)
        except FIXABLE_ERRORS as exc:
            refuse(form, exc)
        else:
            messages.success(request, done)
            target = "inspection-log" if action == "start" else "inspection-detail"
            return redirect(target, pk=inspection.pk)
    if request.POST.get("from") == "log" and page_rules.may_log(request.user, inspection):
        return _render_log(request, inspection, complete_form=form)
    if action not in page_rules.inspection_actions(request.user, inspection):
        # The page would not show this step's form (the state moved on): say why above the page.
        for error in form.non_field_errors() or [_("This is not possible now.")]:
            messages.error(request, error)
        return redirect("inspection-detail", pk=inspection.pk)
    return _render_detail(request, inspection, **{f"{action}_form": form})


# --- on site -------------------------------------------------------------------------------------


def _finding_form(item, deadlines, bound=None):
    """The quick finding form of a failed item: the refused one again, or one prefilled from the
    item (its requirement, clause and major-hazard flag) with the default deadline of severity 2."""
    if bound is not None and bound.data.get("item") == str(item.pk):
        bound.auto_id = f"f{item.pk}_%s"
        return bound
    return f.FindingForm(auto_id=f"f{item.pk}_%s", initial={
        "item": item.pk, "description": _("Not met: %(requirement)s") % {"requirement": item.text},
        "legal_basis": item.clause, "is_major_hazard": item.is_major_hazard, "deadline": deadlines[2],
    })


def _sections(items, results, photos, findings, deadlines, bound_finding):
    """The combined checklist grouped by section, each item with its answer, photos and findings,
    and a finding form where the item failed."""
    sections: dict[str, list] = {}
    for item in items:
        # Names of their own: `results` and `findings` are the item's reverse relations.
        item.answer = results.get(item.pk)
        item.taken = photos.get(item.pk, [])
        item.found = findings.get(item.pk, [])
        item.finding_form = None
        if item.answer is not None and item.answer.outcome == ResultOutcome.FAIL:
            item.finding_form = _finding_form(item, deadlines, bound_finding)
            # Open while the item has no finding yet, or when its form came back with errors.
            item.finding_open = not item.found or item.finding_form is bound_finding
        sections.setdefault(item.section, []).append(item)
    return [{"name": name, "items": rows, "answered": sum(1 for i in rows if i.answer)} for name, rows in sections.items()]


def _render_log(request, inspection, **bound):
    user = request.user
    today = timezone.localdate()
    items = list(selectors.checklist_items_of(inspection).order_by("order", "id"))
    results = {r.item_id: r for r in inspection.results.all()}
    by_result = {r.pk: r.item_id for r in results.values()}
    photos = defaultdict(list)
    for photo in inspection.photos.all():
        if photo.result_id in by_result:
            photos[by_result[photo.result_id]].append(photo)
    findings = defaultdict(list)
    for finding in inspection.findings.all():
        findings[finding.item_id].append(finding)
    signatures = list(inspection.signatures.all())
    signed = {s.user_id for s in signatures if s.kind == SignerKind.INSPECTOR}
    deadlines = {severity: rules.default_deadline(today, severity).isoformat() for severity in (1, 2, 3, 4)}
    bound_finding = bound.get("finding_form")
    summary = _result_summary(inspection, list(results.values()))
    sections = _sections(items, results, photos, findings, deadlines, bound_finding)
    # A refused form that belongs to no failed item on the page comes back at the bottom.
    attached = any(item.finding_form is bound_finding for section in sections for item in section["items"])
    general = bound_finding if bound_finding is not None and not attached else None
    return render(request, "inspections/inspection_log.html", {
        "inspection": inspection,
        "sections": sections,
        "summary": summary,
        "outcomes": ResultOutcome.choices,
        "finding_action": reverse("inspection-finding-create", args=[inspection.pk]),
        # The form the script clones for an item failed on this page (inspection-logging.js).
        "finding_template": f.FindingForm(auto_id="tpl_%s", initial={"deadline": deadlines[2]}),
        "general_form": general or f.FindingForm(auto_id="general_%s", initial={"deadline": deadlines[2]}),
        "general_open": general is not None,
        "general_findings": findings.get(None, []),
        "deadlines": {str(k): v for k, v in deadlines.items()},
        "text": {"not_met": _("Not met: %(requirement)s")},
        "team": [{"user": u, "signed": u.pk in signed} for u in inspection.inspectors.all()],
        "may_sign": user.role == Role.INSPECTOR and user.pk not in signed,
        "representative": next((s for s in signatures if s.kind == SignerKind.REPRESENTATIVE), None),
        "sign_form": bound.get("sign_form") or f.SignForm(),
        "missing": services.missing_for_completion(inspection),
        "complete_form": bound.get("complete_form") or f.CompleteForm(initial={"version": inspection.version}),
    })


def _on_site(request, pk):
    """(inspection, None) when `request.user` may record it now; (inspection, a redirect to its page)
    for a team member before the start or after the end; 403 for anyone else."""
    inspection = _inspection_or_404(request.user, pk)
    if page_rules.may_log(request.user, inspection):
        return inspection, None
    if request.user.role in services.ON_SITE and page_rules.is_assigned(request.user, inspection):
        messages.info(request, _("Results are recorded while the inspection is in progress."))
        return inspection, redirect("inspection-detail", pk=inspection.pk)
    raise PermissionDenied


@page
def inspection_log(request, pk):
    inspection, elsewhere = _on_site(request, pk)
    return elsewhere or _render_log(request, inspection)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _json_error(exc: DomainError) -> JsonResponse:
    return JsonResponse(error_body(exc.code, exc.detail, exc.fields), status=exc.status_code)


def _back_to_item(pk, item_id) -> HttpResponse:
    return redirect(f"{reverse('inspection-log', args=[pk])}#item-{item_id}" if item_id else reverse("inspection-log", args=[pk]))


@page
@require_POST
def inspection_results(request, pk):
    """One answer (item, outcome, note), saved at once. JSON for the page's script: 200 with the
    progress, 400 (not on this checklist / bad input), 403, 404, 409 (not in progress); without
    JavaScript a redirect back to the item."""
    form = f.ResultForm(request.POST)
    item_id = request.POST.get("item", "")
    try:
        if not form.is_valid():
            raise ValidationFailed(_("Choose pass, fail or not applicable."),
                                            fields={k: [str(m) for m in v] for k, v in form.errors.items()})
        result = services.record_result(actor=request.user, inspection_id=pk, item_id=form.cleaned_data["item"],
                                        outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"])
    except DomainError as exc:
        if _wants_json(request):
            return _json_error(exc)
        if isinstance(exc, NotFound):
            raise
        if isinstance(exc, NotAllowed):
            raise PermissionDenied(str(exc.detail)) from exc
        messages.error(request, exc.detail)
        return _back_to_item(pk, item_id if item_id.isdigit() else "")
    if _wants_json(request):
        answered = result.inspection.results.count()
        total = selectors.checklist_items_of(result.inspection).count()
        return JsonResponse({"item": result.item_id, "outcome": result.outcome, "note": result.note,
                             "answered": answered, "total": total,
                             "answered_at": timezone.localtime(result.answered_at).isoformat()})
    return _back_to_item(pk, result.item_id)


@page
@require_POST
def inspection_finding_create(request, pk):
    inspection, elsewhere = _on_site(request, pk)
    if elsewhere:
        return elsewhere
    form = f.FindingForm(request.POST)
    if form.is_valid():
        try:
            finding = services.record_finding(actor=request.user, inspection_id=inspection.pk, data=form.finding_data())
        except FIXABLE_ERRORS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Finding recorded: grade %(grade)s, rectify by %(deadline)s.") % {
                "grade": finding.grade, "deadline": finding.deadline.isoformat()})
            return _back_to_item(inspection.pk, finding.item_id)
    inspection = _inspection_or_404(request.user, pk)  # again: with what the refusal may have changed
    return _render_log(request, inspection, finding_form=form)


@page
@require_POST
def inspection_photo_upload(request, pk):
    """A photo of an answered item (or of a finding). JSON with the thumbnail's address for the
    script; without JavaScript back to the item."""
    form = f.PhotoForm(request.POST, request.FILES)
    item_id = request.POST.get("item", "")
    try:
        if not form.is_valid():
            raise ValidationFailed(_("Choose a photo."), fields={"photo": [_("This field is required.")]})
        data = form.cleaned_data
        photo = services.upload_photo(actor=request.user, inspection_id=pk, uploaded=data["photo"], item_id=data["item"],
                                      finding_id=data["finding"], caption=data["caption"])
    except DomainError as exc:
        if _wants_json(request):
            return _json_error(exc)
        if isinstance(exc, NotFound):
            raise
        if isinstance(exc, NotAllowed):
            raise PermissionDenied(str(exc.detail)) from exc
        messages.error(request, exc.detail)
        return _back_to_item(pk, item_id if item_id.isdigit() else "")
    if _wants_json(request):
        return JsonResponse({"id": photo.pk, "url": reverse("inspection-photo", args=[photo.pk]), "item": data["item"]})
    messages.success(request, _("Photo saved."))
    return _back_to_item(pk, data["item"])


@page
@require_POST
def inspection_sign(request, pk):
    inspection, elsewhere = _on_site(request, pk)
    if elsewhere:
        return elsewhere
    form = f.SignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.sign_inspection(actor=request.user, inspection_id=inspection.pk, kind=data["kind"],
                                     name=data["name"], image=data["image_data"])
        except FIXABLE_ERRORS as exc:
            refuse(form, exc, {"image": "image_data"})
        else:
            messages.success(request, _("Signed."))
            return redirect(f"{reverse('inspection-log', args=[inspection.pk])}#sign-off")
    inspection = _inspection_or_404(request.user, pk)
    return _render_log(request, inspection, sign_form=form)


# --- files: photos, signatures, PDFs -------------------------------------------------------------


def _visible_inspection_ids(user):
    return selectors.visible_inspections(user, Inspection.objects.all()).values("pk")


@page
def inspection_photo(request, pk):
    _read(request.user)
    photo = InspectionPhoto.objects.filter(pk=pk, inspection__in=_visible_inspection_ids(request.user)).first()
    if photo is None:
        raise Http404
    return _file(photo.file, "image/jpeg", f"photo-{photo.pk}.jpg", attachment=False)


@page
def inspection_signature(request, pk):
    _read(request.user)
    signature = Signature.objects.filter(pk=pk, inspection__in=_visible_inspection_ids(request.user)).first()
    if signature is None or not signature.image:
        raise Http404
    return _file(signature.image, "image/png", f"signature-{signature.pk}.png", attachment=False)


@page
def inspection_pdf(request, pk, document):
    """检查记录 / 整改通知书 (`document` is inspections.pdf.RECORD or NOTICE), printed on request. The
    notice exists once there are findings."""
    from inspections import pdf

    inspection = _inspection_or_404(request.user, pk)
    if inspection.status not in STARTED:
        raise Http404
    try:
        content = pdf.document_pdf(inspection, document, request.user)
    except Conflict as exc:
        messages.info(request, exc.detail)
        return redirect("inspection-detail", pk=inspection.pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=pdf.document_filename(inspection, document))
    return response


# --- findings ------------------------------------------------------------------------------------


def _filtered_findings(request):
    user = request.user
    data = request.GET.copy()
    if not ({"open", "status", "overdue"} & set(data)):
        data["open"] = "true"  # a work list: what still needs doing, unless asked otherwise
    filterset = f.FindingPageFilter(data, queryset=selectors.findings_for(user), request=request)
    ordering = request.GET.get("ordering", "deadline")
    if ordering.lstrip("-") not in FINDING_ORDERINGS:
        ordering = "deadline"
    findings = filterset.qs.order_by(ordering, "pk") if filterset.is_valid() else filterset.queryset.none()
    return filterset, findings, ordering


@page
def finding_list(request):
    user = request.user
    _read(user)
    filterset, findings, ordering = _filtered_findings(request)
    form = filterset.form
    for name in ("institution", "inspection", "updated_since"):
        form.fields.pop(name, None)
    if user.role == Role.INSTITUTION:
        form.fields.pop("region", None)
    style_filter_form(filterset, user)
    for name in ("status", "grade"):
        form.fields[name].widget.attrs["size"] = 3
    shown = [name for name in ("open", "overdue", "is_major_hazard", "status", "grade", "severity") if name in form.fields]
    page_obj = paginate(request, findings)
    today = timezone.localdate()
    for finding in page_obj:
        finding.is_overdue = selectors.is_overdue(finding, today)
    return render(request, "inspections/finding_list.html", {
        "filter": filterset,
        "page_obj": page_obj,
        "columns": _sort_columns(FINDING_ORDERINGS, ordering),
        "advanced_fields": [form[name] for name in shown],
        "advanced_open": any(request.GET.get(name) for name in shown if name != "open"),
        "filtered": any(request.GET.get(name) for name in form.fields),
        "export_query": request.GET.urlencode(),
    })


@page
def finding_export(request):
    _read(request.user)
    fmt = _export_format(request)
    _filterset, findings, _ordering = _filtered_findings(request)
    today = timezone.localdate()
    statuses, yes, no = dict(FindingStatus.choices), _("Yes"), _("No")
    rows = [
        [fi.inspection.number, fi.institution.name, fi.institution.uscc, fi.institution.region_id,
         fi.item.code if fi.item else "", fi.description, fi.grade, fi.severity, fi.get_scope_of_harm_display(),
         yes if fi.is_major_hazard else no, fi.deadline.isoformat(), str(statuses[fi.status]),
         yes if selectors.is_overdue(fi, today) else no, fi.legal_basis]
        for fi in findings
    ]
    headers = [_("Inspection"), _("Institution"), _("USCC"), _("Region code"), _("Item"), _("Description"), _("Grade"),
               _("Severity"), _("Scope"), _("Major accident hazard"), _("Deadline"), _("Status"), _("Overdue"),
               _("Legal basis")]
    return _export(rows, headers, fmt, f"findings-{today:%Y%m%d}.{fmt}", _("Findings"))


def _finding_timeline(finding) -> list[dict]:
    statuses = dict(FindingStatus.choices)
    return [
        {"at": e.at, "action": e.action, "label": FINDING_EVENTS.get(e.action, e.action), "actor": e.actor,
         "to": statuses.get(e.to_status, e.to_status), "note": e.note}
        for e in finding.events.all()
    ]


def _render_finding(request, finding, **bound):
    user = request.user
    today = timezone.localdate()
    actions = page_rules.finding_actions(user, finding)
    photos = InspectionPhoto.objects.filter(
        Q(finding=finding) | Q(result__inspection_id=finding.inspection_id, result__item_id=finding.item_id)
        if finding.item_id else Q(finding=finding)
    ).order_by("uploaded_at", "id")
    live = finding.status in (FindingStatus.OPEN, FindingStatus.SUBMITTED, FindingStatus.OVERDUE)
    days_left = working_days_between(today, finding.deadline) if live else None
    version = {"version": finding.version}
    return render(request, "inspections/finding_detail.html", {
        "finding": finding,
        "actions": actions,
        "is_overdue": selectors.is_overdue(finding, today),
        "days_left": days_left,
        "days_late": -days_left if days_left is not None and days_left < 0 else 0,
        "photos": list(photos),
        "rectifications": list(finding.rectifications.all()),
        "escalations": list(finding.escalations.select_related("penalty", "actor")),
        "timeline": _finding_timeline(finding),
        "today": today,
        "rectify_form": bound.get("rectify_form") or f.RectificationForm(initial=version),
        "verify_form": bound.get("verify_form") or f.VerifyForm(initial=version),
        "escalate_form": bound.get("escalate_form") or f.EscalateForm(initial={
            **version, "decided_on": today, "legal_basis": finding.legal_basis}),
        "open_form": next(iter(bound), ""),
    })


@page
def finding_detail(request, pk):
    return _render_finding(request, _finding_or_404(request.user, pk))


def _rectify(user, finding, data):
    services.submit_rectification(actor=user, finding_id=finding.pk, plan=data["plan"], evidence_note=data["evidence_note"],
                                  files=data["files"], expected_version=data["version"])


def _verify(user, finding, data):
    services.verify_rectification(actor=user, finding_id=finding.pk, accepted=data["decision"] == "accept",
                                  note=data["note"], expected_version=data["version"])


def _escalate(user, finding, data, form):
    services.escalate_finding(
        actor=user, finding_id=finding.pk, kind=data["kind"], note=data["note"], penalty=form.penalty_or_none(),
        blacklist_criterion=data["blacklist_criterion"], document=data["document"] or None,
        expected_version=data["version"],
    )


# action → (form, form name on the page, service call, message when done)
FINDING_STEPS = {
    "rectify": (f.RectificationForm, "rectify_form", _rectify, gettext_lazy("Rectification submitted for review.")),
    "verify": (f.VerifyForm, "verify_form", _verify, gettext_lazy("Decision recorded.")),
    "escalate": (f.EscalateForm, "escalate_form", _escalate, gettext_lazy("The finding is escalated.")),
}

FINDING_TRANSITION_OF = {"rectify": "submit-rectification", "verify": "verify", "escalate": "escalate"}


@page
def finding_step(request, pk, action):
    if action not in FINDING_STEPS:
        raise Http404
    finding = _finding_or_404(request.user, pk)
    if request.method != "POST":
        return redirect("finding-detail", pk=finding.pk)
    if not page_rules.may_ever(services.FINDING_TRANSITIONS, FINDING_TRANSITION_OF[action], request.user.role):
        raise PermissionDenied
    form_class, form_name, perform, done = FINDING_STEPS[action]
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            if action == "escalate":
                perform(request.user, finding, form.cleaned_data, form)
            else:
                perform(request.user, finding, form.cleaned_data)
        except FIXABLE_ERRORS as exc:
            # The form already checked the escalation's kind: a "kind" the service names is the penalty's.
            refuse(form, exc, f.PENALTY_FIELD_NAMES if action == "escalate" else None)
        else:
            messages.success(request, done)
            return redirect("finding-detail", pk=finding.pk)
    if FINDING_TRANSITION_OF[action] not in page_rules.finding_actions(request.user, finding):
        for error in form.non_field_errors() or [_("This is not possible now.")]:
            messages.error(request, error)
        return redirect("finding-detail", pk=finding.pk)
    return _render_finding(request, finding, **{form_name: form})


@page
def rectification_file(request, pk):
    """Evidence, only for those who may see the finding."""
    _read(request.user)
    visible = selectors.visible_findings(request.user, Finding.objects.all()).values("pk")
    stored = RectificationFile.objects.filter(pk=pk, rectification__finding__in=visible).first()
    if stored is None:
        raise Http404
    return _file(stored.file, stored.content_type, stored.original_name or f"evidence.{stored.extension}",
                 attachment=stored.content_type == "application/pdf")


# --- penalties -----------------------------------------------------------------------------------


def _filtered_penalties(request):
    filterset = f.PenaltyPageFilter(request.GET, queryset=selectors.penalties_for(request.user), request=request)
    penalties = filterset.qs.order_by("-decided_on", "-pk") if filterset.is_valid() else filterset.queryset.none()
    return filterset, penalties


@page
def penalty_list(request):
    """Administrative penalties in scope, and for a regulator the form to record one decided
    outside an escalation (after a complaint, say)."""
    user = request.user
    _read(user)
    may_record = page_rules.may_record_penalty(user)
    form = None
    if may_record:
        form = f.PenaltyForm(request.POST or None, request.FILES or None, user=user,
                             search=request.GET.get("institution_q", ""),
                             initial={"decided_on": timezone.localdate(), "institution": request.GET.get("institution")})
    elif request.method == "POST":
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_penalty(actor=user, institution_id=data["institution"].pk, data=form.penalty_data(),
                                    document=data["document"] or None)
        except FIXABLE_ERRORS as exc:
            refuse(form, exc, f.PENALTY_FIELD_NAMES)
        else:
            messages.success(request, _("Penalty recorded."))
            return redirect("penalty-list")
    filterset, penalties = _filtered_penalties(request)
    fields = filterset.form.fields
    for name in ("institution", "finding", "updated_since"):
        fields.pop(name, None)
    if user.role == Role.INSTITUTION:
        fields.pop("region", None)
    for name in ("decided_after", "decided_before"):
        fields[name].widget = f.DATE
    style_filter_form(filterset, user)
    shown = [name for name in ("kind", "decided_after", "decided_before") if name in fields]
    return render(request, "inspections/penalty_list.html", {
        "filter": filterset,
        "page_obj": paginate(request, penalties),
        "advanced_fields": [filterset.form[name] for name in shown],
        "advanced_open": any(request.GET.get(name) for name in shown),
        "filtered": any(request.GET.get(name) for name in fields),
        "form": form,
        "form_open": request.method == "POST",
        "fine_cap": services.FINE_CAP,
        "export_query": request.GET.urlencode(),
    })


@page
def penalty_export(request):
    _read(request.user)
    fmt = _export_format(request)
    _filterset, penalties = _filtered_penalties(request)
    rows = [
        [p.document_number, p.institution.name, p.institution.uscc, p.institution.region_id, p.get_kind_display(),
         p.get_reason_code_display(), p.amount, p.decided_on.isoformat(), p.legal_basis, p.reason, p.finding_id]
        for p in penalties
    ]
    headers = [_("Decision document number"), _("Institution"), _("USCC"), _("Region code"), _("Penalty"),
               _("Violation"), _("Fine (yuan)"), _("Decision date"), _("Legal basis"), _("Facts and reason"), _("Finding")]
    return _export(rows, headers, fmt, f"penalties-{timezone.localdate():%Y%m%d}.{fmt}", _("Penalties"))


@page
def penalty_document(request, pk):
    _read(request.user)
    penalty = selectors.penalties_for(request.user).filter(pk=pk).first()
    if penalty is None or not penalty.document:
        raise Http404
    return _file(penalty.document, "application/pdf", f"{penalty.document_number}.pdf", attachment=False)


# --- overview ------------------------------------------------------------------------------------


@page
def inspection_overview(request):
    user = request.user
    region = ov.overview_region(user, request.GET.get("region"))
    data = ov.inspection_overview(user, region)
    region_code = region.code if region else ""
    chart = {
        "labels": [row.name for row in data.rows],
        "inspected": [float(row.inspected_rate) if row.inspected_rate is not None else None for row in data.rows],
        "open": [row.open_findings for row in data.rows],
        "major": [row.major_open for row in data.rows],
        "overdue": [row.overdue for row in data.rows],
        "grades": [grade for grade, _n in data.grades],
        "grade_counts": [n for _grade, n in data.grades],
        "text": {"inspected": _("Inspected this year (%)"), "open": _("Open findings"),
                 "major": _("Open major hazards"), "overdue": _("Overdue rectifications"), "findings": _("Findings")},
    }
    findings_url = reverse("finding-list")
    region_param = f"&region={region_code}" if region_code else ""
    return render(request, "inspections/overview.html", {
        "overview": data,
        "region": region,
        "region_code": region_code,
        "trail": ov.trail(user, region),
        "country_root": user.role == Role.ADMIN,
        "drill": region is None or region.level != "county",
        "chart": chart,
        "links": {
            "open": f"{findings_url}?open=true{region_param}",
            "major": f"{findings_url}?open=true&is_major_hazard=true{region_param}",
            "overdue": f"{findings_url}?overdue=true{region_param}",
        },
        "grade_url": f"{findings_url}?open=true{region_param}&grade=",
        "rate_label": _("Inspected (%)"),  # from Python: the template tags would look up "%%"
    })


@page
def inspection_overview_export(request):
    user = request.user
    fmt = _export_format(request)
    region = ov.overview_region(user, request.GET.get("region"))
    data = ov.inspection_overview(user, region)
    headers, rows = ov.overview_table(data)
    filename = f"inspection-overview-{region.code if region else 'all'}-{data.as_of:%Y%m%d}.{fmt}"
    return _export(rows, headers, fmt, filename, _("Inspection overview"))

