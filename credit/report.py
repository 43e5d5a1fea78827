"""The operation report (养老机构安全监管运行报告) of a region for a quarter or a year: the
dashboard's figures for the period, tables by child region, inspections, findings by grade, major
hazards, overdue rectifications, penalties, claims and loss ratio, the blacklist, and charts drawn
server-side (credit/charts.py). Rendered through config/pdf.py like every printable document."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone, translation

from accounts.scoping import region_q, scoped
from config.pdf import render_pdf
from credit import charts
from credit.choices import Criterion
from credit.dashboard import GRADES, LISTED, dashboard
from credit.models import BlacklistCase
from inspections.choices import PenaltyKind
from inspections.models import GRADES as FINDING_GRADES
from inspections.models import Finding, Penalty
from inspections.selectors import OPEN_FINDING_STATUSES, overdue_q
from insurance.models import Claim, ClaimStatus

LISTED_ROWS = 30  # rows of the hazard, overdue and blacklist tables; the pages have them all
SECTIONS = ["总体情况", "分地区情况", "安全检查", "检查发现问题", "重大事故隐患", "逾期未整改", "行政处罚",
            "责任保险与理赔", "失信联合惩戒对象名单"]
NUMERALS = "一二三四五六七八九十"


def _within(user, queryset, path: str, region):
    queryset = scoped(user, queryset)
    return queryset.filter(region_q(path, region.code)) if region is not None else queryset


def report_context(user, region_code=None, year=None, quarter=None, *, today=None, progress=None) -> dict:
    """Everything the template prints. `progress(message)` is told of each step (the command
    prints it)."""
    step = progress or (lambda message: None)
    step("汇总指标")
    data = dashboard(user, region_code, year, quarter=quarter, today=today)
    region, period, total = data["region"], data["period"], data["total"]
    start, end = period.bounds()
    in_period = Q(created_at__gte=start, created_at__lt=end)
    base = Finding.objects.select_related("institution", "institution__region")

    step("检查发现问题")
    found = _within(user, Finding.objects.filter(in_period), "institution__region", region)
    by_grade = dict(found.order_by().values("grade").annotate(n=Count("id")).values_list("grade", "n"))
    major_found = found.filter(is_major_hazard=True).count()
    open_findings = _within(user, base.filter(institution__is_active=True), "institution__region", region)
    major = list(open_findings.filter(is_major_hazard=True, status__in=OPEN_FINDING_STATUSES)
                 .order_by("deadline", "id")[:LISTED_ROWS])
    overdue = list(open_findings.filter(overdue_q(data["as_of"])).order_by("deadline", "id")[:LISTED_ROWS])

    step("行政处罚")
    penalties = _within(user, Penalty.objects.filter(decided_on__gte=period.start, decided_on__lte=period.end),
                        "institution__region", region)
    kinds = dict(PenaltyKind.choices)
    by_kind = [{"label": str(kinds.get(p["kind"], p["kind"])), "count": p["n"], "amount": p["amount"] or Decimal("0")}
               for p in penalties.order_by().values("kind").annotate(n=Count("id"), amount=Sum("amount"))
               .order_by("kind")]

    step("理赔")
    claims = _within(user, Claim.objects.filter(in_period), "institution__region", region)
    statuses = dict(ClaimStatus.choices)
    claims_by_status = [
        {"label": str(statuses.get(c["status"], c["status"])), "count": c["n"], "claimed": c["claimed"] or 0,
         "paid": c["paid"] or 0}
        for c in claims.order_by().values("status").annotate(n=Count("id"), claimed=Sum("claimed_amount"),
                                                             paid=Sum("paid_amount")).order_by("status")
    ]

    step("失信名单")
    listed = list(_within(user, BlacklistCase.objects.filter(status__in=LISTED), "institution__region", region)
                  .select_related("institution").order_by("listed_at", "id")[:LISTED_ROWS])
    criteria = dict(Criterion.choices)
    for case in listed:
        case.criterion_label = str(criteria.get(case.criterion, case.criterion))

    step("绘制图表")
    rows = data["rows"]
    labels = [r.name for r in rows]
    chart_rows = rows if rows else [total]
    images = {
        "coverage": charts.bar_chart(
            "各地区责任保险覆盖率（%）", [r.name for r in chart_rows],
            [("覆盖率", [float(r.insured_rate) if r.insured_rate is not None else None for r in chart_rows])],
            unit="%", maximum=100),
        "grades": charts.bar_chart(
            "信用等级分布（家）", [f"{g}级" if g else "未评级" for g in GRADES],
            [("机构数", [total.grades[g] for g in GRADES])]),
        "hazards": charts.bar_chart(
            "各地区重大事故隐患与逾期未整改（项）", labels,
            [("未消除重大事故隐患", [r.major_open for r in rows]), ("逾期未整改", [r.overdue for r in rows])]),
        "findings": charts.bar_chart(
            "本期检查发现问题按等级（项）", list(FINDING_GRADES), [("问题数", [by_grade.get(g, 0) for g in FINDING_GRADES])]),
    }
    return {
        **data,
        "title": "养老机构安全监管运行报告",
        "region_name": region.full_name or region.name if region is not None else "全国",
        "generated": timezone.localtime(),
        "sections": [f"{NUMERALS[i]}、{name}" for i, name in enumerate(SECTIONS)],
        "findings_by_grade": [(g, by_grade.get(g, 0)) for g in FINDING_GRADES],
        "findings_total": sum(by_grade.values()),
        "major_found": major_found,
        "major": major,
        "overdue_list": overdue,
        "penalties_by_kind": by_kind,
        "penalties_total": sum(p["count"] for p in by_kind),
        "fines_total": sum((p["amount"] for p in by_kind), Decimal("0")),
        "claims_by_status": claims_by_status,
        "listed": listed,
        "listed_rows": LISTED_ROWS,
        "charts": images,
    }


def report_filename(context: dict) -> str:
    period = context["period"]
    code = context["region"].code if context["region"] is not None else "all"
    return f"operation-report-{code}-{period.year}{f'Q{period.quarter}' if period.quarter else ''}.pdf"


def operation_report_pdf(user, region_code=None, year=None, quarter=None, *, today=None, progress=None):
    """(pdf bytes, filename). Labels are Chinese whatever the reader's UI language."""
    with translation.override("zh-hans"):
        context = report_context(user, region_code, year, quarter, today=today, progress=progress)
    (progress or (lambda message: None))("排版 PDF")
    return render_pdf("pdf/operation_report.html", context), report_filename(context)
