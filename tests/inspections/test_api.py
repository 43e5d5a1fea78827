"""The inspections API as an inspector's phone, an institution and a regulator's dashboard use it:
the whole flow, the two state machines, visibility of unannounced inspections, planning rules, the
fine cap, If-Match, Idempotency-Key, batch answers, uploads, query counts, error shape and labels."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts.choices import Department, Role
from accounts.models import Notification
from accounts.workdays import add_working_days
from inspections import services
from inspections.choices import FindingStatus, InspectionStatus, InspectionType
from inspections.models import (
    Finding,
    FindingEvent,
    Inspection,
    InspectionEvent,
    InspectionPhoto,
    InspectionResult,
    Penalty,
    Signature,
)
from tests.api.test_contract import assert_error_shape
from tests.conftest import client_for
from tests.factories import make_user, pdf_bytes

pytestmark = pytest.mark.django_db
INSPECTIONS, FINDINGS, PENALTIES = "/api/v1/inspections/", "/api/v1/findings/", "/api/v1/penalties/"
ALL_DEPARTMENTS = [Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE, Department.HOUSING]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# ---------------------------------------------------------------------------------------------
# Helpers (the matrix test uses them too)


def image_bytes(fmt="PNG", size=(40, 30), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


def today():
    return timezone.localdate()


def item(iw, code):
    return iw.checklist.items.get(code=code)


def far_team(iw):
    """Two inspectors of 安康, so the 汉滨 home can be inspected and signed off like the 天河 one."""
    if not hasattr(iw, "far_inspector2"):
        iw.far_inspector2 = make_user(Role.INSPECTOR, region_code="610902", department=Department.FIRE_RESCUE)
    return [iw.far_inspector, iw.far_inspector2]


STEPS = ["planned", "notified", "in_progress", "signed", "completed", "closed"]


def inspection_in(iw, status, *, home=None, type=InspectionType.ROUTINE, finding=False, photo=False):
    """An inspection of `home` (default the 天河 home) moved to `status` through the services (the
    administrator drives it; the team signs for itself). `status` may also be "signed": in progress
    with every item answered and every signature given, ready to complete. `finding`: one finding on
    FS-2; `photo`: one photo of it."""
    home = home or iw.home
    team = [iw.inspector, iw.inspector2] if home != iw.far_home else far_team(iw)
    inspection = iw.plan(home, type=type, scheduled_for=add_working_days(today(), 5), inspectors=team)
    reached = STEPS.index(status)
    pk, admin = inspection.pk, iw.admin
    if reached >= 1 and type != InspectionType.CASE:
        services.notify_inspection(actor=admin, inspection_id=pk)
    if reached >= 2:
        services.start_inspection(actor=admin, inspection_id=pk)
        if finding:
            found = services.record_finding(actor=admin, inspection_id=pk, data=services.FindingData(
                description="未按规定组织消防演练", severity=2, scope="isolated", item_id=item(iw, "FS-2").pk))
            if photo:
                services.upload_photo(actor=admin, inspection_id=pk, finding_id=found.pk,
                                      uploaded=SimpleUploadedFile("演练记录.jpg", image_bytes("JPEG")))
    if reached >= 3:
        for one in iw.checklist.items.exclude(results__inspection_id=pk):
            services.record_result(actor=admin, inspection_id=pk, item_id=one.pk, outcome="pass")
        for member in team:
            services.sign_inspection(actor=member, inspection_id=pk, kind="inspector")
        services.sign_inspection(actor=admin, inspection_id=pk, kind="representative", name="张院长")
    if reached >= 4:
        services.complete_inspection(actor=admin, inspection_id=pk)
    if reached >= 5:
        services.close_inspection(actor=admin, inspection_id=pk)
    return Inspection.objects.get(pk=pk)


def finding_in(iw, status, *, home=None, photo=False):
    """A finding of a completed inspection, moved to `status` through the services."""
    inspection = inspection_in(iw, InspectionStatus.COMPLETED, home=home, finding=True, photo=photo)
    finding = inspection.findings.get()
    institution = finding.institution.users.filter(role=Role.INSTITUTION).first() or make_user(
        Role.INSTITUTION, institution=finding.institution)
    if status in (FindingStatus.SUBMITTED, FindingStatus.CLOSED):
        services.submit_rectification(actor=institution, finding_id=finding.pk, plan="本周内组织演练",
                                      files=[SimpleUploadedFile("演练.png", image_bytes())])
    if status == FindingStatus.CLOSED:
        services.verify_rectification(actor=iw.admin, finding_id=finding.pk, accepted=True)
    if status == FindingStatus.OVERDUE:
        Finding.objects.filter(pk=finding.pk).update(deadline=today() - timedelta(days=1))
        services.mark_overdue(today=today())
    if status == FindingStatus.ESCALATED:
        services.escalate_finding(actor=iw.admin, finding_id=finding.pk, kind="blacklist_referral", note="逾期")
    return Finding.objects.get(pk=finding.pk)


def plan_body(iw, **overrides):
    return {
        "institution": iw.home.pk, "type": "routine", "scheduled_for": add_working_days(today(), 3).isoformat(),
        "departments": ALL_DEPARTMENTS, "inspectors": [iw.inspector.pk, iw.inspector2.pk],
        "checklist": iw.checklist.pk,  # the national joint checklist is seeded too; this one is small
    } | overrides


def penalty_body(iw, **overrides):
    return {"institution": iw.home.pk, "kind": "fine", "amount": "5000.00", "reason": "消防通道堵塞且逾期未整改",
            "legal_basis": "《养老机构管理办法》第四十六条", "decided_on": today().isoformat(),
            "document_number": "穗民罚〔2026〕1号"} | overrides


# ---------------------------------------------------------------------------------------------
# The whole flow


def test_the_whole_flow_through_the_api(iw):
    regulator, inspector, inspector2 = client_for(iw.regulator), client_for(iw.inspector), client_for(iw.inspector2)
    home = client_for(iw.institution)

    planned = regulator.post(INSPECTIONS, plan_body(iw), format="json")
    assert planned.status_code == 201, planned.json()
    body = planned.json()
    pk, url = body["id"], f"{INSPECTIONS}{body['id']}/"
    assert (body["status"], body["number"][:2], body["region"], body["version"]) == ("planned", "JC", "440106", 1)
    assert set(body["inspectors"]) == {iw.inspector.pk, iw.inspector2.pk}
    assert set(body["inspector_names"]) == {"王检查", "李消防"}
    assert body["checklist"]["code"] == "test-joint" and body["checklist"]["version"] == 1
    assert home.get(INSPECTIONS).json()["count"] == 0  # not announced yet

    notified = regulator.post(f"{url}notify/", {"note": "请备齐消防档案"}, format="json", HTTP_IF_MATCH='"1"')
    assert notified.status_code == 200 and notified.json()["status"] == "notified"
    assert home.get(url).json()["status"] == "notified"
    assert Notification.objects.filter(user=iw.institution, url=f"/inspections/{pk}/").exists()

    assert inspector.post(f"{url}start/", {}, format="json").json()["status"] == "in_progress"
    checklist = inspector.get(f"{url}checklist/").json()
    assert [row["code"] for row in checklist] == ["BR-1", "NP-1", "MH-1", "FS-1", "FS-2"]
    assert all(row["answer"] is None for row in checklist)
    ids = {row["code"]: row["id"] for row in checklist}

    answers = [{"item": ids[code], "outcome": "pass"} for code in ("BR-1", "NP-1", "MH-1", "FS-2")]
    answers.append({"item": ids["FS-1"], "outcome": "fail", "note": "二楼安全出口堆放杂物"})
    saved = inspector.post(f"{url}results/", answers, format="json")
    assert saved.status_code == 200 and [r["item_code"] for r in saved.json()] == ["BR-1", "NP-1", "MH-1", "FS-2", "FS-1"]

    photo = inspector.post(f"{url}photos/", {"file": SimpleUploadedFile("出口.jpg", image_bytes("JPEG")),
                                             "item": ids["FS-1"], "caption": "安全出口"}, format="multipart")
    assert photo.status_code == 201, photo.json()
    assert photo.json()["item"] == ids["FS-1"]
    fake = inspector.post(f"{url}photos/", {"file": SimpleUploadedFile("假.jpg", b"\xff\xd8\xff\xe0 not a jpeg")},
                          format="multipart")
    assert_error_shape(fake, 400, "not_an_image")

    found = inspector.post(f"{url}findings/", {"item": ids["FS-1"], "description": "安全出口被杂物堵塞",
                                               "severity": 3, "scope": "pattern"}, format="json")
    assert found.status_code == 201, found.json()
    finding = found.json()
    assert (finding["grade"], finding["is_major_hazard"], finding["status"]) == ("H", True, "open")
    assert finding["legal_basis"] == "民发〔2023〕37号"  # the item's clause by default
    assert finding["deadline"] > today().isoformat()

    assert inspector.post(f"{url}sign/", {"kind": "inspector"}, format="json").status_code == 201
    assert inspector2.post(f"{url}sign/", {"kind": "inspector", "image": SimpleUploadedFile("签名.png", image_bytes())},
                           format="multipart").json()["has_image"] is True
    representative = inspector.post(f"{url}sign/", {"kind": "representative", "name": "张院长"}, format="json")
    assert representative.json()["name"] == "张院长"

    version = inspector.get(url).json()["version"]
    completed = inspector.post(f"{url}complete/", {"conclusion": "存在一处重大火灾隐患"}, format="json",
                               HTTP_IF_MATCH=f'"{version}"')
    assert completed.status_code == 200, completed.json()
    detail = completed.json()
    assert detail["status"] == "completed" and detail["findings_total"] == 1 and detail["major_hazards"] == 1
    assert len(detail["results"]) == 5 and len(detail["signatures"]) == 3 and len(detail["photos"]) == 1
    assert [e["to_status"] for e in detail["events"]] == ["planned", "notified", "in_progress", "completed"]
    for document in ("report.pdf", "notice.pdf"):
        pdf = home.get(f"{url}{document}")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    furl = f"{FINDINGS}{finding['id']}/"
    submitted = home.post(f"{furl}submit-rectification/", {
        "plan": "当日清理杂物，设专人巡查", "evidence_note": "已清理",
        "files": [SimpleUploadedFile("清理后.png", image_bytes()), SimpleUploadedFile("巡查制度.pdf", pdf_bytes())],
    }, format="multipart")
    assert submitted.status_code == 200, submitted.json()
    rectification = submitted.json()["rectifications"][0]
    assert submitted.json()["status"] == "submitted"
    assert [f["content_type"] for f in rectification["files"]] == ["image/png", "application/pdf"]
    assert regulator.get(rectification["files"][1]["url"])["Content-Type"] == "application/pdf"
    assert client_for(iw.other_institution).get(rectification["files"][0]["url"]).status_code == 404

    rejected = inspector.post(f"{furl}verify/", {"accepted": False, "note": "杂物仍未清完"}, format="json")
    assert rejected.json()["status"] == "open"
    assert rejected.json()["rectifications"][0]["decision"] == "rejected"
    home.post(f"{furl}submit-rectification/", {"plan": "再次清理", "files": [SimpleUploadedFile("b.png", image_bytes())]},
              format="multipart")
    accepted = inspector2.post(f"{furl}verify/", {"accepted": True}, format="json")
    assert accepted.json()["status"] == "closed"
    assert [e["to_status"] for e in accepted.json()["events"]] == ["open", "submitted", "open", "submitted", "closed"]

    closed = regulator.post(f"{url}close/", {}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


# ---------------------------------------------------------------------------------------------
# State machines, table-driven


IS, FS = InspectionStatus, FindingStatus


@pytest.mark.parametrize(
    "action, state, who, expected, code",
    [
        ("notify", IS.PLANNED, "regulator", 200, None),
        ("notify", IS.PLANNED, "inspector", 200, None),
        ("notify", IS.NOTIFIED, "regulator", 409, "invalid_transition"),
        ("notify", IS.IN_PROGRESS, "regulator", 409, "invalid_transition"),
        ("notify", IS.PLANNED, "institution", 404, "not_found"),  # a planned inspection is invisible to it
        ("notify", IS.PLANNED, "far_regulator", 404, "not_found"),
        ("start", IS.NOTIFIED, "inspector", 200, None),
        ("start", IS.PLANNED, "inspector", 409, "not_notified"),
        ("start", IS.NOTIFIED, "regulator", 403, "permission_denied"),
        ("start", IS.NOTIFIED, "outsider_inspector", 403, "permission_denied"),  # of the region, not on the team
        ("start", IS.NOTIFIED, "institution", 403, "permission_denied"),
        ("start", IS.NOTIFIED, "far_inspector", 404, "not_found"),
        ("start", IS.COMPLETED, "inspector", 409, "invalid_transition"),
        ("complete", "signed", "inspector", 200, None),
        ("complete", "signed", "institution", 403, "permission_denied"),
        ("complete", IS.IN_PROGRESS, "inspector", 409, "incomplete"),  # nothing answered or signed
        ("complete", IS.NOTIFIED, "inspector", 409, "invalid_transition"),
        ("complete", IS.IN_PROGRESS, "regulator", 403, "permission_denied"),
        ("close", IS.COMPLETED, "regulator", 200, None),
        ("close", IS.COMPLETED, "inspector", 200, None),
        ("close", IS.COMPLETED, "institution", 403, "permission_denied"),
        ("close", IS.IN_PROGRESS, "regulator", 409, "invalid_transition"),
        ("close", IS.CLOSED, "regulator", 409, "invalid_transition"),
    ],
)
def test_inspection_state_machine(iw, action, state, who, expected, code):
    iw.outsider_inspector = make_user(Role.INSPECTOR, region_code="440106")
    inspection = inspection_in(iw, state)
    before = inspection.status
    response = client_for(getattr(iw, who)).post(f"{INSPECTIONS}{inspection.pk}/{action}/", {}, format="json")
    assert response.status_code == expected, response.json()
    if code:
        assert_error_shape(response, expected, code)
        assert Inspection.objects.get(pk=inspection.pk).status == before  # nothing moved
    else:
        assert response.json()["status"] == Inspection.objects.get(pk=inspection.pk).status != before


@pytest.mark.parametrize(
    "action, state, who, expected, code",
    [
        ("submit-rectification", FS.OPEN, "institution", 200, None),
        ("submit-rectification", FS.OVERDUE, "institution", 200, None),  # late is still answered
        ("submit-rectification", FS.SUBMITTED, "institution", 409, "invalid_transition"),
        ("submit-rectification", FS.OPEN, "inspector", 403, "permission_denied"),
        ("submit-rectification", FS.OPEN, "other_institution", 404, "not_found"),
        ("verify", FS.SUBMITTED, "inspector", 200, None),
        ("verify", FS.OPEN, "inspector", 409, "invalid_transition"),
        ("verify", FS.SUBMITTED, "regulator", 403, "permission_denied"),
        ("verify", FS.SUBMITTED, "institution", 403, "permission_denied"),
        ("verify", FS.SUBMITTED, "far_inspector", 404, "not_found"),
        ("escalate", FS.OVERDUE, "regulator", 200, None),
        ("escalate", FS.OPEN, "inspector", 200, None),
        ("escalate", FS.CLOSED, "regulator", 409, "invalid_transition"),
        ("escalate", FS.ESCALATED, "regulator", 409, "invalid_transition"),
        ("escalate", FS.OVERDUE, "institution", 403, "permission_denied"),
        ("escalate", FS.OVERDUE, "far_regulator", 404, "not_found"),
    ],
)
def test_finding_state_machine(iw, action, state, who, expected, code):
    finding = finding_in(iw, state)
    client = client_for(getattr(iw, who))
    url = f"{FINDINGS}{finding.pk}/{action}/"
    if action == "submit-rectification":
        response = client.post(url, {"plan": "整改", "files": [SimpleUploadedFile("a.png", image_bytes())]},
                               format="multipart")
    else:
        body = {"accepted": True} if action == "verify" else {"kind": "blacklist_referral", "note": "逾期未改"}
        response = client.post(url, body, format="json")
    assert response.status_code == expected, response.json()
    if code:
        assert_error_shape(response, expected, code)
        assert Finding.objects.get(pk=finding.pk).status == state
    else:
        assert response.json()["status"] == Finding.objects.get(pk=finding.pk).status != state


def test_on_site_work_needs_the_inspection_in_progress_and_the_team(iw):
    notified = inspection_in(iw, IS.NOTIFIED)
    one = item(iw, "BR-1").pk
    early = client_for(iw.inspector).post(f"{INSPECTIONS}{notified.pk}/results/", {"item": one, "outcome": "pass"},
                                          format="json")
    assert_error_shape(early, 409, "not_in_progress")
    started = inspection_in(iw, IS.IN_PROGRESS)
    for who, status in [("regulator", 403), ("institution", 403), ("far_inspector", 404), ("inspector", 200)]:
        response = client_for(getattr(iw, who)).post(f"{INSPECTIONS}{started.pk}/results/",
                                                     {"item": one, "outcome": "pass"}, format="json")
        assert response.status_code == status, who
    assert InspectionResult.objects.filter(inspection=started).count() == 1


# ---------------------------------------------------------------------------------------------
# Visibility, planning rules, penalties


def test_a_case_inspection_stays_hidden_from_the_institution_until_started(iw):
    case = inspection_in(iw, IS.PLANNED, type=InspectionType.CASE)
    home = client_for(iw.institution)
    url = f"{INSPECTIONS}{case.pk}/"
    assert home.get(INSPECTIONS).json()["count"] == 0
    for path in ("", "checklist/", "report.pdf", "notice.pdf"):
        assert_error_shape(home.get(url + path), 404, "not_found")
    assert client_for(iw.regulator).get(url).status_code == 200
    notice = client_for(iw.regulator).post(f"{url}notify/", {}, format="json")
    assert_error_shape(notice, 409, "unannounced")
    assert client_for(iw.inspector).post(f"{url}start/", {}, format="json").status_code == 200
    assert home.get(url).json()["type"] == "case"
    assert [row["id"] for row in home.get(INSPECTIONS).json()["results"]] == [case.pk]


def test_the_reason_of_a_case_inspection_is_not_shown_to_the_institution(iw):
    case = inspection_in(iw, IS.IN_PROGRESS, type=InspectionType.CASE)
    Inspection.objects.filter(pk=case.pk).update(reason="家属投诉：夜间无人值守")
    url = f"{INSPECTIONS}{case.pk}/"
    assert client_for(iw.regulator).get(url).json()["reason"] == "家属投诉：夜间无人值守"
    assert client_for(iw.institution).get(url).json()["reason"] == ""


def test_the_notice_period(iw):
    regulator = client_for(iw.regulator)
    too_soon = regulator.post(INSPECTIONS, plan_body(iw, scheduled_for=add_working_days(today(), 2).isoformat()),
                              format="json")
    body = assert_error_shape(too_soon, 400, "notice_period")
    assert list(body["fields"]) == ["scheduled_for"]
    assert add_working_days(today(), 3).isoformat() in body["detail"]
    case_tomorrow = plan_body(iw, type="case", scheduled_for=(today() + timedelta(days=1)).isoformat())
    assert list(assert_error_shape(regulator.post(INSPECTIONS, case_tomorrow, format="json"), 400)["fields"]) == ["reason"]
    ok = regulator.post(INSPECTIONS, case_tomorrow | {"reason": "家属投诉夜间无人值守"}, format="json")
    assert ok.status_code == 201 and ok.json()["reason"] == "家属投诉夜间无人值守"
    assert Inspection.objects.count() == 1


@pytest.mark.parametrize(
    "who, overrides, field",
    [
        ("regulator", lambda iw: {"inspectors": [iw.inspector.pk]}, "inspectors"),  # one is not enough
        ("regulator", lambda iw: {"inspectors": [iw.inspector.pk, iw.far_inspector.pk]}, "inspectors"),
        ("regulator", lambda iw: {"inspectors": [iw.inspector.pk, iw.regulator.pk]}, "inspectors"),  # not an inspector
        ("regulator", lambda iw: {"departments": [Department.CIVIL_AFFAIRS]}, "inspectors"),  # fire not taking part
        ("regulator", lambda iw: {"departments": ["police"]}, "departments"),
        ("regulator", lambda iw: {"institution": iw.far_home.pk}, "institution"),  # outside the region
        ("regulator", lambda iw: {"type": "surprise"}, "type"),
    ],
)
def test_planning_rules(iw, who, overrides, field):
    response = client_for(getattr(iw, who)).post(INSPECTIONS, plan_body(iw, **overrides(iw)), format="json")
    body = assert_error_shape(response, 400)
    assert field in body["fields"]
    assert not Inspection.objects.exists()


def test_only_regulators_and_inspectors_of_the_region_plan(iw):
    assert_error_shape(client_for(iw.institution).post(INSPECTIONS, plan_body(iw), format="json"), 403,
                       "permission_denied")
    elsewhere = client_for(iw.far_regulator).post(INSPECTIONS, plan_body(iw), format="json")
    assert list(assert_error_shape(elsewhere, 400)["fields"]) == ["institution"]
    assert not Inspection.objects.exists()
    assert client_for(iw.inspector).post(INSPECTIONS, plan_body(iw), format="json").status_code == 201


def test_a_fine_is_at_most_30000_yuan(iw):
    regulator = client_for(iw.regulator)
    over = regulator.post(PENALTIES, penalty_body(iw, amount="30000.01"), format="json")
    body = assert_error_shape(over, 400, "fine_out_of_range")
    assert list(body["fields"]) == ["amount"]
    assert not Penalty.objects.exists()
    ok = regulator.post(PENALTIES, penalty_body(iw, amount="30000"), format="json")
    assert ok.status_code == 201 and ok.json()["amount"] == "30000.00" and ok.json()["kind_display"]
    warning_with_amount = regulator.post(PENALTIES, penalty_body(iw, kind="warning", amount="100"), format="json")
    assert list(assert_error_shape(warning_with_amount, 400)["fields"]) == ["amount"]
    assert regulator.post(PENALTIES, penalty_body(iw, kind="warning", amount=None), format="json").status_code == 201
    # Escalating with a fine above the cap is refused the same way, and the finding stays as it was.
    finding = finding_in(iw, FS.OVERDUE)
    escalation = regulator.post(f"{FINDINGS}{finding.pk}/escalate/", {
        "kind": "penalty", "note": "逾期未整改",
        "penalty": {k: v for k, v in penalty_body(iw, amount="50000").items() if k != "institution"},
    }, format="json")
    assert list(assert_error_shape(escalation, 400, "fine_out_of_range")["fields"]) == ["amount"]
    assert Finding.objects.get(pk=finding.pk).status == FS.OVERDUE


def test_escalation_with_a_penalty_and_its_document(iw):
    finding = finding_in(iw, FS.OVERDUE)
    regulator = client_for(iw.regulator)
    penalty = {k: v for k, v in penalty_body(iw).items() if k != "institution"}
    escalated = regulator.post(f"{FINDINGS}{finding.pk}/escalate/", {"kind": "penalty", "note": "逾期未整改",
                                                                     "penalty": penalty}, format="json")
    assert escalated.status_code == 200, escalated.json()
    escalation = escalated.json()["escalations"][0]
    assert escalated.json()["status"] == "escalated" and escalation["kind"] == "penalty"
    listed = client_for(iw.institution).get(PENALTIES).json()["results"]
    assert [(p["id"], p["finding"], p["amount"]) for p in listed] == [(escalation["penalty"], finding.pk, "5000.00")]
    assert listed[0]["document"] is None
    with_document = regulator.post(PENALTIES, penalty_body(iw, document=SimpleUploadedFile("决定书.pdf", pdf_bytes())),
                                   format="multipart")
    assert with_document.status_code == 201, with_document.json()
    document_url = with_document.json()["document"]
    assert client_for(iw.institution).get(document_url)["Content-Type"] == "application/pdf"
    assert client_for(iw.other_institution).get(document_url).status_code == 404
    not_pdf = regulator.post(PENALTIES, penalty_body(iw, document=SimpleUploadedFile("x.pdf", b"plain text")),
                             format="multipart")
    assert_error_shape(not_pdf, 400, "not_a_pdf")


def test_a_rejected_rectification_past_its_deadline_is_overdue(iw):
    finding = finding_in(iw, FS.SUBMITTED)
    Finding.objects.filter(pk=finding.pk).update(deadline=today() - timedelta(days=2))
    no_note = client_for(iw.inspector).post(f"{FINDINGS}{finding.pk}/verify/", {"accepted": False}, format="json")
    assert list(assert_error_shape(no_note, 400)["fields"]) == ["note"]
    rejected = client_for(iw.inspector).post(f"{FINDINGS}{finding.pk}/verify/",
                                             {"accepted": False, "note": "演练记录不全"}, format="json")
    assert rejected.json()["status"] == "overdue" and rejected.json()["overdue"] is True


# ---------------------------------------------------------------------------------------------
# Conventions: If-Match, Idempotency-Key, batch answers, uploads


def test_a_stale_if_match_is_refused(iw):
    inspection = inspection_in(iw, IS.PLANNED)
    regulator = client_for(iw.regulator)
    stale = regulator.post(f"{INSPECTIONS}{inspection.pk}/notify/", {}, format="json", HTTP_IF_MATCH='"2"')
    assert_error_shape(stale, 412, "stale_version")
    assert Inspection.objects.get(pk=inspection.pk).status == IS.PLANNED
    assert regulator.post(f"{INSPECTIONS}{inspection.pk}/notify/", {}, format="json",
                          HTTP_IF_MATCH='"1"').json()["version"] == 2
    finding = finding_in(iw, FS.SUBMITTED)
    url = f"{FINDINGS}{finding.pk}/verify/"
    stale = client_for(iw.inspector).post(url, {"accepted": True}, format="json",
                                          HTTP_IF_MATCH=f'"{finding.version - 1}"')
    assert_error_shape(stale, 412, "stale_version")
    assert client_for(iw.inspector).post(url, {"accepted": True}, format="json",
                                         HTTP_IF_MATCH=f'"{finding.version}"').status_code == 200


def test_idempotency_keys_replay_creations(iw):
    regulator = client_for(iw.regulator)
    first = regulator.post(INSPECTIONS, plan_body(iw), format="json", HTTP_IDEMPOTENCY_KEY="plan-1")
    again = regulator.post(INSPECTIONS, plan_body(iw), format="json", HTTP_IDEMPOTENCY_KEY="plan-1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"] and Inspection.objects.count() == 1
    reused = regulator.post(INSPECTIONS, plan_body(iw, type="special"), format="json", HTTP_IDEMPOTENCY_KEY="plan-1")
    assert_error_shape(reused, 409, "idempotency_key_reused")

    started = inspection_in(iw, IS.IN_PROGRESS)
    inspector = client_for(iw.inspector)
    finding = {"description": "床栏缺失", "severity": 2, "scope": "isolated"}
    for _ in range(2):
        response = inspector.post(f"{INSPECTIONS}{started.pk}/findings/", finding, format="json",
                                  HTTP_IDEMPOTENCY_KEY="finding-1")
        assert response.status_code == 201
    assert started.findings.count() == 1
    for _ in range(2):  # a phone retrying an upload whose answer it never received
        response = inspector.post(f"{INSPECTIONS}{started.pk}/photos/", {"file": SimpleUploadedFile(
            "p.png", image_bytes())}, format="multipart", HTTP_IDEMPOTENCY_KEY="photo-1")
        assert response.status_code == 201
    assert InspectionPhoto.objects.filter(inspection=started).count() == 1
    fines = [client_for(iw.regulator).post(PENALTIES, penalty_body(iw), format="json", HTTP_IDEMPOTENCY_KEY="fine-1")
             for _ in range(2)]
    assert fines[0].json() == fines[1].json() and Penalty.objects.count() == 1


def test_batch_answers_are_all_or_nothing(iw):
    started = inspection_in(iw, IS.IN_PROGRESS)
    Inspection.objects.filter(pk=started.pk).update(departments=[Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE])
    url = f"{INSPECTIONS}{started.pk}/results/"
    inspector = client_for(iw.inspector)
    good = [{"item": item(iw, "BR-1").pk, "outcome": "pass"}, {"item": item(iw, "NP-1").pk, "outcome": "not_applicable"}]
    housing = {"item": item(iw, "MH-1").pk, "outcome": "pass"}  # housing is not taking part any more
    refused = inspector.post(url, [*good, housing], format="json")
    body = assert_error_shape(refused, 400)
    assert list(body["fields"]) == ["2.item"] and "3" in body["detail"]  # the third answer
    bad_outcome = inspector.post(url, [good[0], {"item": item(iw, "FS-1").pk, "outcome": "maybe"}], format="json")
    assert list(assert_error_shape(bad_outcome, 400)["fields"]) == ["1.outcome"]
    assert not InspectionResult.objects.filter(inspection=started).exists()
    assert_error_shape(inspector.post(url, [], format="json"), 400)

    saved = inspector.post(url, good, format="json")
    assert saved.status_code == 200 and [r["outcome"] for r in saved.json()] == ["pass", "not_applicable"]
    again = inspector.post(url, {"item": item(iw, "BR-1").pk, "outcome": "fail", "note": "标识缺失"}, format="json")
    assert again.status_code == 200 and again.json()["outcome"] == "fail"  # one answer: one object back
    answers = {r.item.code: r.outcome for r in InspectionResult.objects.filter(inspection=started)}
    assert answers == {"BR-1": "fail", "NP-1": "not_applicable"}
    checklist = inspector.get(f"{INSPECTIONS}{started.pk}/checklist/").json()
    assert [row["code"] for row in checklist] == ["BR-1", "NP-1", "FS-1", "FS-2"]  # no housing item
    assert checklist[0]["answer"]["note"] == "标识缺失" and checklist[2]["answer"] is None


@pytest.mark.parametrize(
    "name, data, code",
    [("现场.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", "not_an_image"),
     ("现场.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not_an_image"),
     ("现场.pdf", None, "not_an_image")],
)
def test_photos_are_checked_by_content(iw, name, data, code):
    started = inspection_in(iw, IS.IN_PROGRESS)
    response = client_for(iw.inspector).post(f"{INSPECTIONS}{started.pk}/photos/", {
        "file": SimpleUploadedFile(name, pdf_bytes() if data is None else data)}, format="multipart")
    assert_error_shape(response, 400, code)
    assert not InspectionPhoto.objects.exists()


def test_photos_are_stored_re_encoded_and_served_in_scope(iw):
    started = inspection_in(iw, IS.IN_PROGRESS)
    big = image_bytes("PNG", size=(3000, 2000))
    photo = client_for(iw.inspector).post(f"{INSPECTIONS}{started.pk}/photos/", {
        "file": SimpleUploadedFile("走廊全景.png", big)}, format="multipart").json()
    stored = InspectionPhoto.objects.get()
    assert "走廊" not in stored.file.name
    download = client_for(iw.institution).get(photo["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(download.streaming_content))) as image:
        assert max(image.size) == 1600
    for outsider in ("other_institution", "far_regulator", "far_inspector"):
        assert client_for(getattr(iw, outsider)).get(photo["url"]).status_code == 404, outsider


def test_signatures(iw):
    started = inspection_in(iw, IS.IN_PROGRESS)
    url = f"{INSPECTIONS}{started.pk}/sign/"
    inspector = client_for(iw.inspector)
    assert inspector.post(url, {"kind": "inspector"}, format="json").status_code == 201
    assert_error_shape(inspector.post(url, {"kind": "inspector"}, format="json"), 409, "already_signed")
    jpeg = inspector.post(url, {"kind": "representative", "name": "张院长",
                                "image": SimpleUploadedFile("s.jpg", image_bytes("JPEG"))}, format="multipart")
    assert_error_shape(jpeg, 400, "not_an_image")  # a drawn signature is a PNG
    no_name = inspector.post(url, {"kind": "representative"}, format="json")
    assert list(assert_error_shape(no_name, 400)["fields"]) == ["name"]
    assert_error_shape(client_for(iw.admin).post(url, {"kind": "inspector"}, format="json"), 403)
    assert [s.kind for s in Signature.objects.filter(inspection=started)] == ["inspector"]


# ---------------------------------------------------------------------------------------------
# Lists: filters, polling, query counts, labels, schema


def test_inspection_filters(iw):
    mine = inspection_in(iw, IS.NOTIFIED)
    case = inspection_in(iw, IS.PLANNED, type=InspectionType.CASE, home=iw.other_home)
    far = inspection_in(iw, IS.IN_PROGRESS, home=iw.far_home)
    Inspection.objects.filter(pk=far.pk).update(scheduled_for=today() + timedelta(days=60))
    admin = client_for(iw.admin)

    def ids(**params):
        response = admin.get(INSPECTIONS, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(region="440000") == {mine.pk, case.pk} and ids(region="610902") == {far.pk}
    assert ids(type="case") == {case.pk} and ids(institution=iw.home.pk) == {mine.pk}
    assert ids(status=["notified", "in_progress"]) == {mine.pk, far.pk}
    assert ids(scheduled_after=(today() + timedelta(days=30)).isoformat()) == {far.pk}
    assert ids(scheduled_before=(today() + timedelta(days=30)).isoformat()) == {mine.pk, case.pk}
    assert ids(inspector=iw.inspector.pk) == {mine.pk, case.pk}
    mark = timezone.now()
    assert ids(updated_since=mark.isoformat()) == set()
    client_for(iw.inspector).post(f"{INSPECTIONS}{mine.pk}/start/", {}, format="json")
    assert ids(updated_since=mark.isoformat()) == {mine.pk}
    for bad in ({"region": "44"}, {"status": "lost"}, {"scheduled_after": "soon"}, {"institution": "-1"}):
        assert_error_shape(admin.get(INSPECTIONS, bad), 400, "invalid")


def test_finding_filters_and_overdue(iw):
    overdue = finding_in(iw, FS.OVERDUE)
    open_late = finding_in(iw, FS.OPEN)
    Finding.objects.filter(pk=open_late.pk).update(deadline=today() - timedelta(days=1))  # run_daily not run yet
    fresh = finding_in(iw, FS.OPEN, home=iw.other_home)
    Finding.objects.filter(pk=fresh.pk).update(is_major_hazard=True, grade="J")
    far = finding_in(iw, FS.CLOSED, home=iw.far_home)
    admin = client_for(iw.admin)

    def ids(**params):
        return {row["id"] for row in admin.get(FINDINGS, params).json()["results"]}

    assert ids(overdue="true") == {open_late.pk, overdue.pk}
    assert ids(overdue="false") == {fresh.pk, far.pk}
    rows = {row["id"]: row["overdue"] for row in admin.get(FINDINGS).json()["results"]}
    assert rows == {open_late.pk: True, overdue.pk: True, fresh.pk: False, far.pk: False}
    assert ids(is_major_hazard="true") == {fresh.pk} and ids(grade="J") == {fresh.pk}
    assert ids(status="closed") == {far.pk} and ids(region="610000") == {far.pk}
    assert ids(institution=iw.other_home.pk) == {fresh.pk}
    assert_error_shape(admin.get(FINDINGS, {"grade": "Z"}), 400, "invalid")


def test_penalty_filters(iw):
    regulator = client_for(iw.regulator)
    early = regulator.post(PENALTIES, penalty_body(iw, decided_on=(today() - timedelta(days=40)).isoformat()),
                           format="json").json()
    warning = regulator.post(PENALTIES, penalty_body(iw, kind="warning", amount=None,
                                                     institution=iw.other_home.pk), format="json").json()
    client_for(iw.far_regulator).post(PENALTIES, penalty_body(iw, institution=iw.far_home.pk), format="json")
    admin = client_for(iw.admin)

    def ids(**params):
        return [row["id"] for row in admin.get(PENALTIES, params).json()["results"]]

    assert ids(kind="warning") == [warning["id"]]
    assert ids(region="440106") == [warning["id"], early["id"]]  # newest decision first
    assert ids(decided_before=(today() - timedelta(days=1)).isoformat()) == [early["id"]]
    assert len(ids(decided_after=today().isoformat())) == 2
    assert ids(institution=iw.home.pk) == [early["id"]]
    assert regulator.get(PENALTIES).json()["count"] == 2


def _many_inspections(iw, n):
    """`n` completed inspections with answers, findings, photos, signatures and events, written
    directly (the flow itself is tested above; this is about how many queries a page costs)."""
    items = list(iw.checklist.items.all())
    for _ in range(n):
        inspection = iw.plan(status=IS.COMPLETED)
        for one in items:
            InspectionResult.objects.create(inspection=inspection, item=one, outcome="pass", answered_by=iw.inspector)
        finding = Finding.objects.create(inspection=inspection, institution=iw.home, item=items[-1], description="x",
                                         severity=2, scope_of_harm="isolated", grade="D", deadline=today())
        FindingEvent.objects.create(finding=finding, action="record", to_status="open", actor=iw.inspector)
        for member in (iw.inspector, iw.inspector2):
            Signature.objects.create(inspection=inspection, kind="inspector", user=member, name=str(member))
        InspectionEvent.objects.create(inspection=inspection, action="plan", to_status="planned", actor=iw.regulator)
        InspectionPhoto.objects.create(inspection=inspection, finding=finding, file="x.jpg", original_name="x.jpg",
                                       size=1, sha256="0" * 64)
        Penalty.objects.create(institution=iw.home, finding=finding, kind="warning", reason="r", legal_basis="b",
                               decided_on=today(), document_number="n")


@pytest.mark.parametrize("url", [INSPECTIONS, FINDINGS, PENALTIES])
@pytest.mark.parametrize("who", ["regulator", "institution", "inspector"])
def test_list_queries_do_not_grow_with_rows(iw, django_assert_max_num_queries, url, who):
    client = client_for(getattr(iw, who))
    _many_inspections(iw, 3)
    # At most: count, ids, rows, then per nested list or related model one query (the inspection list's
    # checklist, team and its users, answers, findings, signatures, photos, events and who acted).
    with django_assert_max_num_queries(15) as few:
        assert client.get(url, {"page_size": 500}).json()["count"] == 3
    _many_inspections(iw, 17)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url, {"page_size": 500}).json()["count"] == 20


def test_labels_follow_the_request_language(iw):
    inspection = inspection_in(iw, IS.NOTIFIED)
    client = client_for(iw.regulator)
    zh = client.get(f"{INSPECTIONS}{inspection.pk}/").json()
    en = client.get(f"{INSPECTIONS}{inspection.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh["departments_display"] == ["民政", "消防救援", "住房城乡建设"]
    assert en["departments_display"] == ["Civil affairs", "Fire rescue", "Housing and construction"]
    assert (zh["type"], zh["type_display"], en["type_display"]) == ("routine", "日常", "Routine")
    assert en["status_display"] == "Notified"
    finding = finding_in(iw, FS.OPEN)
    en = client.get(f"{FINDINGS}{finding.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (en["scope"], en["scope_display"], en["status_display"]) == ("isolated", "Isolated", "Open")
    assert client.get(f"{FINDINGS}{finding.pk}/").json()["scope_display"] == "个别"
    error = client.post(f"{INSPECTIONS}{inspection.pk}/notify/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert error.status_code == 409 and "Notified" in error.json()["detail"]


def test_unknown_objects_and_methods_use_the_error_shape(iw):
    client = client_for(iw.admin)
    for url in (f"{INSPECTIONS}999999/", f"{FINDINGS}999999/verify/", f"{PENALTIES}999999/document/",
                f"{INSPECTIONS}999999/report.pdf"):
        response = client.post(url, {}, format="json") if url.endswith("verify/") else client.get(url)
        assert_error_shape(response, 404, "not_found")
    inspection = inspection_in(iw, IS.PLANNED)
    assert_error_shape(client.delete(f"{INSPECTIONS}{inspection.pk}/"), 405, "method_not_allowed")
    assert_error_shape(client.post(f"{INSPECTIONS}{inspection.pk}/notify/", "{oops", content_type="application/json"),
                       400, "parse_error")
    assert_error_shape(client.post(f"{INSPECTIONS}{inspection.pk}/notify/", {}, format="json", HTTP_IF_MATCH="v1"),
                       400, "invalid_if_match")


def test_the_schema_documents_every_action_with_body_and_errors():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    actions = {
        "/api/v1/inspections/{id}/notify/": "TransitionNoteRequest",
        "/api/v1/inspections/{id}/start/": "TransitionNoteRequest",
        "/api/v1/inspections/{id}/complete/": "CompletionRequest",
        "/api/v1/inspections/{id}/close/": "TransitionNoteRequest",
        "/api/v1/inspections/{id}/results/": "ResultAnswersRequest",
        "/api/v1/inspections/{id}/findings/": "FindingInputRequest",
        "/api/v1/inspections/{id}/sign/": "SignRequest",
        "/api/v1/inspections/{id}/photos/": None,
        "/api/v1/findings/{id}/submit-rectification/": None,
        "/api/v1/findings/{id}/verify/": "VerifyRequest",
        "/api/v1/findings/{id}/escalate/": "EscalateRequest",
    }
    for path, component in actions.items():
        operation = paths[path]["post"]
        assert {"400", "403", "404", "409", "412"} <= set(operation["responses"]), path
        content = operation["requestBody"]["content"]
        if component:
            assert content["application/json"]["schema"]["$ref"].endswith(component), path
        else:
            assert "multipart/form-data" in content, path
        assert {"If-Match", "Idempotency-Key"} <= {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    for path in ("/api/v1/inspections/{id}/report.pdf", "/api/v1/inspections/{id}/notice.pdf",
                 "/api/v1/inspections/{id}/checklist/", "/api/v1/inspections/{id}/photos/{photo_id}/",
                 "/api/v1/findings/{id}/files/{file_id}/", "/api/v1/penalties/{id}/document/"):
        assert "get" in paths[path], path
    params = {
        "/api/v1/inspections/": {"institution", "region", "type", "status", "scheduled_after", "scheduled_before",
                                 "updated_since"},
        "/api/v1/findings/": {"institution", "region", "status", "is_major_hazard", "overdue", "grade", "updated_since"},
        "/api/v1/penalties/": {"institution", "region", "kind", "decided_after", "decided_before", "updated_since"},
    }
    for path, expected in params.items():
        assert expected <= {p["name"] for p in paths[path]["get"]["parameters"]}, path
    assert set(schema["components"]["schemas"]["PenaltyDecisionRequest"]["required"]) == {
        "kind", "reason", "legal_basis", "decided_on", "document_number"}
    assert "oneOf" in schema["components"]["schemas"]["ResultAnswersRequest"]  # one answer or a list
