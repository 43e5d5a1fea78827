"""HTML pages of random draws (双随机、一公开) and of the homes due for inspection.

Thin, like the registry pages: reads start from inspections.draw_selectors, writes go through
inspections.draws, and a service's refusal is shown on the form it came from."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.choices import Department
from config.errors import Conflict
from inspections import draws, rules
from inspections.choices import DrawStatus
from inspections.draw_forms import DrawForm
from inspections.draw_selectors import (
    DUE_ROLES,
    REASON_RANK,
    DrawFilter,
    DueFilter,
    DueReason,
    draw_detail_for,
    draws_for,
    due_for_inspection,
)
from inspections.models import ChecklistTemplate
from institutions.forms import FIXABLE_ERRORS, add_service_errors, style_filter_form
from institutions.importing import CONTENT_TYPES, csv_bytes
from institutions.models import Institution
from institutions.views import page, paginate

DEPARTMENT_LABELS = dict(Department.choices)
REASON_LABELS = dict(DueReason.choices)
GRADE_LABELS = {"": gettext_lazy("Not rated"), draws.BLACKLISTED: gettext_lazy("Blacklisted")}  # labels of the classes without a letter


def _require(user, roles) -> None:
    if user.role not in roles:
        raise PermissionDenied


def _draw_or_404(user, pk):
    record = draw_detail_for(user, pk)
    if record is None:
        raise Http404
    return record


# --- random draws ----------------------------------------------------------------------------------


@page
def draw_list(request):
    user = request.user
    _require(user, DUE_ROLES)
    # The list shows no teams: skip the prefetches, and leave the pools' snapshot in the database.
    queryset = draws_for(user).prefetch_related(None).defer("parameters", "institution_pool", "inspector_pool")
    filterset = DrawFilter(request.GET, queryset=queryset, request=request)
    style_filter_form(filterset, user)
    draws_shown = filterset.qs.order_by("-created_at", "-pk") if filterset.is_valid() else queryset.none()
    shown = [name for name in ("status", "period_after", "period_before") if name in filterset.form.fields]
    return render(request, "inspections/draw_list.html", {
        "filter": filterset,
        "page_obj": paginate(request, draws_shown),
        "advanced_fields": [filterset.form[name] for name in shown],
        "advanced_open": any(request.GET.get(name) for name in shown),
        "filtered": any(request.GET.get(name) for name in filterset.form.fields),
        "may_draw": user.role in draws.DRAWERS,
    })


def _grade_rates() -> list[tuple[str, object]]:
    return [(GRADE_LABELS.get(key, key), rate * 100) for key, rate in draws.default_rates_by_grade().items()]


@page
def draw_create(request):
    user = request.user
    _require(user, draws.DRAWERS)
    today = timezone.localdate()
    form = DrawForm(request.POST or None, user=user, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            record = draws.create_draw(actor=user, today=today, **form.service_kwargs())
        except FIXABLE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            result = record.parameters["result"]
            messages.success(request, _("Draw %(number)s: %(drawn)s homes drawn, %(planned)s inspections planned.") % {
                "number": record.number, "drawn": len(result["selected"]), "planned": len(result["assignments"]),
            })
            if result["unstaffed"]:
                messages.warning(request, _("%(n)s drawn homes could not be staffed: see the list below.")
                                 % {"n": len(result["unstaffed"])})
            return redirect("draw-detail", pk=record.pk)
    return render(request, "inspections/draw_form.html", {"form": form, "grade_rates": _grade_rates()})


def _detail_context(user, record, verification=None) -> dict:
    result = record.parameters.get("result", {})
    inspections = {inspection.institution_id: inspection for inspection in record.inspections.all()}
    teams: dict[int, dict] = {}
    for assignment in record.assignments.all():
        row = teams.setdefault(assignment.institution_id, {
            "institution": assignment.institution, "inspectors": [],
            "inspection": inspections.get(assignment.institution_id),
        })
        row["inspectors"].append(assignment.inspector)
    uncovered = {home: missing for home, missing in result.get("uncovered", [])}
    for home, row in teams.items():
        row["missing"] = [DEPARTMENT_LABELS.get(code, code) for code in uncovered.get(home, [])]
    unstaffed_ids = result.get("unstaffed", [])
    unstaffed = list(Institution.objects.filter(pk__in=unstaffed_ids).select_related("region").order_by("name", "pk"))
    parameters = draws.public_parameters(record)
    checklist = ChecklistTemplate.objects.filter(pk=parameters.get("checklist")).first()
    rates = [(GRADE_LABELS.get(key, key), float(value) * 100)
             for key, value in (parameters.get("rates_by_grade") or {}).items()]
    return {
        "draw": record,
        "parameters": parameters,
        "departments": [DEPARTMENT_LABELS.get(code, code) for code in parameters.get("departments") or []],
        "rate_percent": float(parameters["rate"]) * 100 if parameters.get("rate") else None,
        "rates": rates,
        "checklist": checklist,
        "rows": list(teams.values()),
        "unstaffed": unstaffed,
        "drawn": len(result.get("selected", [])),
        "pool_sizes": (len(record.institution_pool), len(record.inspector_pool)),
        "pending": record.inspections_total - record.inspections_done,
        "may_publish": user.role in draws.DRAWERS and record.status == DrawStatus.DRAWN,
        "verification": verification,
    }


@page
def draw_detail(request, pk):
    return render(request, "inspections/draw_detail.html", _detail_context(request.user, _draw_or_404(request.user, pk)))


@page
def draw_verify(request, pk):
    """Re-run the draw from its record and say whether it comes out the same."""
    record = _draw_or_404(request.user, pk)
    return render(request, "inspections/draw_detail.html",
                  _detail_context(request.user, record, verification=draws.verify_draw(record)))


@require_POST
@page
def draw_publish(request, pk):
    record = _draw_or_404(request.user, pk)
    _require(request.user, draws.DRAWERS)
    try:
        draws.publish_draw(actor=request.user, draw_id=record.pk)
    except Conflict as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("Draw %(number)s published.") % {"number": record.number})
    return redirect("draw-detail", pk=record.pk)


# --- due for inspection ------------------------------------------------------------------------------


def _due(request):
    user = request.user
    _require(user, DUE_ROLES)
    queryset = due_for_inspection(user, today=timezone.localdate())
    filterset = DueFilter(request.GET, queryset=queryset, request=request)
    return filterset, (filterset.qs if filterset.is_valid() else queryset.none())


@page
def due_list(request):
    filterset, queryset = _due(request)
    style_filter_form(filterset, request.user)
    counts = filterset.queryset.aggregate(**{
        reason: Count("pk", filter=Q(reason_rank=rank)) for reason, rank in REASON_RANK.items()
    })
    shown = [name for name in ("reason", "credit_grade", "scheduled") if name in filterset.form.fields]
    page_obj = paginate(request, queryset)
    for home in page_obj.object_list:
        home.reason_label = REASON_LABELS.get(home.reason, home.reason)
    return render(request, "inspections/due_list.html", {
        "filter": filterset,
        "page_obj": page_obj,
        "counts": [(reason, REASON_LABELS[reason], counts[reason]) for reason in REASON_RANK],
        "total": sum(counts.values()),
        "advanced_fields": [filterset.form[name] for name in shown],
        "advanced_open": any(request.GET.get(name) for name in shown),
        "filtered": any(request.GET.get(name) for name in filterset.form.fields),
        "may_draw": request.user.role in draws.DRAWERS,
        "year": timezone.localdate().year,
        "filing_days": rules.setting("filing_inspection_working_days"),
    })


@page
def due_export(request):
    """The due list as CSV (UTF-8 with BOM, so Excel shows the Chinese), with the page's filters."""
    _filterset, queryset = _due(request)
    headers = [_("Institution"), _("USCC"), _("Region"), _("Reason"), _("Filed on"), _("Last on-site inspection"),
               _("Next visit planned"), _("Credit grade"), _("Blacklisted")]
    rows = (
        [home.name, home.uscc, home.region.full_name, REASON_LABELS.get(home.reason, home.reason),
         home.filed_on.isoformat() if home.filed_on else "",
         timezone.localdate(home.last_inspected).isoformat() if home.last_inspected else "",
         home.next_scheduled.isoformat() if home.next_scheduled else "", home.credit_grade,
         _("Yes") if home.is_blacklisted else _("No")]
        for home in queryset.iterator(chunk_size=2000)
    )
    response = HttpResponse(csv_bytes([headers], rows), content_type=CONTENT_TYPES["csv"])
    filename = f"due-inspections-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
