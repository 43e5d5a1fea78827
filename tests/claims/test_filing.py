"""Reporting incidents and filing claims: who may, what must fit, and what the claim starts as."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from insurance.models import Claim, Incident, Policy, RatingScheme
from insurance.services import expire_policies
from tests.claims.conftest import D, active_policy, advance, incident, new_claim, resident
from tests.conftest import client_for
from tests.factories import InstitutionFactory, make_scheme, make_user, pdf_bytes, region

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"
CLAIMS = "/api/v1/claims/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def when(days_ago=3):
    return (timezone.now() - timedelta(days=days_ago)).isoformat()


def report(cw, who="gz_institution", **overrides):
    body = {
        "occurred_at": when(), "category": "fall", "place": "二楼走廊",
        "description": "老人夜间如厕时跌倒，头部着地。",
        "persons": [{"kind": "resident", "name": "王桂兰", "outcome": "injury", "injury": "右腿骨折"}],
        "first_aid": "护理员现场止血固定", "hospital_transfer": True, "hospital": "天河区人民医院",
        "family_notified_at": when(2), "family_notified_how": "phone",
    } | overrides
    return client_for(getattr(cw, who)).post(INCIDENTS, {k: v for k, v in body.items() if v is not None},
                                             format="json")


def file(cw, incident_id, who="gz_institution", **overrides):
    body = {"policy": cw.gz_policy.pk, "incident": incident_id, "section": "general", "claimed_amount": "3000.00"}
    return client_for(getattr(cw, who)).post(CLAIMS, body | overrides, format="json")


# ---------------------------------------------------------------------------------------------
# Incidents


def test_an_institution_reports_an_incident_with_everything_the_form_asks(cw):
    response = report(cw)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["institution"] == cw.gz_home.pk and body["category_display"]
    assert [(p["kind"], p["name"], p["outcome"], p["injury"]) for p in body["persons"]] == [
        ("resident", "王桂兰", "injury", "右腿骨折")]
    assert (body["hospital_transfer"], body["hospital"], body["family_notified_how"]) == (True, "天河区人民医院", "phone")
    assert body["responsibility"] == "" and body["version"] == 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"occurred_at": (timezone.now() + timedelta(days=1)).isoformat()}, "occurred_at"),
        ({"family_notified_at": when(5)}, "family_notified_at"),  # before the incident
        ({"family_notified_how": None}, "family_notified_how"),
        ({"family_notified_at": None}, "family_notified_at"),
        ({"hospital": ""}, "hospital"),
        ({"category": "meteor"}, "category"),
        ({"persons": [{"kind": "visitor", "name": "张三", "outcome": "injury"}]}, "persons"),
        ({"persons": [{"kind": "resident", "name": " ", "outcome": "injury"}]}, "persons"),
        ({"institution": 999999}, "institution"),
    ],
)
def test_incident_reports_are_checked(cw, overrides, field):
    response = report(cw, **overrides)
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"], response.json()
    assert not Incident.objects.exists()


def test_only_institutions_report_and_only_for_themselves(cw):
    assert report(cw, "insurer").status_code == 403
    assert report(cw, "gz_regulator").status_code == 403
    assert report(cw, "gz_institution", institution=cw.ak_home.pk).status_code == 400
    assert report(cw, "admin", institution=cw.ak_home.pk).status_code == 201


def test_corrections_until_a_claim_fixes_when_what_and_who(cw):
    incident_id = report(cw).json()["id"]
    client = client_for(cw.gz_institution)
    url = f"{INCIDENTS}{incident_id}/"
    fixed = client.patch(url, {"category": "bed_fall"}, format="json")
    assert fixed.status_code == 200 and fixed.json()["category"] == "bed_fall" and fixed.json()["version"] == 2
    assert client.patch(url, {"place": "三楼"}, format="json", HTTP_IF_MATCH='"1"').status_code == 412
    assert client_for(cw.gz_regulator).patch(url, {"place": "x"}, format="json").status_code == 403
    assert client_for(cw.ak_institution).patch(url, {"place": "x"}, format="json").status_code == 404
    assert file(cw, incident_id).status_code == 201
    assert client.patch(url, {"category": "fall"}, format="json").status_code == 409
    assert client.patch(url, {"persons": []}, format="json").status_code == 409
    later = client.patch(url, {"description": "补充：家属已到院陪护。"}, format="json")
    assert later.status_code == 200 and later.json()["persons"][0]["name"] == "王桂兰"


def test_regulators_record_the_institutions_responsibility(cw):
    incident_id = report(cw).json()["id"]
    url = f"{INCIDENTS}{incident_id}/responsibility/"
    body = {"responsibility": "main", "note": "护理员未按规定夜间巡查"}
    assert client_for(cw.gz_institution).post(url, body).status_code == 403
    assert client_for(cw.ak_regulator).post(url, body).status_code == 404
    assert client_for(cw.gz_regulator).post(url, {"responsibility": "some"}).status_code == 400
    done = client_for(cw.gz_regulator).post(url, body)
    assert done.status_code == 200
    assert (done.json()["responsibility"], done.json()["responsibility_note"]) == ("main", "护理员未按规定夜间巡查")
    assert client_for(cw.gz_regulator).get(INCIDENTS, {"responsibility": "main"}).json()["count"] == 1


def test_insurers_read_incidents_only_through_their_claims(cw):
    incident_id = report(cw).json()["id"]
    assert client_for(cw.insurer).get(f"{INCIDENTS}{incident_id}/").status_code == 404
    assert client_for(cw.gz_inspector).get(f"{INCIDENTS}{incident_id}/").status_code == 200  # case inspections
    file(cw, incident_id)
    assert client_for(cw.insurer).get(f"{INCIDENTS}{incident_id}/").status_code == 200
    assert client_for(cw.insurer).get(INCIDENTS).json()["count"] == 1
    assert client_for(cw.insurer_b_user).get(f"{INCIDENTS}{incident_id}/").status_code == 404
    assert client_for(cw.ak_regulator).get(f"{INCIDENTS}{incident_id}/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Claims


def test_a_claim_starts_reported_with_a_number_a_line_and_an_event(cw):
    incident_id = report(cw).json()["id"]
    response = file(cw, incident_id)
    assert response.status_code == 201, response.json()
    body = response.json()
    year = timezone.localdate().year
    assert body["number"] == f"CLM-{year}-{body['id']:07d}"
    assert (body["status"], body["version"], body["institution"], body["insurer"]) == (
        "reported", 1, cw.gz_home.pk, cw.insurer_a.code)
    assert (body["claimed_amount"], body["approved_amount"], body["paid_amount"]) == ("3000.00", None, None)
    assert [(line["person_name"], line["item"], line["claimed_amount"]) for line in body["lines"]] == [
        ("王桂兰", "medical", "3000.00")]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in body["events"]] == [("create", "", "reported")]
    assert body["missing_documents"] == ["invoice", "medical_record"] and body["fast_track"] is False


@pytest.mark.parametrize(
    "section, category, persons, lines, code",
    [
        ("general", "fall", [{"kind": "third_party", "name": "访客甲", "outcome": "injury"}], None, "needs_resident"),
        ("third_party", "fall", [resident()], None, "needs_third_party"),
        ("other", "fall", [resident()], None, "category_not_other_liability"),
        ("general", "fall", [resident(), {"kind": "staff", "name": "护理员乙", "outcome": "injury"}],
         [("medical", "1000.00", 1), ("medical", "2000.00", 0)], "person_not_covered"),
        ("general", "fall", [resident()], [("death", "3000.00", 0)], "item_needs_outcome"),
        ("general", "fall", [resident()], [("legal_fee", "3000.00", 0)], "item_not_in_section"),
        ("general", "fall", [resident()], [("medical", "3000.00", None)], "person_required"),
        ("general", "fall", [resident("甲"), resident("乙")], None, "lines_required"),
        ("general", "fall", [resident()], [("medical", "1000.00", 0)], "amount_mismatch"),
        ("legal_costs", "fall", [resident()], [("medical", "3000.00", 0)], "item_not_in_section"),
    ],
)
def test_the_section_must_fit(cw, section, category, persons, lines, code):
    event = incident(cw.gz_institution, category=category, persons=persons)
    people = list(event.persons.order_by("id"))
    extra = {}
    if lines is not None:
        extra["lines"] = [{"item": item, "claimed_amount": amount,
                           **({"person": people[index].pk} if index is not None else {})}
                          for item, amount, index in lines]
    response = file(cw, event.pk, section=section, **extra)
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert not Claim.objects.exists()


def test_sections_that_fit(cw):
    fire = incident(cw.gz_institution, category="fire",
                    persons=[resident(), {"kind": "third_party", "name": "访客甲", "outcome": "injury"}])
    people = {p.kind: p.pk for p in fire.persons.all()}
    assert file(cw, fire.pk, section="other", lines=[
        {"person": people["resident"], "item": "medical", "claimed_amount": "1000.00"},
        {"person": people["third_party"], "item": "medical", "claimed_amount": "2000.00"},
    ]).status_code == 201
    assert file(cw, fire.pk, section="third_party").status_code == 201  # the only third party: a default line
    assert file(cw, fire.pk, section="general").status_code == 201


def test_legal_costs_need_arbitration_or_litigation_documents_before_registration(cw):
    event = incident(cw.gz_institution)
    response = file(cw, event.pk, section="legal_costs", claimed_amount="8000.00")
    assert response.status_code == 201
    body = response.json()
    assert body["lines"][0]["item"] == "legal_fee" and body["lines"][0]["person"] is None
    assert "arbitration_or_litigation" in body["missing_documents"]
    insurer = client_for(cw.insurer)
    refused = insurer.post(f"{CLAIMS}{body['id']}/register/", {})
    assert refused.status_code == 400 and refused.json()["code"] == "legal_documents_required"
    client_for(cw.gz_institution).post(f"{CLAIMS}{body['id']}/documents/", {
        "file": SimpleUploadedFile("起诉状.pdf", pdf_bytes()), "kind": "litigation"}, format="multipart")
    assert insurer.post(f"{CLAIMS}{body['id']}/register/", {}).status_code == 200


def test_the_policy_must_be_the_institutions_and_in_force_on_the_incident_date(cw):
    before = incident(cw.gz_institution, occurred_at=timezone.now() - timedelta(days=150))
    response = file(cw, before.pk)
    assert response.status_code == 400 and response.json()["code"] == "outside_policy_term"
    recent = incident(cw.gz_institution)
    assert file(cw, recent.pk, policy=cw.gz2_policy.pk).status_code == 400  # another home's policy
    assert file(cw, recent.pk, policy=cw.ak_policy.pk).status_code == 400
    assert file(cw, recent.pk, policy=999999).status_code == 400
    assert file(cw, 999999).status_code == 400
    assert file(cw, recent.pk, who="insurer").status_code == 403
    assert file(cw, recent.pk, who="gz_regulator").status_code == 403
    assert file(cw, recent.pk, claimed_amount="0.00").status_code == 400
    assert file(cw, recent.pk, claimed_amount="1e20").status_code == 400


def test_a_section_the_policy_lacks_is_refused(cw):
    home = InstitutionFactory(region=region("440106"))
    user = make_user("institution", institution=home)
    only_general = [{"section": "general", "per_person_limit": D("1000"), "per_accident_limit": D("1500"),
                     "aggregate_limit": D("3000"), "deductible": D("0")}]
    policy = active_policy(home, user, cw.insurer, sections=only_general)
    event = incident(user, category="fire")
    response = client_for(user).post(CLAIMS, {"policy": policy.pk, "incident": event.pk, "section": "other",
                                              "claimed_amount": "100.00"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "section_not_on_policy"


def test_a_policy_that_has_since_expired_still_answers_for_its_term(cw):
    today = timezone.localdate()
    start = today - timedelta(days=500)
    end = start.replace(year=start.year + 1) - timedelta(days=1)
    if not RatingScheme.objects.filter(region_id="440000", year=start.year).exists():
        make_scheme("440000", start.year)
    home = InstitutionFactory(region=region("440106"))
    user = make_user("institution", institution=home)
    policy = active_policy(home, user, cw.insurer, start=start, end=end)
    expire_policies(today=today)
    assert Policy.objects.get(pk=policy.pk).status == "expired"
    event = incident(user, occurred_at=timezone.now() - timedelta(days=450))
    response = client_for(user).post(CLAIMS, {"policy": policy.pk, "incident": event.pk, "section": "general",
                                              "claimed_amount": "100.00"}, format="json")
    assert response.status_code == 201, response.json()
    late = incident(user)  # after the term
    response = client_for(user).post(CLAIMS, {"policy": policy.pk, "incident": late.pk, "section": "general",
                                              "claimed_amount": "100.00"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "outside_policy_term"


def test_one_live_claim_per_incident_and_section(cw):
    event = incident(cw.gz_institution)
    first = file(cw, event.pk).json()
    again = file(cw, event.pk)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_claim"
    client_for(cw.gz_institution).post(f"{CLAIMS}{first['id']}/withdraw/", {"note": "重新报案"})
    assert file(cw, event.pk).status_code == 201


def test_fast_track_needs_complete_documents_and_a_small_amount(cw):
    small = new_claim(cw, amount="4800.00")
    large = new_claim(cw, amount="5000.01")
    client = client_for(cw.gz_institution)
    for claim in (small, large):
        for name, kind in (("票据.pdf", "invoice"), ("病历.pdf", "medical_record")):
            response = client.post(f"{CLAIMS}{claim.pk}/documents/",
                                   {"file": SimpleUploadedFile(name, pdf_bytes()), "kind": kind}, format="multipart")
            assert response.status_code == 201, response.json()
    small.refresh_from_db()
    large.refresh_from_db()
    assert (small.fast_track, large.fast_track) == (True, False)
    queue = client_for(cw.insurer).get(CLAIMS).json()["results"]
    assert [c["id"] for c in queue][:1] == [small.pk] and queue[0]["missing_documents"] == []
    advance(cw, small, "register")
    advance(cw, small, "request-documents")
    small.refresh_from_db()
    assert small.fast_track is False  # waiting for documents
    advance(cw, small, "submit-documents")
    small.refresh_from_db()
    assert small.fast_track is True


def test_the_schemes_fast_track_limit_applies(cw):
    cw.gz_policy.scheme.__class__.objects.filter(pk=cw.gz_policy.scheme_id).update(fast_track_limit=D("1000.00"))
    claim = new_claim(cw, amount="3000.00")
    for name, kind in (("票据.pdf", "invoice"), ("病历.pdf", "medical_record")):
        client_for(cw.gz_institution).post(f"{CLAIMS}{claim.pk}/documents/",
                                           {"file": SimpleUploadedFile(name, pdf_bytes()), "kind": kind},
                                           format="multipart")
    claim.refresh_from_db()
    assert claim.fast_track is False


def test_a_withdrawn_claim_still_fixes_the_persons_it_names(cw):
    claim = new_claim(cw)
    advance(cw, claim, "withdraw")
    response = client_for(cw.gz_institution).patch(f"{INCIDENTS}{claim.incident_id}/", {"persons": []}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "incident_has_claims"
