"""Pages of the blacklist procedure: the case list (filters, CSV export), the proposal form, the case
page with its timeline, the steps its reader may take now and the PDFs. Thin: reads start from
credit.blacklist.cases_for, writes go through its services; a refusal shows on its form."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from accounts.scoping import mask
from credit import blacklist as services
from credit import blacklist_forms as f
from credit.api.blacklist import BlacklistCaseFilter
from credit.models import BlacklistEvent, BlacklistFile
from inspections.views import refuse
from institutions.forms import FIXABLE_ERRORS, style_filter_form
from institutions.importing import csv_bytes
from institutions.views import page, paginate

READERS = (Role.ADMIN, Role.REGULATOR, Role.INSTITUTION)
EVENTS = {
    "propose": gettext_lazy("Proposed"),
    "notify": gettext_lazy("Notice sent to the party"),
    "object": gettext_lazy("Objection raised"),
    "review": gettext_lazy("Objection reviewed"),
    "decide": gettext_lazy("Decided"),
    "request-removal": gettext_lazy("Early removal requested"),
    "remove": gettext_lazy("Removal request decided"),
    "expire": gettext_lazy("Listing expired"),
    "revoke": gettext_lazy("Listing revoked"),
}


def _read(user) -> None:
    if user.role not in READERS:
        raise PermissionDenied


def _filtered(request):
    filterset = BlacklistCaseFilter(request.GET, queryset=services.cases_for(request.user), request=request)
    cases = filterset.qs.order_by("-created_at", "-pk") if filterset.is_valid() else filterset.queryset.none()
    return filterset, cases


@page
def case_list(request):
    user = request.user
    _read(user)
    filterset, cases = _filtered(request)
    fields = filterset.form.fields
    for name in ("institution", "updated_since"):
        fields.pop(name, None)
    if user.role == Role.INSTITUTION:
        fields.pop("region", None)
    style_filter_form(filterset, user)
    shown = [name for name in ("status", "criterion", "subject_type") if name in fields]
    return render(request, "credit/blacklist_list.html", {
        "filter": filterset,
        "page_obj": paginate(request, cases),
        "advanced_fields": [filterset.form[name] for name in shown],
        "advanced_open": any(request.GET.get(name) for name in shown),
        "filtered": any(request.GET.get(name) for name in fields),
        "may_propose": user.role in services.REGULATORS,
        "export_query": request.GET.urlencode(),
    })


@page
def case_export(request):
    _read(request.user)
    _filterset, cases = _filtered(request)
    headers = [_("Number"), _("Institution"), _("USCC"), _("Region code"), _("Subject"), _("Practitioner"),
               _("Criterion"), _("Status"), _("Objection deadline"), _("Listed on"), _("Expected exit date"),
               _("Removed on")]
    clear = request.user.role in services.REGULATORS

    def person(case):
        if case.practitioner_id is None:
            return ""
        return f"{case.practitioner.name} {case.practitioner.id_number if clear else mask(case.practitioner.id_number)}"

    rows = ([c.number, c.institution.name, c.institution.uscc, c.institution.region_id, c.get_subject_type_display(),
             person(c), c.get_criterion_display(), c.get_status_display(), c.objection_deadline, c.listed_at,
             c.expected_exit_date, c.removed_at] for c in cases.iterator(chunk_size=500))
    content = csv_bytes([[str(h) for h in headers]], ([("" if v is None else str(v)) for v in row] for row in rows))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"blacklist-cases-{timezone.localdate():%Y%m%d}.csv")
    return response


@page
def case_propose(request):
    user = request.user
    if user.role not in services.REGULATORS:
        raise PermissionDenied
    form = f.ProposeForm(request.POST or None, request.FILES or None, user=user,
                         search=request.GET.get("institution_q", ""),
                         initial={"institution": request.GET.get("institution")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.propose_case(actor=user, proposal=services.Proposal(
                institution_id=data["institution"].pk, criterion=data["criterion"], evidence=data["evidence"],
                practitioner_id=data["practitioner"].pk if data["practitioner"] else None, files=tuple(data["files"])))
        except FIXABLE_ERRORS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Case %(number)s proposed.") % {"number": case.number})
            return redirect("blacklist-detail", pk=case.pk)
    return render(request, "credit/blacklist_propose.html", {"form": form})


def _case_or_404(user, pk):
    _read(user)
    case = services.cases_for(user).prefetch_related(
        Prefetch("events", queryset=BlacklistEvent.objects.select_related("actor").order_by("at", "id")),
        Prefetch("files", queryset=BlacklistFile.objects.order_by("uploaded_at", "id")),
    ).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def _notify(user, case, d):
    services.notify_case(actor=user, case_id=case.pk, note=d["note"], expected_version=d["version"])


def _object(user, case, d):
    services.object_case(actor=user, case_id=case.pk, statement=d["statement"], files=d["files"],
                         expected_version=d["version"])


def _review(user, case, d):
    services.review_case(actor=user, case_id=case.pk, conclusion=d["conclusion"], expected_version=d["version"])


def _decide(user, case, d):
    services.decide_case(actor=user, case_id=case.pk, outcome=d["outcome"], note=d["note"],
                         expected_version=d["version"])


def _request_removal(user, case, d):
    services.request_removal(actor=user, case_id=case.pk, grounds=d["grounds"], files=d["files"],
                             expected_version=d["version"])


def _remove(user, case, d):
    services.remove_case(actor=user, case_id=case.pk, granted=d["granted"], note=d["note"],
                         expected_version=d["version"])


def _revoke(user, case, d):
    services.revoke_case(actor=user, case_id=case.pk, reason=d["reason"], expected_version=d["version"])


# action → (form, service call, message when done)
STEPS = {
    "notify": (f.NoteForm, _notify, gettext_lazy("The notice is sent to the party.")),
    "object": (f.ObjectForm, _object, gettext_lazy("Your objection is recorded.")),
    "review": (f.ReviewForm, _review, gettext_lazy("Review recorded.")),
    "decide": (f.DecideForm, _decide, gettext_lazy("Decision recorded.")),
    "request-removal": (f.RequestRemovalForm, _request_removal, gettext_lazy("Your request is recorded.")),
    "remove": (f.RemoveForm, _remove, gettext_lazy("Decision recorded.")),
    "revoke": (f.RevokeForm, _revoke, gettext_lazy("The listing is revoked.")),
}


def _render(request, case, bound_action: str = "", bound_form=None):
    user = request.user
    actions = services.actions_for(user, case)
    initial = {"version": case.version}
    forms = {name: (bound_form if name == bound_action else STEPS[name][0](initial=initial)) for name in actions}
    person_id = None
    if case.practitioner_id:
        number = case.practitioner.id_number
        person_id = number if user.role in services.REGULATORS else mask(number)
    return render(request, "credit/blacklist_detail.html", {
        "case": case,
        "forms": forms,
        "open_action": bound_action,
        "person_id": person_id,
        "timeline": [{"label": EVENTS.get(e.action, e.action), "event": e} for e in case.events.all()],
        "files": list(case.files.all()),
        "has_notice": case.notified_at is not None,
        "has_decision": case.listed_at is not None,
        "earliest_removal": services.earliest_removal_request(case),
    })


@page
def case_detail(request, pk):
    return _render(request, _case_or_404(request.user, pk))


@page
def case_step(request, pk, action):
    if action not in STEPS:
        raise Http404
    case = _case_or_404(request.user, pk)
    if request.method != "POST":
        return redirect("blacklist-detail", pk=case.pk)
    move = next(t for t in services.TRANSITIONS if t.action == action)
    if request.user.role not in move.roles:
        raise PermissionDenied
    form_class, perform, done = STEPS[action]
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            perform(request.user, case, form.cleaned_data)
        except FIXABLE_ERRORS as exc:
            refuse(form, exc)
        else:
            messages.success(request, done)
            return redirect("blacklist-detail", pk=case.pk)
    if action not in services.actions_for(request.user, case):
        for error in form.non_field_errors() or [_("This is not possible now.")]:
            messages.error(request, error)
        return redirect("blacklist-detail", pk=case.pk)
    return _render(request, case, action, form)


@page
def case_pdf(request, pk, document):
    from config.errors import Conflict
    from credit import pdf

    case = _case_or_404(request.user, pk)
    try:
        content = pdf.build(case, document)
    except Conflict as exc:
        raise Http404(str(exc.detail)) from exc
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=pdf.document_filename(case, document))
    return response


@page
def case_file(request, pk):
    _read(request.user)
    stored = BlacklistFile.objects.filter(pk=pk, case__in=services.visible_cases(request.user).values("pk")).first()
    if stored is None:
        raise Http404
    return FileResponse(stored.file.open("rb"), content_type=stored.content_type,
                        as_attachment=stored.content_type == "application/pdf",
                        filename=stored.original_name or f"file.{stored.extension}")
