"""What a penalty punishes (`reason_code`): safety by default, refused when unknown by the service, the
API and the page; shown as its label on the penalty list, the export, the finding page and the API.
Credit reads it to propose blacklist cases (tests/credit/test_triggers.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import ValidationFailed
from inspections import services
from inspections.choices import EscalationKind, FindingStatus, PenaltyKind, PenaltyReason
from inspections.models import Penalty
from tests.api.test_contract import assert_error_shape
from tests.conftest import client_for
from tests.inspections.test_api import PENALTIES, finding_in, penalty_body
from tests.inspections.test_pages import completed
from tests.pages import as_user, errors_for, text

TODAY = timezone.localdate()
OBSTRUCTION = "Obstructing or refusing supervision and inspection"  # the label on the English pages (`web`)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the helpers borrowed from test_api / test_pages may store files


def data(**overrides) -> services.PenaltyData:
    return services.PenaltyData(**{"kind": PenaltyKind.WARNING, "reason": "拒绝检查人员进入", "legal_basis": "《养老机构管理办法》",
                                   "decided_on": TODAY, "document_number": "警告1号"} | overrides)


def test_the_service_defaults_to_safety_and_refuses_an_unknown_reason(iw):
    assert services.record_penalty(actor=iw.regulator, institution_id=iw.home.pk, data=data()).reason_code == "safety"
    with pytest.raises(ValidationFailed) as refused:
        services.record_penalty(actor=iw.regulator, institution_id=iw.home.pk, data=data(reason_code="bribery"))
    assert list(refused.value.fields) == ["reason_code"]
    kept = services.record_penalty(actor=iw.regulator, institution_id=iw.home.pk,
                                   data=data(reason_code=PenaltyReason.OBSTRUCTION))
    assert Penalty.objects.get(pk=kept.pk).reason_code == "obstruction" and Penalty.objects.count() == 2


def test_an_escalation_records_the_reason_of_its_penalty(iw):
    finding = finding_in(iw, FindingStatus.OVERDUE)
    services.escalate_finding(actor=iw.regulator, finding_id=finding.pk, kind=EscalationKind.PENALTY, note="逾期",
                              penalty=data(reason_code=PenaltyReason.SUBSIDY_FRAUD))
    assert Penalty.objects.get(finding=finding).reason_code == "subsidy_fraud"


def test_the_api_refuses_an_unknown_reason_and_shows_the_label(iw):
    regulator = client_for(iw.regulator)
    refused = regulator.post(PENALTIES, penalty_body(iw, reason_code="bribery"), format="json")
    assert list(assert_error_shape(refused, 400)["fields"]) == ["reason_code"]
    assert not Penalty.objects.exists()
    created = regulator.post(PENALTIES, penalty_body(iw, reason_code="subsidy_fraud"), format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["reason_code"], created.json()["reason_code_display"]) == ("subsidy_fraud", "骗取补贴补助")
    default = regulator.post(PENALTIES, penalty_body(iw, document_number="穗民罚〔2026〕2号"), format="json").json()
    assert default["reason_code"] == "safety"
    read = client_for(iw.institution).get(PENALTIES).json()["results"]
    assert {p["reason_code"] for p in read} == {"safety", "subsidy_fraud"}
    finding = finding_in(iw, FindingStatus.OVERDUE)
    body = {k: v for k, v in penalty_body(iw, reason_code="obstruction").items() if k != "institution"}
    escalated = regulator.post(f"/api/v1/findings/{finding.pk}/escalate/",
                               {"kind": "penalty", "note": "拒不配合", "penalty": body}, format="json")
    assert escalated.status_code == 200, escalated.json()
    assert Penalty.objects.get(finding=finding).reason_code == "obstruction"
    bad = regulator.post(f"/api/v1/findings/{finding_in(iw, FindingStatus.OVERDUE).pk}/escalate/",
                         {"kind": "penalty", "note": "x", "penalty": body | {"reason_code": "bribery"}}, format="json")
    assert_error_shape(bad, 400)


def test_the_page_records_the_reason_and_lists_its_label(web, iw):
    as_user(web, iw.regulator)
    form = {"institution": iw.home.pk, "penalty_kind": "warning", "reason": "拒绝检查人员进入消防控制室",
            "legal_basis": "《养老机构管理办法》", "decided_on": TODAY.isoformat(), "document_number": "警告7号"}
    assert errors_for(web.post("/penalties/", form | {"reason_code": "bribery"}), "reason_code")
    assert not Penalty.objects.exists()
    assert web.post("/penalties/", form | {"reason_code": "obstruction"})["Location"] == "/penalties/"
    assert Penalty.objects.get().reason_code == "obstruction"
    page = text(web.get("/penalties/"))
    assert 'data-code="obstruction"' in page and OBSTRUCTION in page
    lines = web.get("/penalties/export/?format=csv").content.decode("utf-8-sig").splitlines()
    assert "Violation" in lines[0] and OBSTRUCTION in lines[1]


def test_the_escalation_form_records_the_reason_and_the_finding_shows_it(web, iw):
    finding = completed(iw).findings.get(item__code="FS-1")
    as_user(web, iw.regulator)
    form = {"kind": "penalty", "note": "虚报床位骗取补贴", "penalty_kind": "fine", "amount": "20000", "reason": "虚报床位",
            "legal_basis": "《养老机构管理办法》第四十六条", "decided_on": (TODAY - timedelta(days=1)).isoformat(),
            "document_number": "天民罚〔2026〕3号", "version": finding.version, "reason_code": "subsidy_fraud"}
    assert web.post(f"/findings/{finding.pk}/escalate/", form)["Location"] == f"/findings/{finding.pk}/"
    assert Penalty.objects.get().reason_code == "subsidy_fraud"
    assert "Fraudulently obtaining subsidies" in text(web.get(f"/findings/{finding.pk}/"))
