"""blacklist-cases/ over the API: the table of transitions (200 / 403 / 404 / 409), scope, the contract
(fields, labels, filters, If-Match, Idempotency-Key), ID numbers for regulators only, the PDFs and
query counts."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from credit.choices import CaseStatus
from credit.models import BlacklistCase
from tests.conftest import client_for
from tests.credit import test_blacklist as _blacklist_fixtures
from tests.factories import pdf_bytes

URL = "/api/v1/blacklist-cases/"
S = CaseStatus
NOTIFIED_PAST, LISTED_RECENTLY = "notified_past", "listed_recently"  # same statuses, other dates
PAST = timezone.localdate() - timedelta(days=1)
FUTURE = timezone.localdate() + timedelta(days=5)

BODIES = {
    "notify": {"note": "请于期限内陈述申辩"},
    "object": {"statement": "已整改完毕"},
    "review": {"conclusion": "异议不成立"},
    "decide": {"outcome": "listed"},
    "request-removal": {"grounds": "两年内无新的失信行为"},
    "remove": {"granted": True, "note": "准予移出"},
    "revoke": {"reason": "认定错误"},
}
TARGETS = {"notify": S.NOTIFIED, "object": S.OBJECTION, "review": S.REVIEWED, "decide": S.LISTED,
           "request-removal": S.REMOVAL_REQUESTED, "remove": S.REMOVED, "revoke": S.REVOKED}

# (action, state, who, expected status)
TABLE = [
    ("notify", S.PROPOSED, "regulator", 200),
    ("notify", S.PROPOSED, "admin", 200),
    ("notify", S.PROPOSED, "institution", 404),  # a proposed case is not shown to the party
    ("notify", S.PROPOSED, "far_regulator", 404),
    ("notify", S.NOTIFIED, "regulator", 409),
    ("object", S.NOTIFIED, "institution", 200),
    ("object", S.NOTIFIED, "regulator", 403),
    ("object", S.NOTIFIED, "other_institution", 404),
    ("object", S.LISTED, "institution", 409),
    ("object", NOTIFIED_PAST, "institution", 409),  # the deadline has passed
    ("review", S.OBJECTION, "regulator", 200),
    ("review", S.OBJECTION, "institution", 403),
    ("review", S.NOTIFIED, "regulator", 409),
    ("decide", S.REVIEWED, "regulator", 200),
    ("decide", NOTIFIED_PAST, "regulator", 200),
    ("decide", S.NOTIFIED, "regulator", 409),  # the objection period is still open
    ("decide", S.OBJECTION, "regulator", 409),
    ("decide", S.REVIEWED, "institution", 403),
    ("decide", S.PROPOSED, "regulator", 409),
    ("request-removal", S.LISTED, "institution", 200),
    ("request-removal", LISTED_RECENTLY, "institution", 409),  # before two years
    ("request-removal", S.LISTED, "regulator", 403),
    ("request-removal", S.DISMISSED, "institution", 409),
    ("remove", S.REMOVAL_REQUESTED, "regulator", 200),
    ("remove", S.REMOVAL_REQUESTED, "institution", 403),
    ("remove", S.LISTED, "regulator", 409),
    ("revoke", S.LISTED, "regulator", 200),
    ("revoke", S.LISTED, "institution", 403),
    ("revoke", S.EXPIRED, "regulator", 409),
    ("revoke", S.LISTED, "far_regulator", 404),
    ("revoke", S.LISTED, "inspector", 404),
    ("revoke", S.LISTED, "insurer", 404),
]

bw = _blacklist_fixtures.bw  # the fixture, shared with test_blacklist.py


def _case(bw, state):
    """A case in `state`; NOTIFIED_PAST / LISTED_RECENTLY are the same statuses on other dates."""
    if state == NOTIFIED_PAST:
        return bw.in_state(S.NOTIFIED, objection_deadline=PAST)
    if state == LISTED_RECENTLY:
        return bw.in_state(S.LISTED, listed_at=PAST, expected_exit_date=PAST.replace(year=PAST.year + 3))
    fields = {"objection_deadline": FUTURE} if state in (S.NOTIFIED, S.OBJECTION) else {}
    if state in (S.LISTED, S.REMOVAL_REQUESTED):
        long_ago = timezone.localdate().replace(year=timezone.localdate().year - 2) - timedelta(days=1)
        fields |= {"listed_at": long_ago, "expected_exit_date": long_ago.replace(year=long_ago.year + 3)}
    return bw.in_state(state, **fields)


@pytest.mark.parametrize(("action", "state", "who", "expected"), TABLE)
def test_transition_table(bw, action, state, who, expected):
    case = _case(bw, state)
    before = case.status
    response = client_for(getattr(bw, who)).post(f"{URL}{case.pk}/{action}/", BODIES[action], format="json")
    assert response.status_code == expected, response.content
    case.refresh_from_db()
    if expected == 200:
        assert response.json()["status"] == TARGETS[action] == case.status
        assert response.json()["events"][-1]["action"] == action
        assert case.version == 2
    else:
        assert case.status == before
        assert set(response.json()) >= {"code", "detail"}


def test_refused_removal_goes_back_to_listed_and_the_flag_stays(bw):
    case = _case(bw, S.REMOVAL_REQUESTED)
    response = client_for(bw.regulator).post(f"{URL}{case.pk}/remove/", {"granted": False, "note": "材料不全"},
                                             format="json")
    assert response.status_code == 200 and response.json()["status"] == "listed"
    bw.home.refresh_from_db()
    assert bw.home.is_blacklisted is True


def test_decide_lists_and_sets_the_dates(bw):
    case = _case(bw, NOTIFIED_PAST)
    body = client_for(bw.regulator).post(f"{URL}{case.pk}/decide/", {"outcome": "listed"}, format="json").json()
    today = timezone.localdate()
    assert body["listed_at"] == today.isoformat()
    assert body["expected_exit_date"] == today.replace(year=today.year + 3).isoformat()
    bad = client_for(bw.regulator).post(f"{URL}{case.pk}/decide/", {"outcome": "maybe"}, format="json")
    assert bad.status_code == 400 and "outcome" in bad.json()["fields"]


def test_if_match_and_idempotent_creation(bw):
    regulator = client_for(bw.regulator)
    body = {"institution": bw.home.pk, "criterion": 5, "evidence": "跌倒事故，机构负主要责任"}
    first = regulator.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="case-1")
    again = regulator.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="case-1")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and BlacklistCase.objects.count() == 1
    created = first.json()
    assert created["status"] == "proposed" and created["number"].startswith("SX")
    stale = regulator.post(f"{URL}{created['id']}/notify/", {}, format="json", HTTP_IF_MATCH='"2"')
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    fresh = regulator.post(f"{URL}{created['id']}/notify/", {}, format="json", HTTP_IF_MATCH='"1"')
    assert fresh.status_code == 200 and fresh.json()["version"] == 2


def test_create_is_for_regulators_of_the_region_and_checks_files(bw):
    body = {"institution": bw.home.pk, "criterion": 4, "evidence": "事实"}
    assert client_for(bw.institution).post(URL, body, format="json").status_code == 403
    assert client_for(bw.far_regulator).post(URL, body, format="json").status_code == 400
    assert client_for(bw.regulator).post(URL, {**body, "criterion": 0}, format="json").status_code == 400
    fake = io.BytesIO(b"not a pdf")
    fake.name = "evidence.pdf"
    refused = client_for(bw.regulator).post(URL, {**body, "files": [fake]}, format="multipart")
    assert refused.status_code == 400 and refused.json()["code"] == "not_a_pdf"
    real = io.BytesIO(pdf_bytes())
    real.name = "证据.pdf"
    created = client_for(bw.regulator).post(URL, {**body, "files": [real]}, format="multipart")
    assert created.status_code == 201 and created.json()["files"][0]["purpose"] == "evidence"


def test_contract_fields_labels_and_filters(bw):
    listed = _case(bw, S.LISTED)
    bw.propose(bw.other_home, criterion=5)
    regulator = client_for(bw.regulator)
    body = regulator.get(URL, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["count"] == 2
    row = next(r for r in body["results"] if r["id"] == listed.pk)
    for field in ("id", "number", "subject_type", "institution", "practitioner", "criterion", "criterion_display",
                  "evidence", "status", "status_display", "notified_at", "objection_deadline", "listed_at",
                  "expected_exit_date", "removed_at", "events", "version", "updated_at"):
        assert field in row, field
    assert row["status_display"] == "Listed" and row["criterion"] == 4
    assert [r["id"] for r in regulator.get(URL, {"status": "listed"}).json()["results"]] == [listed.pk]
    assert regulator.get(URL, {"criterion": 5}).json()["count"] == 1
    assert regulator.get(URL, {"institution": bw.home.pk}).json()["count"] == 1
    assert regulator.get(URL, {"region": "440106"}).json()["count"] == 2
    assert regulator.get(URL, {"region": "610900"}).json()["count"] == 0
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    assert regulator.get(URL, {"updated_since": future}).json()["count"] == 0


def test_scope(bw):
    proposed = bw.propose()
    notified = _case(bw, S.NOTIFIED)
    from credit import blacklist

    blacklist.propose_case(actor=bw.far_regulator, proposal=blacklist.Proposal(
        institution_id=bw.far_home.pk, criterion=8, evidence="未报送年度工作报告"))
    ids = lambda user: {r["id"] for r in client_for(user).get(URL).json()["results"]}  # noqa: E731
    assert ids(bw.institution) == {notified.pk}  # never the proposed one
    assert ids(bw.other_institution) == set()
    assert ids(bw.far_regulator) == {BlacklistCase.objects.get(institution=bw.far_home).pk}
    assert ids(bw.inspector) == set() and ids(bw.insurer) == set()
    assert len(ids(bw.admin)) == 3
    assert client_for(bw.institution).get(f"{URL}{proposed.pk}/").status_code == 404


def test_id_numbers_for_regulators_only(bw):
    person = bw.job.person
    case = bw.propose(practitioner=person)
    client_for(bw.regulator).post(f"{URL}{case.pk}/notify/", {}, format="json")
    clear = client_for(bw.regulator).get(f"{URL}{case.pk}/").json()
    masked = client_for(bw.institution).get(f"{URL}{case.pk}/").json()
    assert clear["practitioner_id_number"] == person.id_number
    assert masked["practitioner_id_number"] != person.id_number and "*" in masked["practitioner_id_number"]
    assert person.id_number not in str(client_for(bw.institution).get(URL).content)


def test_pdfs(bw):
    from pypdf import PdfReader

    case = bw.propose()
    regulator = client_for(bw.regulator)
    assert regulator.get(f"{URL}{case.pk}/notice.pdf").status_code == 409
    regulator.post(f"{URL}{case.pk}/notify/", {}, format="json")
    response = regulator.get(f"{URL}{case.pk}/notice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "告知书" in text and "天河康乐养老院" in text
    assert regulator.get(f"{URL}{case.pk}/decision.pdf").status_code == 409
    assert client_for(bw.other_institution).get(f"{URL}{case.pk}/notice.pdf").status_code == 404
    listed = _case(bw, S.LISTED)
    decision = client_for(bw.institution).get(f"{URL}{listed.pk}/decision.pdf")
    assert decision.status_code == 200 and "列入决定书" in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(decision.content)).pages)


def test_list_queries_do_not_grow(bw, django_assert_max_num_queries):
    for _ in range(3):
        _case(bw, S.LISTED)
        bw.propose(practitioner=bw.job.person)
    regulator = client_for(bw.regulator)
    with django_assert_max_num_queries(8):
        small = regulator.get(URL)
    for _ in range(6):
        _case(bw, S.REMOVAL_REQUESTED)
    with django_assert_max_num_queries(8):
        big = regulator.get(URL)
    assert small.json()["count"] == 6 and big.json()["count"] == 12


def test_schema_documents_every_action(bw):
    schema = client_for(bw.admin).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for action in BODIES:
        assert f"/api/v1/blacklist-cases/{{id}}/{action}/" in paths, action
    assert "/api/v1/blacklist-cases/{id}/notice.pdf" in paths
