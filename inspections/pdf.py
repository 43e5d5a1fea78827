"""The two printable inspection documents: the inspection record (检查记录) and the rectification
notice (整改通知书), Chinese PDFs rendered through the one helper (config.pdf.render_pdf).

Both start from `_load`, which re-reads the inspection with everything the document prints in a
fixed number of queries, whatever the number of checklist items, findings or inspectors.

An inspection without findings has no rectification notice: `rectification_notice_pdf` raises
`Conflict` (code `no_findings`), so the API answers 409 rather than printing an empty order.
"""

import base64
import io
import re
from datetime import date

from django.db.models import Count, Max, Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.choices import Department
from config.errors import Conflict
from config.pdf import cached_pdf, render_pdf
from inspections.choices import FindingScope, InspectionStatus, InspectionType, ResultOutcome, SignerKind
from inspections.models import Finding, Inspection, InspectionResult, Signature
from inspections.selectors import may_read_reason
from institutions.choices import InstitutionType, RegionLevel

RECORD = "record"
NOTICE = "notice"
TITLES = {RECORD: "检查记录", NOTICE: "整改通知书"}

# A drawn signature is printed this tall (points); its width follows the image, up to the cap.
SIGNATURE_HEIGHT = 28
SIGNATURE_MAX_WIDTH = 110


def _load(inspection: Inspection, *, full: bool) -> Inspection:
    """Everything a document prints in a fixed number of queries: the inspection with its
    institution, region and checklist, and its findings with their items (the notice: 2 queries);
    the record adds inspectors, results with their items and signatures (5 queries)."""
    prefetches = [Prefetch("findings", queryset=Finding.objects.select_related("item").order_by("id"))]
    if full:
        prefetches += [
            "inspectors",
            Prefetch("results", queryset=InspectionResult.objects.select_related("item").order_by("item__order", "id")),
            Prefetch("signatures", queryset=Signature.objects.order_by("signed_at", "id")),
        ]
    return (
        Inspection.objects.select_related("institution__region", "checklist")
        .prefetch_related(*prefetches)
        .get(pk=inspection.pk)
    )


def _labels() -> dict[str, dict[str, str]]:
    # Read in Chinese whatever the caller's language: the documents are official Chinese papers.
    sets = {"type": InspectionType, "outcome": ResultOutcome, "scope": FindingScope, "department": Department,
            "institution_type": InstitutionType}
    with translation.override("zh-hans"):
        return {key: {code: str(label) for code, label in cls.choices} for key, cls in sets.items()}


def _place(region) -> str:
    """How a bureau names its place: a county with its city (广州市天河区, 北京市东城区), a city or a
    province alone. Region.full_name reads "广东省 广州市 天河区"."""
    parts = (region.full_name or region.name).split()
    return "".join(parts[-2:]) if region.level == RegionLevel.COUNTY else parts[-1]


def issuing_authority(region) -> str:
    """The civil-affairs bureau of the institution's region (广州市天河区民政局); a province's is a
    民政厅, except in the four municipalities (北京市民政局)."""
    place = _place(region)
    provincial = region.level == RegionLevel.PROVINCE and not place.endswith("市")
    return place + ("民政厅" if provincial else "民政局")


def reconsideration_body(region) -> str:
    """Since the 2023 revision of the Administrative Reconsideration Law, a local department's act is
    reviewed by the people's government at the same level."""
    return f"{_place(region)}人民政府"


def _local_date(moment) -> date | None:
    return timezone.localdate(moment) if moment else None


def notice_issued_on(inspection: Inspection) -> date:
    """The notice is issued when the inspection is completed; before that (a draft print), today."""
    return _local_date(inspection.completed_at) or timezone.localdate()


def notice_number(inspection: Inspection) -> str:
    """整改〔year〕第N号: the year the notice is issued, N the sequence of the inspection's own number
    (its trailing digits), or its id while it has none — stable however often it is printed."""
    digits = re.search(r"(\d+)\D*$", inspection.number or "")
    sequence = int(digits.group(1)) if digits else inspection.pk
    return f"整改〔{notice_issued_on(inspection).year}〕第{sequence}号"


def document_filename(inspection: Inspection, document: str) -> str:
    """e.g. 检查记录-JC-2026-0000012.pdf; serve it with django.utils.http.content_disposition_header,
    which encodes the Chinese name for every browser."""
    return f"{TITLES[document]}-{inspection.number or inspection.pk}.pdf"


def _signature_image(signature: Signature) -> dict | None:
    """The drawn signature (a PNG) as a data: URI with a printed size that keeps its proportions; a file
    gone missing from storage prints the name without the drawing rather than failing the record."""
    if not signature.image:
        return None
    from PIL import Image

    try:
        with signature.image.open("rb") as handle:
            data = handle.read()
        image = Image.open(io.BytesIO(data))
        width, height, kind = image.width, image.height, (image.format or "png").lower()
    except (OSError, ValueError):
        return None
    scale = SIGNATURE_HEIGHT / height
    if width * scale > SIGNATURE_MAX_WIDTH:
        scale = SIGNATURE_MAX_WIDTH / width
    return {"src": f"data:image/{kind};base64," + base64.b64encode(data).decode("ascii"),
            "width": round(width * scale), "height": round(height * scale)}


def lines(text: str) -> list[str]:
    """Multi-line text as a list of lines, each printed in its own <div>: with CJK word wrap on,
    xhtml2pdf 0.2.28 drops <br> (so |linebreaksbr would run the lines together)."""
    return [line for line in (text or "").splitlines() if line.strip()]


def _finding_rows(inspection: Inspection, labels) -> list[dict]:
    return [
        {"index": i, "description": lines(f.description), "major": f.is_major_hazard, "grade": f.grade,
         "severity": f.severity, "scope": labels["scope"].get(f.scope_of_harm, f.scope_of_harm),
         "deadline": f.deadline, "item_code": f.item.code if f.item else "",
         "legal_basis": f.legal_basis or (f.item.clause if f.item else "")}
        for i, f in enumerate(inspection.findings.all(), start=1)
    ]


def _common(inspection: Inspection, labels) -> dict:
    region = inspection.institution.region
    kind = labels["type"].get(inspection.type, inspection.type)
    return {
        "inspection": inspection,
        "institution": inspection.institution,
        "institution_type": labels["institution_type"].get(inspection.institution.type, inspection.institution.type),
        "authority": issuing_authority(region),
        "type": kind,
        # "日常" reads 日常检查 in a sentence; a label that already ends in 检查 is not doubled.
        "type_inspection": kind if kind.endswith("检查") else f"{kind}检查",
        "document_number": inspection.number or f"#{inspection.pk}",
    }


# Part of the cache key of finished records: raise it when the record's layout changes, so records
# already rendered are rendered anew.
RECORD_LAYOUT = 1


def document_pdf(inspection: Inspection, document: str, reader) -> bytes:
    """RECORD or NOTICE as `reader` may read it (the record's reason: selectors.may_read_reason)."""
    if document == RECORD:
        return inspection_record_pdf(inspection, with_reason=may_read_reason(reader))
    return rectification_notice_pdf(inspection)


def inspection_record_pdf(inspection: Inspection, *, with_reason: bool = True) -> bytes:
    """The signed record: who inspected what, every result by checklist section, findings, sign-off;
    the reason of a special or case inspection unless `with_reason` is False (the inspected home's copy).

    A completed or closed inspection's answers and signatures are final, so its record is rendered
    once per copy and kept (config.pdf.cached_pdf) until the inspection or one of its findings changes.
    """
    if inspection.status not in (InspectionStatus.COMPLETED, InspectionStatus.CLOSED):
        return _render_record(inspection, with_reason)
    findings = Finding.objects.filter(inspection=inspection).aggregate(n=Count("id"), last=Max("updated_at"))
    key = ("inspection-record", RECORD_LAYOUT, inspection.pk, inspection.version, inspection.status,
           inspection.updated_at.isoformat(), findings["n"], findings["last"] and findings["last"].isoformat(),
           with_reason)
    return cached_pdf(key, lambda: _render_record(inspection, with_reason))


def _render_record(inspection: Inspection, with_reason: bool) -> bytes:
    inspection = _load(inspection, full=True)
    labels = _labels()

    sections: dict[str, list[dict]] = {}
    counts = dict.fromkeys(ResultOutcome.values, 0)
    for result in inspection.results.all():
        item = result.item
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
        sections.setdefault(item.section, []).append(
            {"code": item.code, "text": item.text, "clause": item.clause, "major": item.is_major_hazard,
             "outcome": labels["outcome"].get(result.outcome, result.outcome), "failed": result.outcome == ResultOutcome.FAIL,
             "note": lines(result.note)}
        )

    signatures = list(inspection.signatures.all())
    signed_by = {s.user_id: s for s in signatures if s.kind == SignerKind.INSPECTOR}
    inspectors = sorted(inspection.inspectors.all(), key=lambda u: (u.department, str(u)))
    signers = []
    for user in inspectors:
        signature = signed_by.pop(user.pk, None)
        signers.append({"name": signature.name if signature else str(user),
                        "department": labels["department"].get(user.department, ""),
                        "signed_at": signature.signed_at if signature else None,
                        "image": _signature_image(signature) if signature else None})
    # An inspector who signed but has since left the team still signed this record.
    for signature in signed_by.values():
        signers.append({"name": signature.name, "department": "", "signed_at": signature.signed_at,
                        "image": _signature_image(signature)})
    representative = next((s for s in signatures if s.kind == SignerKind.REPRESENTATIVE), None)

    return render_pdf(
        "pdf/inspection_record.html",
        _common(inspection, labels) | {
            "departments": [labels["department"].get(code, code) for code in inspection.departments],
            "inspectors": [{"name": str(u), "department": labels["department"].get(u.department, "")} for u in inspectors],
            "sections": [{"name": name, "rows": rows} for name, rows in sections.items()],
            "summary": [{"label": labels["outcome"][code], "count": counts[code]} for code in ResultOutcome.values],
            "total": sum(counts.values()),
            "findings": _finding_rows(inspection, labels),
            "scopes": list(labels["scope"].values()),
            "signers": signers,
            "representative": representative and {
                "name": representative.name, "signed_at": representative.signed_at,
                "image": _signature_image(representative)},
            "reason": lines(inspection.reason) if with_reason else [],
            "conclusion": lines(inspection.conclusion),
            "generated_at": timezone.now(),
        },
    )


NO_FINDINGS = _("This inspection has no findings to rectify.")


def rectification_notice_pdf(inspection: Inspection) -> bytes:
    """The order to rectify every finding by its deadline, with the legal basis, consequences and
    remedies. Raises Conflict when the inspection found nothing."""
    inspection = _load(inspection, full=False)
    labels = _labels()
    findings = _finding_rows(inspection, labels)
    if not findings:
        raise Conflict(NO_FINDINGS, code="no_findings")
    region = inspection.institution.region
    return render_pdf(
        "pdf/rectification_notice.html",
        _common(inspection, labels) | {
            "notice_number": notice_number(inspection),
            "issued_on": notice_issued_on(inspection),
            "inspected_on": _local_date(inspection.started_at) or inspection.scheduled_for,
            "findings": findings,
            "has_major": any(f["major"] for f in findings),
            "reconsideration_body": reconsideration_body(region),
        },
    )
