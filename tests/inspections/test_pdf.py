"""The inspection record (检查记录) and the rectification notice (整改通知书) print real Chinese: each
PDF is read back with pypdf and checked for what an inspector, a home and a court would look for."""

import hashlib
import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from PIL import Image, ImageDraw
from pypdf import PdfReader

from accounts.choices import Department
from config.errors import Conflict, api_exception_handler
from inspections.choices import FindingScope, ResultOutcome, SignerKind
from inspections.models import ChecklistItem, Finding, InspectionResult, Signature
from inspections.pdf import (
    NOTICE,
    RECORD,
    document_filename,
    inspection_record_pdf,
    issuing_authority,
    notice_number,
    rectification_notice_pdf,
)
from inspections.rules import grade_for
from tests.factories import region

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
OUTCOMES = {"BR-1": ResultOutcome.PASS, "NP-1": ResultOutcome.FAIL, "MH-1": ResultOutcome.NOT_APPLICABLE,
            "FS-1": ResultOutcome.FAIL, "FS-2": ResultOutcome.PASS}


def text_of(pdf: bytes) -> str:
    # Spaces and line breaks removed: a phrase may wrap at the edge of a table cell.
    return re.sub(r"\s", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def zh(label) -> str:
    """A choice label as the PDF prints it (render_pdf reads labels in Chinese), spaces removed like
    the extracted text."""
    with translation.override("zh-hans"):
        return re.sub(r"\s", "", str(label))


def drawn_signature() -> bytes:
    """A signature as the signing pad sends it: a transparent PNG with a stroke."""
    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 80), (80, 20), (150, 70), (220, 15), (290, 60)], fill=(0, 0, 0, 255), width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sign(inspection, kind, name, *, user=None, png=None):
    signature = Signature(inspection=inspection, kind=kind, user=user, name=name)
    if png:
        signature.sha256 = hashlib.sha256(png).hexdigest()
        signature.image.save("signature.png", ContentFile(png), save=False)
    signature.save()
    return signature


@pytest.fixture
def done(iw, settings, tmp_path):
    """A completed joint inspection: one result of each outcome across four sections, two findings
    (one a major fire hazard), both inspectors' signatures (one drawn) and the home's representative's."""
    settings.MEDIA_ROOT = tmp_path
    inspection = iw.plan(
        number="JC-2026-0000012", status="completed",
        started_at=datetime(2026, 12, 1, 9, 30, tzinfo=SHANGHAI), completed_at=datetime(2026, 12, 1, 11, 45, tzinfo=SHANGHAI),
        conclusion="消防通道堵塞，须立即整改。\n噎食风险评估未全覆盖。",
    )
    items = {item.code: item for item in iw.checklist.items.all()}
    for code, outcome in OUTCOMES.items():
        InspectionResult.objects.create(inspection=inspection, item=items[code], outcome=outcome,
                                        note="二楼东侧通道堆放杂物" if code == "FS-1" else "", answered_by=iw.inspector)
    Finding.objects.create(
        inspection=inspection, institution=iw.home, item=items["FS-1"], description="二楼东侧疏散通道堆放床垫等可燃物",
        legal_basis="《养老机构消防安全管理规定》第十二条", is_major_hazard=True, severity=3,
        scope_of_harm=FindingScope.PATTERN, grade=grade_for(3, FindingScope.PATTERN), deadline=date(2026, 12, 8),
    )
    Finding.objects.create(
        inspection=inspection, institution=iw.home, item=items["NP-1"], description="3名新入住老人未做噎食风险评估",
        severity=2, scope_of_harm=FindingScope.ISOLATED, grade=grade_for(2, FindingScope.ISOLATED),
        deadline=date(2027, 1, 15),
    )
    sign(inspection, SignerKind.INSPECTOR, "王检查", user=iw.inspector, png=drawn_signature())
    sign(inspection, SignerKind.INSPECTOR, "李消防", user=iw.inspector2)
    sign(inspection, SignerKind.REPRESENTATIVE, "张院长")
    return inspection


def test_record_prints_every_result_finding_and_signature(done):
    pdf = inspection_record_pdf(done)
    text = text_of(pdf)
    for phrase in [
        "广州市天河区民政局", "养老机构安全检查记录", "JC-2026-0000012", "天河康乐养老院", done.institution.uscc, "天河路1号",
        "120张", zh(Department.FIRE_RESCUE.label), zh(Department.HOUSING.label), "联合检查", "王检查", "李消防",
        "2026年12月1日", "09:30", "11:45",
        # the results, grouped by section, with the clause and the note
        "基本要求", "九防", "重大事故隐患", "消防安全", "设置安全警示标识", "入院前对老年人进行噎食风险评估",
        "GB38600-2019", "二楼东侧通道堆放杂物",
        zh(ResultOutcome.PASS.label), zh(ResultOutcome.FAIL.label), zh(ResultOutcome.NOT_APPLICABLE.label),
        # findings: description, grade letters, deadlines
        "二楼东侧疏散通道堆放床垫等可燃物", "3名新入住老人未做噎食风险评估", "2026年12月8日", "2027年1月15日",
        "消防通道堵塞，须立即整改", "张院长", "本记录一式两份",
    ]:
        assert phrase in text, phrase
    # each line of a multi-line conclusion keeps its own line (<br> is lost under CJK word wrap)
    assert "须立即整改。\n噎食风险评估" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "■" not in text
    # the summary counts each outcome: two pass, two fail, one not applicable out of five
    assert f"共检查5项：{zh(ResultOutcome.PASS.label)}2项，{zh(ResultOutcome.FAIL.label)}2项，" \
           f"{zh(ResultOutcome.NOT_APPLICABLE.label)}1项" in text
    assert "H严重程度3" in text and "D严重程度2" in text
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert f"第1页/共{pages}页" in text and f"第{pages}页/共{pages}页" in text


def test_record_embeds_the_drawn_signature(done):
    images = [image for page in PdfReader(io.BytesIO(inspection_record_pdf(done))).pages for image in page.images]
    assert [(i.image.width, i.image.height) for i in images] == [(300, 100)]


def test_record_prints_unsigned_when_nobody_signed(iw):
    inspection = iw.plan(number="JC-2026-0000013")
    text = text_of(inspection_record_pdf(inspection))
    assert text.count("（未签名）") == 3  # both inspectors and the representative
    assert "尚无检查结果" in text and "未发现问题" in text


def test_notice_orders_each_finding_with_basis_deadline_and_remedies(done):
    text = text_of(rectification_notice_pdf(done))
    for phrase in [
        "广州市天河区民政局", "整改通知书", "整改〔2026〕第12号", "天河康乐养老院：", "JC-2026-0000012",
        "二楼东侧疏散通道堆放床垫等可燃物", "【重大事故隐患】", "《养老机构消防安全管理规定》第十二条",
        "3名新入住老人未做噎食风险评估", "GB38600-2019", "5.1",  # no legal basis given: the item's clause
        "2026年12月8日前", "2027年1月15日前",
        "整改方案和整改完成的证明材料", "警告、罚款", "责令停业整顿", "失信联合惩戒对象名单", "民发〔2019〕103号",
        "六十日内向广州市天河区人民政府申请行政复议", "六个月内依法向人民法院提起行政诉讼", "（印章）",
    ]:
        assert phrase in text, phrase
    assert "■" not in text
    assert f"{grade_for(3, FindingScope.PATTERN)}2026年12月8日前" in text  # the grade letter next to its deadline
    assert "第1页/共1页" in text or "第1页/共2页" in text


def test_notice_without_findings_is_a_conflict(iw):
    inspection = iw.plan(number="JC-2026-0000014")
    with pytest.raises(Conflict) as raised:
        rectification_notice_pdf(inspection)
    response = api_exception_handler(raised.value, {})
    assert response.status_code == 409 and response.data["code"] == "no_findings"


def answered(iw, n: int):
    """A completed inspection of an n-item checklist, every item answered, a finding per fifth item."""
    template = iw.checklist
    for i in range(6, n + 1):
        ChecklistItem.objects.create(template=template, code=f"X-{i}", section=f"第{i % 4}部分", order=i, text=f"要求{i}",
                                     source="local", clause=f"地方规定第{i}条", department=Department.CIVIL_AFFAIRS)
    inspection = iw.plan()
    for item in template.items.all()[:n]:
        InspectionResult.objects.create(inspection=inspection, item=item, outcome=ResultOutcome.FAIL)
        if item.order % 5 == 0:
            Finding.objects.create(inspection=inspection, institution=iw.home, item=item, description="问题",
                                   severity=1, scope_of_harm=FindingScope.ISOLATED, grade="A", deadline=date(2026, 12, 31))
    return inspection


def queries_to_render(inspection, render) -> int:
    with CaptureQueriesContext(connection) as captured:
        render(inspection)
    return len(captured)


@pytest.mark.parametrize(("render", "most"), [(inspection_record_pdf, 5), (rectification_notice_pdf, 2)])
def test_query_count_does_not_grow_with_items(iw, render, most, django_assert_max_num_queries):
    small = answered(iw, 5)
    large = answered(iw, 40)
    assert large.results.count() == 40 and large.findings.count() == 8
    with django_assert_max_num_queries(most):
        render(large)
    assert queries_to_render(small, render) == queries_to_render(large, render)


def test_authority_and_file_names(done):
    assert issuing_authority(region("440106")) == "广州市天河区民政局"
    assert issuing_authority(region("110101")) == "北京市东城区民政局"
    assert issuing_authority(region("440100")) == "广州市民政局"
    assert issuing_authority(region("440000")) == "广东省民政厅"
    assert issuing_authority(region("110000")) == "北京市民政局"
    assert document_filename(done, RECORD) == "检查记录-JC-2026-0000012.pdf"
    assert document_filename(done, NOTICE) == "整改通知书-JC-2026-0000012.pdf"
    done.number = None
    assert document_filename(done, NOTICE) == f"整改通知书-{done.pk}.pdf"
    assert notice_number(done) == f"整改〔2026〕第{done.pk}号"


def test_a_finished_record_is_rendered_once_and_anew_when_a_finding_changes(done, django_assert_num_queries):
    first = inspection_record_pdf(done)
    with django_assert_num_queries(1):  # the cache key (findings' count and last change); no rendering
        assert inspection_record_pdf(done) == first
    finding = done.findings.get(item__code="NP-1")
    finding.description = "5名新入住老人未做噎食风险评估"
    finding.save()
    again = inspection_record_pdf(done)
    assert "5名新入住老人未做噎食风险评估" in text_of(again)
    assert "3名新入住老人" not in text_of(again)


def test_a_record_in_progress_is_never_served_from_the_cache(iw):
    inspection = iw.plan(status="in_progress")
    item = iw.checklist.items.get(code="FS-1")
    result = InspectionResult.objects.create(inspection=inspection, item=item, outcome=ResultOutcome.FAIL,
                                             note="楼梯间堆放杂物", answered_by=iw.inspector)
    assert "楼梯间堆放杂物" in text_of(inspection_record_pdf(inspection))
    result.note = "楼梯间已清理"
    result.save()
    assert "楼梯间已清理" in text_of(inspection_record_pdf(inspection))


def test_the_homes_copy_of_a_case_inspections_record_leaves_out_its_reason(done, iw):
    """Why a case inspection came (here a complaint) is not the home's to read: the API and the page
    blank it, and the record the home prints leaves it out too — its own copy, cached apart."""
    from django.test import Client

    from inspections.models import Inspection
    from tests.conftest import client_for

    Inspection.objects.filter(pk=done.pk).update(type="case", reason="家属投诉夜间无人值守")
    for reader, shown in ((iw.regulator, True), (iw.institution, False), (iw.regulator, True)):
        api = client_for(reader).get(f"/api/v1/inspections/{done.pk}/report.pdf")
        web = Client()
        web.force_login(reader)
        page = web.get(f"/inspections/{done.pk}/record.pdf")
        assert api.status_code == page.status_code == 200
        for response in (api, page):
            text = text_of(response.content)
            assert ("家属投诉夜间无人值守" in text) is shown and "二楼东侧疏散通道堆放床垫等可燃物" in text
