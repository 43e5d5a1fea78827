import io

import pytest
from pypdf import PdfReader

from tests.conftest import client_for
from tests.insurance.test_policies import URL, bind, draft

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_certificate_prints_real_chinese(ins):
    split = [{"payer": "county", "amount": "5040.00"}, {"payer": "institution", "amount": "7560.00"}]
    policy_id = draft(ins, funding=split).json()["id"]
    bind(ins, policy_id, number="PGZ-2026-0099")
    response = client_for(ins.gz_institution).get(f"{URL}{policy_id}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content).replace(" ", "")
    for phrase in ["养老机构责任保险承保确认书", "天河康乐养老院", "PGZ-2026-0099", "一般责任", "第三者责任", "法律费用",
                   "12600.00", "5040.00", "不向入住老年人另行收取"]:
        assert phrase in text, phrase
    assert "■" not in text


def test_certificate_is_scoped(ins):
    policy_id = draft(ins).json()["id"]
    assert client_for(ins.ak_institution).get(f"{URL}{policy_id}/certificate.pdf").status_code == 404
    assert client_for(ins.gz_regulator).get(f"{URL}{policy_id}/certificate.pdf").status_code == 200
