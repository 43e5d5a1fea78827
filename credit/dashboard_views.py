"""The regulators' dashboard page (province → city → county), its export and the operation report
download. Thin: the figures come from credit.dashboard, the report from credit.report."""

import io
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.scoping import region_in_scope
from config.errors import ValidationFailed
from credit.dashboard import GRADES, dashboard, dashboard_table, trail
from credit.report import operation_report_pdf
from institutions.choices import CreditGrade
from institutions.importing import CONTENT_TYPES, csv_bytes
from institutions.views import page

EXPORT_FORMATS = set(CONTENT_TYPES)


def _figures(request):
    """The dashboard for the query string; a bad year or quarter falls back to this year, said so."""
    params = request.GET
    try:
        return dashboard(request.user, params.get("region"), params.get("year"), quarter=params.get("quarter"))
    except ValidationFailed as exc:
        messages.error(request, str(exc.detail))
        return dashboard(request.user, params.get("region"))


def _chart(data) -> dict:
    rows = data["rows"]
    total = data["total"]
    return {
        "labels": [r.name for r in rows],
        "insured_rate": [float(r.insured_rate) if r.insured_rate is not None else None for r in rows],
        "major_open": [r.major_open for r in rows],
        "overdue": [r.overdue for r in rows],
        "grade_labels": [*CreditGrade.values, _("Not rated")],
        "grades": [total.grades[g] for g in GRADES],
        "text": {"insured_rate": _("Institutions insured (%)"), "major_open": _("Open major hazards"),
                 "overdue": _("Overdue rectifications"), "institutions": _("Institutions")},
    }


@page
def dashboard_page(request):
    user = request.user
    data = _figures(request)
    region, period = data["region"], data["period"]
    today = timezone.localdate()
    crumbs = [{**c, "link": c["code"] != (region.code if region else "") and region_in_scope(user, c["code"])}
              for c in trail(region)]
    return render(request, "credit/dashboard.html", {
        **data,
        "trail": crumbs,
        "country_root": user.role == Role.ADMIN,
        "region_code": region.code if region else "",
        "grades": [(g, data["total"].grades[g], data["total"].links.get(f"grade_{g}")) for g in GRADES],
        "chart": _chart(data),
        "years": list(range(today.year, today.year - 6, -1)),
        "quarters": [1, 2, 3, 4],
        "period_query": f"year={period.year}" + (f"&quarter={period.quarter}" if period.quarter else ""),
    })


@page
def dashboard_export(request):
    import openpyxl

    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        raise Http404
    data = _figures(request)
    headers, rows = dashboard_table(data)
    region, period = data["region"], data["period"]
    suffix = f"{period.year}" + (f"Q{period.quarter}" if period.quarter else "")
    filename = f"dashboard-{region.code if region else 'all'}-{suffix}.{fmt}"
    if fmt == "csv":
        content = csv_bytes([headers], ([("" if v is None else v) for v in r] for r in rows))
    else:
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Dashboard"))
        sheet.append(headers)
        for r in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in r])
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@page
def operation_report(request):
    params = request.GET
    try:
        content, filename = operation_report_pdf(request.user, params.get("region"), params.get("year"),
                                                 params.get("quarter") or None)
    except ValidationFailed as exc:
        return HttpResponse(str(exc.detail), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
