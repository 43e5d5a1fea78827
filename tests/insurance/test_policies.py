from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from institutions.models import Institution
from insurance.models import Policy, RatingScheme
from tests.conftest import client_for
from tests.factories import make_scheme, pdf_bytes, term_covering

pytestmark = pytest.mark.django_db
URL = "/api/v1/policies/"


def draft(ins, who="gz_institution", home=None, **overrides):
    home = home or ins.gz_home
    body = {"institution": home.pk, "insurer": ins.insurer_a.code, "start_date": "2026-01-01",
            "end_date": "2026-12-31", "insured_beds": 100} | overrides
    body = {key: value for key, value in body.items() if value is not None}
    return client_for(getattr(ins, who)).post(URL, body, format="json")


def bind(ins, policy_id, number="PGZ2026-001"):
    client_for(ins.gz_institution).post(f"{URL}{policy_id}/declare-not-charged/")
    return client_for(ins.insurer).post(f"{URL}{policy_id}/activate/", {"number": number}, format="json")


def test_institution_drafts_a_rated_policy_with_the_schemes_defaults(ins):
    response = draft(ins)
    assert response.status_code == 201, response.content
    body = response.json()
    # 120 元/床 × 100 beds × unrated level (1.05) × no grade (1.00)
    assert (body["base_rate_per_bed"], body["rate_factor"], body["premium"]) == ("120.00", "1.0500", "12600.00")
    assert [s["section"] for s in body["sections"]] == ["general", "other", "third_party", "legal_costs"]
    assert [(f["payer"], f["amount"]) for f in body["funding"]] == [("institution", "12600.00")]
    assert body["status"] == "draft" and body["rating"]["scheme"]["version"] == 1
    assert [f["input"] for f in body["rating"]["factors"]] == ["none", "none", "none", "none"]


def test_a_city_scheme_takes_precedence_and_versions_are_kept(ins):
    make_scheme("440100", 2026, "150.00")
    newer = make_scheme("440100", 2026, "160.00")
    body = draft(ins).json()
    assert body["base_rate_per_bed"] == "160.00" and body["rating"]["scheme"]["version"] == newer.version == 2


def test_quote_computes_before_anything_is_bound(ins):
    Institution.objects.filter(pk=ins.gz_home.pk).update(level=5, level_rated_on=date(2025, 6, 1), credit_grade="A")
    response = client_for(ins.gz_institution).post(
        f"{URL}quote/", {"institution": ins.gz_home.pk, "start_date": "2026-03-01", "insured_beds": 50}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["premium"] == "4860.00"  # 120 × 50 × 0.90 × 0.90
    assert not Policy.objects.exists()


def test_insurer_finds_a_new_client_by_uscc_only(ins):
    response = draft(ins, "insurer", institution=None, institution_uscc=ins.ak_home.uscc, insurer=None,
                     insured_beds=80)
    assert response.status_code == 201, response.content
    assert response.json()["premium"] == "6720.00"  # 陕西: 80 × 80 × 1.05
    by_id = draft(ins, "insurer", home=ins.ak_home)
    assert by_id.status_code == 400 and "institution" in by_id.json()["fields"]


def test_an_insurer_writes_only_its_own_policies(ins):
    response = draft(ins, "insurer_b_user", institution=None, institution_uscc=ins.gz_home.uscc,
                     insurer=ins.insurer_a.code)
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["gz_regulator", "gz_inspector"])
def test_regulators_and_inspectors_do_not_create_policies(ins, who):
    assert draft(ins, who).status_code == 403


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"insured_beds": 121}, "insured_beds"),
        ({"end_date": "2026-06-30"}, "end_date"),
        ({"start_date": "2031-01-01", "end_date": "2031-12-31"}, None),  # no scheme for 2031
        ({"funding": [{"payer": "institution", "amount": "100.00"}]}, "funding"),
        ({"sections": [{"section": "general", "per_person_limit": "300000", "per_accident_limit": "200000",
                        "aggregate_limit": "3000000", "deductible": "0"}]}, "per_person_limit"),
        ({"sections": [{"section": "other", "per_person_limit": "1", "per_accident_limit": "2",
                        "aggregate_limit": "3", "deductible": "0"}]}, "sections"),
        ({"sections": [{"section": "general", "per_person_limit": "100", "per_accident_limit": "200",
                        "aggregate_limit": "300", "deductible": "100"}]}, "deductible"),
        ({"co_insurers": [{"insurer": "other-ins", "share": "100.00"}]}, "co_insurers"),
    ],
)
def test_invalid_terms_are_refused_with_clear_errors(ins, overrides, field):
    response = draft(ins, **overrides)
    assert response.status_code == 400, response.content
    body = response.json()
    if field:
        assert field in body["fields"], body
    assert not Policy.objects.exists()


def test_funding_must_add_up_exactly(ins):
    split = [{"payer": "city", "amount": "10080.00"}, {"payer": "institution", "amount": "2520.00"}]
    response = draft(ins, funding=split)
    assert response.status_code == 201
    assert {row["payer"]: row["amount"] for row in response.json()["funding"]} == {"city": "10080.00",
                                                                                   "institution": "2520.00"}
    off_by_a_cent = [{"payer": "city", "amount": "10080.01"}, {"payer": "institution", "amount": "2520.00"}]
    body = draft(ins, funding=off_by_a_cent).json()
    assert body["code"] == "funding_mismatch" and "12600.01" in body["detail"]


def test_co_insurers_take_their_shares_from_the_lead(ins):
    body = draft(ins, co_insurers=[{"insurer": "other-ins", "share": "30.00"}]).json()
    assert body["lead_share"] == "70.00" and body["co_insurers"][0]["share"] == "30.00"


def test_binding_needs_number_declaration_and_no_overlap(ins):
    start, end = term_covering()
    policy_id = draft(ins, start_date=str(start), end_date=str(end)).json()["id"]
    refused = client_for(ins.insurer).post(f"{URL}{policy_id}/activate/", {}, format="json")
    assert refused.status_code == 400
    assert {"number", "not_charged_declared_at"} <= set(refused.json()["fields"])
    assert bind(ins, policy_id).status_code == 200
    ins.gz_home.refresh_from_db()
    assert ins.gz_home.insured is True and ins.gz_home.insured_until == end
    later = start + timedelta(days=50)
    second = draft(ins, start_date=str(later), end_date=str(later.replace(year=later.year + 1) - timedelta(days=1)))
    second = second.json()["id"]
    clash = bind(ins, second, number="PGZ2026-002")
    assert clash.status_code == 400 and "PGZ2026-001" in clash.json()["detail"]
    # A policy for another institution, or one after this one ends, does not clash.
    after = end + timedelta(days=1)
    if not RatingScheme.objects.filter(region_id="440000", year=after.year).exists():
        make_scheme("440000", after.year)
    renewal = draft(ins, start_date=str(after), end_date=str(after.replace(year=after.year + 1) - timedelta(days=1)))
    assert bind(ins, renewal.json()["id"], number="PGZ2027-001").status_code == 200


def test_only_the_lead_insurer_binds(ins):
    policy_id = draft(ins).json()["id"]
    client_for(ins.gz_institution).post(f"{URL}{policy_id}/declare-not-charged/")
    assert client_for(ins.insurer_b_user).post(f"{URL}{policy_id}/activate/", {"number": "X"}).status_code == 404
    assert client_for(ins.gz_institution).post(f"{URL}{policy_id}/activate/", {"number": "X"}).status_code == 403
    assert client_for(ins.gz_regulator).post(f"{URL}{policy_id}/activate/", {"number": "X"}).status_code == 403


def test_declaration_records_who_and_when_and_only_by_the_institution(ins):
    policy_id = draft(ins).json()["id"]
    assert client_for(ins.insurer).post(f"{URL}{policy_id}/declare-not-charged/").status_code == 403
    body = client_for(ins.gz_institution).post(f"{URL}{policy_id}/declare-not-charged/").json()
    assert body["not_charged_declared_at"]
    assert Policy.objects.get(pk=policy_id).not_charged_declared_by == ins.gz_institution


def test_illegal_transitions_are_409(ins):
    policy_id = draft(ins).json()["id"]
    bind(ins, policy_id)
    again = client_for(ins.insurer).post(f"{URL}{policy_id}/activate/", {"number": "N"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert client_for(ins.gz_institution).post(f"{URL}{policy_id}/cancel/", {"reason": "x"}).status_code == 403
    cancelled = client_for(ins.insurer).post(f"{URL}{policy_id}/cancel/", {"reason": "退保"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert [e["action"] for e in cancelled.json()["events"]] == ["create", "activate", "cancel"]


def test_stale_version_gets_412(ins):
    policy_id = draft(ins).json()["id"]
    client_for(ins.gz_institution).post(f"{URL}{policy_id}/declare-not-charged/")
    response = client_for(ins.insurer).post(f"{URL}{policy_id}/activate/", {"number": "N"}, format="json",
                                            HTTP_IF_MATCH='"1"')
    assert response.status_code == 412


def test_drafts_can_be_edited_and_are_rerated_keeping_the_subsidy_split(ins):
    split = [{"payer": "city", "amount": "10080.00"}, {"payer": "institution", "amount": "2520.00"}]
    policy_id = draft(ins, funding=split).json()["id"]
    response = client_for(ins.gz_institution).patch(f"{URL}{policy_id}/", {"insured_beds": 50}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["premium"] == "6300.00"
    assert {f["payer"]: f["amount"] for f in response.json()["funding"]} == {"city": "5040.00", "institution": "1260.00"}


def test_insurers_never_see_each_others_policies(ins):
    mine = draft(ins).json()["id"]
    other = draft(ins, insurer="other-ins").json()["id"]
    assert client_for(ins.insurer).get(f"{URL}{other}/").status_code == 404
    assert [p["id"] for p in client_for(ins.insurer).get(URL).json()["results"]] == [mine]
    assert client_for(ins.insurer_b_user).get(URL).json()["count"] == 1
    assert client_for(ins.ak_regulator).get(URL).json()["count"] == 0
    assert client_for(ins.gz_regulator).get(URL).json()["count"] == 2


def test_upload_checks_the_content(ins, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    policy_id = draft(ins).json()["id"]
    client = client_for(ins.gz_institution)

    def upload(name, data):
        return client.post(f"{URL}{policy_id}/documents/", {"file": SimpleUploadedFile(name, data)},
                           format="multipart")

    assert upload("policy.pdf", b"just text renamed to pdf").json()["code"] == "not_a_pdf"
    assert upload("policy.pdf", b"%PDF-1.7\n garbage without objects").json()["code"] == "corrupt_pdf"
    import insurance.services as services

    big = b"%PDF-1.4\n" + b"0" * (services.PDF_MAX_BYTES + 1)
    assert upload("big.pdf", big).json()["code"] == "file_too_large"
    ok = upload("保单.pdf", pdf_bytes(2))
    assert ok.status_code == 201 and ok.json()["pages"] == 2
    stored = Policy.objects.get(pk=policy_id).documents.get()
    assert "保单" not in stored.file.name  # generated name, private location
    download = client.get(ok.json()["url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert client_for(ins.ak_institution).get(ok.json()["url"]).status_code == 404
    assert client_for(ins.insurer_b_user).get(ok.json()["url"]).status_code == 404


def test_verification(ins, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    policy_id = draft(ins).json()["id"]
    assert client_for(ins.gz_regulator).post(f"{URL}{policy_id}/verify/").status_code == 400  # nothing uploaded
    client_for(ins.gz_institution).post(
        f"{URL}{policy_id}/documents/", {"file": SimpleUploadedFile("p.pdf", pdf_bytes())}, format="multipart"
    )
    assert client_for(ins.gz_inspector).post(f"{URL}{policy_id}/verify/").status_code == 403
    assert client_for(ins.gz_institution).post(f"{URL}{policy_id}/verify/").status_code == 403
    assert client_for(ins.ak_regulator).post(f"{URL}{policy_id}/verify/").status_code == 404
    verified = client_for(ins.gz_regulator).post(f"{URL}{policy_id}/verify/").json()
    assert verified["is_verified"] is True
    assert client_for(ins.gz_regulator).get(URL, {"verified": "false"}).json()["count"] == 0


def test_idempotent_creation(ins):
    body = {"institution": ins.gz_home.pk, "insurer": ins.insurer_a.code, "start_date": "2026-01-01",
            "end_date": "2026-12-31", "insured_beds": 100}
    client = client_for(ins.gz_institution)
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="pol-1")
    second = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="pol-1")
    assert first.json()["id"] == second.json()["id"] and Policy.objects.count() == 1


def test_policy_list_queries_are_fixed(ins, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(ins.gz_regulator)
    draft(ins)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            client.get(URL)
        return len(ctx.captured_queries)

    few = count()
    for _ in range(5):
        draft(ins)
    assert count() == few


def test_filters(ins):
    draft(ins)
    client = client_for(ins.gz_regulator)
    assert client.get(URL, {"status": "draft"}).json()["count"] == 1
    assert client.get(URL, {"region": "440100"}).json()["count"] == 1
    assert client.get(URL, {"region": "610000"}).json()["count"] == 0
    assert client.get(URL, {"insurer": ins.insurer_a.code}).json()["count"] == 1
    assert client.get(URL, {"active_on": "2026-05-01"}).json()["count"] == 0  # drafts are not in force
    assert client.get(URL, {"expiring_within": "abc"}).status_code == 400
