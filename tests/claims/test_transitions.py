"""Every action × every state × every role, through the API: 200 allowed, 403 the role may not,
409 not from this state, 404 outside the caller's scope. The table is api.md's, written out here
independently of insurance.services.claims.TRANSITIONS."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from insurance.models import Claim, ClaimEvent
from tests.claims.conftest import PATHS, claim_in
from tests.conftest import client_for
from tests.factories import pdf_bytes

pytestmark = pytest.mark.django_db

# action: (from states, roles that may, target)
TABLE = {
    "register": ({"reported"}, {"insurer", "admin"}, "registered"),
    "request-documents": ({"registered"}, {"insurer", "admin"}, "documents_requested"),
    "submit-documents": ({"documents_requested"}, {"institution", "admin"}, "registered"),
    "approve": ({"registered"}, {"insurer", "admin"}, "approved"),
    "reject": ({"registered"}, {"insurer", "admin"}, "rejected"),
    "pay": ({"approved"}, {"insurer", "admin"}, "paid"),
    "close": ({"paid", "rejected"}, {"insurer", "admin"}, "closed"),
    "withdraw": ({"reported", "registered", "documents_requested"}, {"institution", "admin"}, "withdrawn"),
    "dispute": ({"approved", "rejected"}, {"institution", "admin"}, "disputed"),
    "resolve": ({"disputed"}, {"regulator", "admin"}, "closed"),  # outcome "closed" here; "approved" below
    "reopen": ({"closed"}, {"insurer", "admin"}, "registered"),
}
# Who acts, as which role; the second group cannot see the claim at all.
ACTORS = {"admin": "admin", "gz_regulator": "regulator", "gz_institution": "institution", "insurer": "insurer"}
OUTSIDERS = ["gz_inspector", "ak_regulator", "ak_institution", "insurer_b_user", "gz_institution2"]


def body(action):
    today = timezone.localdate().isoformat()
    return {
        "register": {"reference": "INS-2026-77"},
        "request-documents": {"note": "请补充病历和费用票据"},
        "submit-documents": {"files": [SimpleUploadedFile("补充病历.pdf", pdf_bytes())], "kind": "medical_record"},
        "approve": {"approved_amount": "3000.00"},
        "reject": {"reason": "no_liability", "note": "机构无过错"},
        "pay": {"paid_amount": "3000.00", "paid_on": today, "reference": "BANK-0001"},
        "close": {},
        "withdraw": {"note": "家属放弃索赔"},
        "dispute": {"note": "核定金额过低"},
        "resolve": {"outcome": "closed", "note": "经调解双方同意结案"},
        "reopen": {"note": "发现新的医疗费用"},
    }[action]


def post(cw, who, claim, action):
    client = client_for(getattr(cw, who))
    fmt = "multipart" if action == "submit-documents" else "json"
    return client.post(f"/api/v1/claims/{claim.pk}/{action}/", body(action), format=fmt)


def expected(action, state, role):
    states, roles, _target = TABLE[action]
    if role not in roles:  # a role that may never take the action: 403 whatever the state (api.md)
        return 403
    return 200 if state in states else 409


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("state", list(PATHS))
@pytest.mark.parametrize("action", list(TABLE))
def test_transition_table(cw, action, state):
    claim = claim_in(cw, state)
    # Refusals first: they change nothing, so one claim serves them all.
    for who in OUTSIDERS:
        assert post(cw, who, claim, action).status_code == 404, who
    for who, role in ACTORS.items():
        if expected(action, state, role) != 200:
            response = post(cw, who, claim, action)
            assert response.status_code == expected(action, state, role), (who, response.json())
            code = response.json()["code"]
            assert code == ("invalid_transition" if response.status_code == 409 else "permission_denied")
    unchanged = Claim.objects.get(pk=claim.pk)
    assert (unchanged.status, unchanged.version) == (state, claim.version)
    assert ClaimEvent.objects.filter(claim=claim).count() == len(PATHS[state]) + 1
    # Then each allowed role on a claim of its own in that state: one event row per transition.
    for who, role in ACTORS.items():
        if expected(action, state, role) == 200:
            fresh = claim if who == "admin" else claim_in(cw, state)
            response = post(cw, who, fresh, action)
            assert response.status_code == 200, (who, response.json())
            body_ = response.json()
            assert body_["status"] == TABLE[action][2] and body_["version"] == fresh.version + 1
            last = ClaimEvent.objects.filter(claim=fresh).last()
            assert (last.action, last.from_status, last.to_status, last.actor) == (
                action, state, TABLE[action][2], getattr(cw, who)
            )
            assert body_["events"][-1]["action"] == action and body_["events"][-1]["from_status"] == state


def test_resolve_can_approve_with_a_new_amount(cw):
    claim = claim_in(cw, "disputed", amount="8000.00")  # approved in full, then disputed
    claim_services_body = {"outcome": "approved", "note": "调解：按7000元赔付", "approved_amount": "7000.00"}
    response = client_for(cw.gz_regulator).post(f"/api/v1/claims/{claim.pk}/resolve/", claim_services_body,
                                                 format="json")
    assert response.status_code == 200, response.json()
    body_ = response.json()
    assert (body_["status"], body_["approved_amount"]) == ("approved", "7000.00")
    dispute = body_["disputes"][0]
    assert (dispute["outcome"], dispute["approved_before"], dispute["approved_after"]) == ("approved", "8000.00",
                                                                                           "7000.00")
    assert dispute["mediation_note"] == "调解：按7000元赔付" and dispute["resolved_at"]
    assert client_for(cw.ak_regulator).post(f"/api/v1/claims/{claim.pk}/resolve/", claim_services_body,
                                            format="json").status_code == 404


def test_a_disputed_rejection_needs_an_amount_to_be_approved(cw):
    claim = claim_in(cw, "rejected")
    client_for(cw.gz_institution).post(f"/api/v1/claims/{claim.pk}/dispute/", {"note": "机构无过错认定有误"})
    no_amount = client_for(cw.gz_regulator).post(f"/api/v1/claims/{claim.pk}/resolve/",
                                                 {"outcome": "approved", "note": "调解"}, format="json")
    assert no_amount.status_code == 400 and "approved_amount" in no_amount.json()["fields"]
    ok = client_for(cw.gz_regulator).post(f"/api/v1/claims/{claim.pk}/resolve/",
                                          {"outcome": "approved", "note": "调解", "approved_amount": "1500.00"})
    assert ok.status_code == 200 and ok.json()["rejection_reason"] == ""


@pytest.mark.parametrize("action", ["request-documents", "dispute", "reopen"])
def test_actions_that_need_a_note_refuse_without_one(cw, action):
    state = {"request-documents": "registered", "dispute": "approved", "reopen": "closed"}[action]
    claim = claim_in(cw, state)
    who = "gz_institution" if action == "dispute" else "insurer"
    response = client_for(getattr(cw, who)).post(f"/api/v1/claims/{claim.pk}/{action}/", {}, format="json")
    assert response.status_code == 400 and "note" in response.json()["fields"]


def test_reject_needs_a_coded_reason(cw):
    claim = claim_in(cw, "registered")
    client = client_for(cw.insurer)
    assert client.post(f"/api/v1/claims/{claim.pk}/reject/", {"reason": "不赔"}).status_code == 400
    response = client.post(f"/api/v1/claims/{claim.pk}/reject/", {"reason": "excluded"})
    assert response.json()["rejection_reason"] == "excluded"
    assert response.json()["lines"][0]["rejection_reason"] == "excluded"


def test_submit_documents_needs_a_document_since_the_request(cw):
    claim = claim_in(cw, "documents_requested")
    client = client_for(cw.gz_institution)
    refused = client.post(f"/api/v1/claims/{claim.pk}/submit-documents/", {"note": "已补充"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "documents_required"
    uploaded = client.post(f"/api/v1/claims/{claim.pk}/documents/",
                           {"file": SimpleUploadedFile("票据.pdf", pdf_bytes()), "kind": "invoice"}, format="multipart")
    assert uploaded.status_code == 201
    done = client.post(f"/api/v1/claims/{claim.pk}/submit-documents/", {"note": "已补充"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "registered"


def test_reopened_claims_add_to_what_was_paid(cw):
    claim = claim_in(cw, "closed", amount="3000.00")
    insurer = client_for(cw.insurer)
    assert insurer.post(f"/api/v1/claims/{claim.pk}/reopen/", {"note": "新增医疗费"}).json()["reopen_count"] == 1
    same = insurer.post(f"/api/v1/claims/{claim.pk}/approve/", {"approved_amount": "3000.00"})
    assert same.status_code == 400 and "3000.00" in same.json()["detail"]
    # The lines must carry the extra amount too: a one-line claim takes the total.
    more = insurer.post(f"/api/v1/claims/{claim.pk}/approve/", {"approved_amount": "2500.00"})
    assert more.status_code == 400  # below what was paid
    Claim.objects.filter(pk=claim.pk).update(claimed_amount="3600.00")
    claim.lines.update(claimed_amount="3600.00")
    ok = insurer.post(f"/api/v1/claims/{claim.pk}/approve/", {"approved_amount": "3600.00"})
    assert ok.status_code == 200, ok.json()
    paid = insurer.post(f"/api/v1/claims/{claim.pk}/pay/", {"paid_amount": "3600.00", "reference": "BANK-2",
                                                             "paid_on": timezone.localdate().isoformat()})
    assert paid.status_code == 200 and paid.json()["paid_amount"] == "3600.00"
    assert [str(p.amount) for p in Claim.objects.get(pk=claim.pk).payments.all()] == ["3000.00", "600.00"]
