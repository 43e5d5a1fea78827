"""HTML pages of the registry. Thin: reads start from selectors, writes go through services."""

from functools import wraps

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from rest_framework import exceptions

from accounts.choices import Role
from accounts.scoping import mask, sees_personal_data
from config.errors import NotAllowed, NotFound, PreconditionFailed, ValidationFailed, error_body
from config.paging import IdsFirstPaginator
from institutions import choosers, selectors, services
from institutions.filters import InstitutionFilter, PractitionerFilter
from institutions.forms import (
    FIXABLE_ERRORS,
    ActiveForm,
    ImportUploadForm,
    InstitutionForm,
    PractitionerForm,
    add_service_errors,
    style_filter_form,
)

PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 25
PREVIEW_ROWS = 500
EXPORT_FORMATS = {"xlsx", "csv"}
# Sortable list columns: `ordering` value (a model field, "-" for descending) -> column label.
INSTITUTION_ORDERINGS = {
    "name": gettext_lazy("Name"),
    "uscc": gettext_lazy("USCC"),
    "region": gettext_lazy("Region"),
    "beds_total": gettext_lazy("Beds"),
    "level": gettext_lazy("Level"),
    "updated_at": gettext_lazy("Updated"),
}
HISTORY_ACTIONS = {
    LogEntry.Action.CREATE: gettext_lazy("Created"),
    LogEntry.Action.UPDATE: gettext_lazy("Updated"),
    LogEntry.Action.DELETE: gettext_lazy("Deleted"),
    LogEntry.Action.ACCESS: gettext_lazy("Viewed"),
}
HISTORY_HIDDEN_FIELDS = {"id", "created_at", "updated_at", "version"}
HISTORY_VALUES = {"None": "—", "True": gettext_lazy("Yes"), "False": gettext_lazy("No")}


def page(view):
    """A signed-in page on which a service's NotAllowed is a 403 and NotFound a 404, as in the API."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotAllowed as exc:
            raise PermissionDenied(str(exc.detail)) from exc
        except NotFound as exc:
            raise Http404(str(exc.detail)) from exc

    return wrapper


def _require_registry_keeper(user) -> None:
    if user.role not in services.REGISTRY_KEEPERS:
        raise PermissionDenied


def _institution_or_404(user, pk):
    institution = selectors.institution_detail_for(user, pk)
    if institution is None:
        raise Http404
    return institution


def paginate(request, queryset, per_page=PAGE_SIZE):
    return IdsFirstPaginator(queryset, per_page).get_page(request.GET.get("page"))


def _with_personal_data(user, practitioners):
    """Attach ID and phone numbers as this user may see them, and whether they may edit the job."""
    clear = sees_personal_data(user)
    for p in practitioners:
        p.id_display = p.person.id_number if clear else mask(p.person.id_number)
        p.phone_display = p.person.phone if clear else mask(p.person.phone)
        p.can_edit = services.may_keep_staff(user, p.institution)
    return practitioners


@page
def home(request):
    user = request.user
    return render(request, "home.html", {
        "summary": selectors.registry_summary(user),
        "may_register": user.role in services.REGISTRY_KEEPERS,
    })


def _filtered_institutions(request):
    """The list's queryset: scoped, filtered by the shared FilterSet, ordered by a whitelisted column."""
    filterset = InstitutionFilter(request.GET, queryset=selectors.institutions_for(request.user), request=request)
    ordering = request.GET.get("ordering", "name")
    if ordering.lstrip("-") not in INSTITUTION_ORDERINGS:
        ordering = "name"
    # An invalid filter shows its error and no rows, rather than silently showing everything.
    queryset = filterset.qs.order_by(ordering, "pk") if filterset.is_valid() else filterset.queryset.none()
    return filterset, queryset, ordering


@page
def institution_list(request):
    filterset, queryset, ordering = _filtered_institutions(request)
    style_filter_form(filterset, request.user)
    columns = {
        key: {
            "key": key,
            "label": label,
            "next": f"-{key}" if ordering == key else key,  # a second click reverses
            "sorted": "asc" if ordering == key else "desc" if ordering == f"-{key}" else "",
        }
        for key, label in INSTITUTION_ORDERINGS.items()
    }
    # updated_since is for API clients polling for changes; people filter by the rest.
    advanced = [name for name in filterset.form.fields if name not in ("q", "region", "updated_since")]
    return render(request, "institutions/institution_list.html", {
        "filter": filterset,
        "page_obj": paginate(request, queryset),
        "columns": columns,
        "advanced_fields": [filterset.form[name] for name in advanced],
        "advanced_open": any(request.GET.get(name) for name in advanced),
        "filtered": any(request.GET.get(name) for name in filterset.form.fields),
        "may_register": request.user.role in services.REGISTRY_KEEPERS,
    })


@page
def institution_export(request):
    from institutions.importing import export_institutions

    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        raise Http404
    _filterset, queryset, _ordering = _filtered_institutions(request)
    content, content_type, filename = export_institutions(queryset, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _detail_tabs(user):
    tabs = [("overview", _("Overview")), ("equipment", _("Special equipment")), ("practitioners", _("Practitioners"))]
    if user.role in services.REGISTRY_KEEPERS:
        tabs.append(("history", _("History")))
    return tabs


def _change_rows(entry, model):
    """(label, old, new) for the fields a person cares about; auditlog also logs keys, timestamps
    and reverse relations, and on creation every empty field."""
    shown = entry.changes_display_dict  # choice labels, FK names, localised dates
    changed = entry.changes_dict
    rows = []
    for field in model._meta.concrete_fields:  # in the model's order, not the log's
        if field.name not in changed or field.name in HISTORY_HIDDEN_FIELDS:
            continue
        old, new = (HISTORY_VALUES.get(str(v), v) for v in shown.get(field.verbose_name, ("", ""))[:2])
        if entry.action == LogEntry.Action.CREATE and new in ("", "—"):
            continue
        rows.append((field.verbose_name, old, new))
    return rows


def _history_rows(entries):
    for entry in entries:
        model = entry.content_type.model_class()
        entry.action_label = HISTORY_ACTIONS.get(entry.action, entry.get_action_display())
        entry.object_label = f"{model._meta.verbose_name}: {entry.object_repr}"
        entry.change_rows = _change_rows(entry, model)
    return entries


@page
def institution_detail(request, pk):
    user = request.user
    institution = _institution_or_404(user, pk)
    tabs = _detail_tabs(user)
    tab = request.GET.get("tab", "overview")
    if tab not in dict(tabs):
        tab = "overview"
    context = {
        "institution": institution,
        "tabs": tabs,
        "tab": tab,
        "today": timezone.localdate(),
        "may_edit": bool(services.institution_fields_editable_by(user, institution)),
        "may_set_active": user.role in services.REGISTRY_KEEPERS,
        "may_keep_staff": services.may_keep_staff(user, institution),
        "active_form": ActiveForm(initial={"version": institution.version}),
    }
    if tab == "practitioners":
        # Current staff first: NULL end dates sort first on SQLite but last on PostgreSQL unless told.
        staff = selectors.practitioners_for(user).filter(institution=institution).order_by(
            F("ended_on").asc(nulls_first=True), "role", "pk"
        )
        context["practitioners"] = _with_personal_data(user, list(staff))
    elif tab == "history":
        history = paginate(request, selectors.institution_history(institution), HISTORY_PAGE_SIZE)
        _history_rows(history.object_list)
        context["page_obj"] = history
    return render(request, "institutions/institution_detail.html", context)


@page
def institution_create(request):
    _require_registry_keeper(request.user)
    form = InstitutionForm(request.POST or None, user=request.user, editable=services.INSTITUTION_FIELDS)
    if request.method == "POST" and form.is_valid():
        try:
            institution = services.create_institution(actor=request.user, data=form.service_data())
        except FIXABLE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Registered %(name)s.") % {"name": institution.name})
            return redirect("institution-detail", pk=institution.pk)
    return render(request, "institutions/institution_form.html", {"form": form})


@page
def institution_edit(request, pk):
    user = request.user
    institution = _institution_or_404(user, pk)
    editable = services.institution_fields_editable_by(user, institution)
    if not editable:
        raise PermissionDenied
    form = InstitutionForm(request.POST or None, instance=institution, user=user, editable=editable)
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            services.update_institution(
                actor=user, institution_id=institution.pk, data=form.service_data(),
                expected_version=form.cleaned_data["version"],
            )
        except FIXABLE_ERRORS as exc:
            add_service_errors(form, exc)
            stale = isinstance(exc, PreconditionFailed)
        else:
            messages.success(request, _("Saved."))
            return redirect("institution-detail", pk=institution.pk)
    return render(request, "institutions/institution_form.html", {"form": form, "institution": institution, "stale": stale})


@require_POST
@page
def institution_set_active(request, pk, active: bool):
    institution = _institution_or_404(request.user, pk)
    form = ActiveForm(request.POST)
    form.is_valid()
    try:
        services.set_institution_active(
            actor=request.user, institution_id=institution.pk, active=active,
            reason=form.cleaned_data.get("reason", ""), expected_version=form.cleaned_data.get("version"),
        )
    except FIXABLE_ERRORS as exc:
        messages.error(request, str(getattr(exc, "detail", exc)))
    else:
        messages.success(request, _("Reactivated.") if active else _("Deactivated."))
    return redirect("institution-detail", pk=institution.pk)


@page
def my_institution(request):
    if request.user.role != Role.INSTITUTION or not request.user.institution_id:
        raise Http404
    return redirect("institution-detail", pk=request.user.institution_id)


@page
def practitioner_list(request):
    user = request.user
    filterset = PractitionerFilter(request.GET, queryset=selectors.practitioners_for(user), request=request)
    style_filter_form(filterset, user)
    queryset = filterset.qs.order_by("institution__name", "role", "pk") if filterset.is_valid() else filterset.queryset.none()
    page_obj = paginate(request, queryset)
    _with_personal_data(user, page_obj.object_list)
    institution = None
    if filterset.is_valid() and filterset.form.cleaned_data.get("institution"):
        institution = selectors.institutions_for(user).filter(pk=filterset.form.cleaned_data["institution"]).first()
    elif user.role == Role.INSTITUTION:
        institution = user.institution
    return render(request, "institutions/practitioner_list.html", {
        "filter": filterset,
        "page_obj": page_obj,
        "institution": institution,
        "may_add": institution is not None and services.may_keep_staff(user, institution),
        "filtered": any(request.GET.get(name) for name in ("q", "role", "current")),
    })


@page
def practitioner_create(request):
    user = request.user
    institution_id = request.GET.get("institution") or user.institution_id
    if not str(institution_id or "").isdigit():
        raise Http404
    institution = _institution_or_404(user, int(institution_id))
    if not services.may_keep_staff(user, institution):
        raise PermissionDenied
    form = PractitionerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_practitioner(
                actor=user, institution_id=institution.pk, name=form.cleaned_data["name"],
                id_number=form.cleaned_data["id_number"], phone=form.cleaned_data["phone"], data=form.service_data(),
            )
        except FIXABLE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Added %(name)s.") % {"name": form.cleaned_data["name"]})
            return redirect(reverse("institution-detail", args=[institution.pk]) + "?tab=practitioners")
    return render(request, "institutions/practitioner_form.html", {"form": form, "institution": institution})


@page
def practitioner_edit(request, pk):
    user = request.user
    practitioner = selectors.practitioners_for(user).filter(pk=pk).first()
    if practitioner is None:
        raise Http404
    if not services.may_keep_staff(user, practitioner.institution):
        raise PermissionDenied
    form = PractitionerForm(request.POST or None, instance=practitioner)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_practitioner(
                actor=user, practitioner_id=practitioner.pk, data=form.service_data(), phone=form.cleaned_data["phone"]
            )
        except FIXABLE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("institution-detail", args=[practitioner.institution_id]) + "?tab=practitioners")
    return render(request, "institutions/practitioner_form.html", {
        "form": form, "institution": practitioner.institution, "practitioner": practitioner,
    })


@page
def institution_import(request):
    """Upload → dry-run preview with row errors → confirm (all or nothing)."""
    from institutions.importing import commit_import, preview_import, stash_upload

    user = request.user
    _require_registry_keeper(user)
    form = ImportUploadForm()
    report = token = None
    if request.method == "POST" and request.POST.get("token"):
        try:
            report = commit_import(actor=user, token=request.POST["token"])
        except (ValidationFailed, NotFound) as exc:
            # Rare: the registry changed since the preview (the failed run's report says how),
            # or the upload is gone. Nothing was imported either way.
            messages.error(request, str(exc.detail))
            report = getattr(exc, "report", None)
        else:
            counts = {action: report.counts.get(action, 0) for action in ("new", "update", "skip")}
            messages.success(
                request, _("Import complete: %(new)d new, %(update)d updated, %(skip)d unchanged.") % counts
            )
            return redirect("institution-list")
    elif request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                token = stash_upload(actor=user, uploaded_file=form.cleaned_data["file"])
                report = preview_import(actor=user, token=token)
            except ValidationFailed as exc:
                add_service_errors(form, exc)
                report = token = None
    context = {"form": form, "report": report, "token": token}
    if report is not None:
        # Rows with errors first, so they are never cut off by the preview limit.
        context["preview_rows"] = sorted(report.rows, key=lambda row: row.action != "error")[:PREVIEW_ROWS]
    return render(request, "institutions/institution_import.html", context)


@page
def import_template(request):
    from institutions.importing import template_file

    _require_registry_keeper(request.user)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        raise Http404
    content, content_type, filename = template_file(fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@require_GET
@never_cache
def institution_lookup(request):
    """JSON for static/js/institution-chooser.js: at most choosers.LOOKUP_LIMIT homes of the caller's
    scope whose name contains `q` or whose USCC is it (`active=1`: active ones only). A 403 in the
    API's error shape, not the login page, for the public and for roles without such a form."""
    user = request.user
    if not user.is_authenticated:
        refusal = exceptions.NotAuthenticated()
    elif user.role not in choosers.LOOKUP_ROLES:
        refusal = exceptions.PermissionDenied()
    else:
        rows, more = choosers.lookup(user, request.GET.get("q", ""), active_only=request.GET.get("active") == "1")
        return JsonResponse({"results": rows, "more": more})
    return JsonResponse(error_body(refusal.default_code, refusal.default_detail), status=403)
