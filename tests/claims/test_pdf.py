"""The claim summary (理赔案件摘要) prints real Chinese: the text is extracted back and checked."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from insurance.services import claims as claim_services
from tests.claims.conftest import D, advance, incident, resident
from tests.conftest import client_for
from tests.factories import pdf_bytes

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "")


def test_claim_summary_in_chinese(cw, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    event = incident(cw.gz_institution, category="choking", persons=[resident("陈玉珍", "disability")],
                     first_aid="海姆立克急救", hospital_transfer=True, hospital="天河区人民医院")
    line = claim_services.LineData("disability", D("45000.00"), event.persons.get().pk, "九级伤残")
    claim = claim_services.create_claim(actor=cw.gz_institution, policy_id=cw.gz_policy.pk, incident_id=event.pk,
                                        section="general", claimed_amount=D("45000.00"), lines=[line])
    client_for(cw.gz_institution).post(f"/api/v1/claims/{claim.pk}/documents/", {
        "file": SimpleUploadedFile("伤残鉴定.pdf", pdf_bytes()), "kind": "disability_assessment"}, format="multipart")
    for action, amount in (("register", None), ("approve", "40000.00"), ("pay", None)):
        advance(cw, claim, action, amount)
    claim.refresh_from_db()
    response = client_for(cw.gz_regulator).get(f"/api/v1/claims/{claim.pk}/summary.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    for phrase in ["养老机构责任保险理赔案件摘要", claim.number, "天河康乐养老院", cw.gz_policy.number, "一般责任",
                   "噎食", "海姆立克急救", "天河区人民医院", "陈玉珍", "入住老年人", "伤残", "残疾赔偿金", "九级伤残",
                   "45000.00", "40000.00", "200000.00", "免赔额", "伤残鉴定",
                   "报案", "立案", "核赔", "赔付", "已赔付", "PAY-001"]:
        assert phrase in text, phrase
    assert "■" not in text
    assert "尚缺单证" in text  # invoices and the medical record are still missing


def test_summary_shows_disputes_and_mediation(cw):
    from tests.claims.conftest import claim_in

    claim = claim_in(cw, "disputed")
    claim_services.resolve_dispute(actor=cw.gz_regulator, claim_id=claim.pk, outcome="approved",
                                   approved_amount=D("2800.00"), note="双方同意按2800元赔付")
    text = text_of(client_for(cw.gz_institution).get(f"/api/v1/claims/{claim.pk}/summary.pdf").content)
    for phrase in ["理赔纠纷调解", "核定金额过低", "调解后核赔", "双方同意按2800元赔付", "纠纷调解"]:
        assert phrase in text, phrase


def test_each_line_of_the_incident_description_stays_a_line(cw):
    """xhtml2pdf drops <br> under CJK wrapping, which ran lines together; each line is its own block."""
    from pypdf import PdfReader

    event = incident(cw.gz_institution, description="老人午餐时噎食\n护理员立即施救")
    claim = claim_services.create_claim(actor=cw.gz_institution, policy_id=cw.gz_policy.pk, incident_id=event.pk,
                                        section="general", claimed_amount=D("3000.00"))
    pdf = client_for(cw.gz_regulator).get(f"/api/v1/claims/{claim.pk}/summary.pdf").content
    lines = [line.replace(" ", "") for page in PdfReader(io.BytesIO(pdf)).pages for line in page.extract_text().splitlines()]
    assert any(line.endswith("老人午餐时噎食") for line in lines) and "护理员立即施救" in lines
