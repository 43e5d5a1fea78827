"""The inspection pages: who may open what, what they show, the on-site answers (JSON and plain POST),
findings and their rectification through the services, the overview's figures, exports and the
number of queries of the lists."""

import base64
import csv
import html
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.choices import Department, Role
from inspections import services
from inspections.choices import FindingStatus, InspectionStatus, InspectionType, PenaltyKind, SignerKind
from inspections.models import ChecklistItem, ChecklistTemplate, Finding, Inspection, InspectionResult, Penalty
from inspections.selectors import checklist_items_of
from tests.factories import InstitutionFactory, make_user, region
from tests.pages import as_user, errors_for, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def image_bytes(fmt="PNG", size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, format=fmt)
    return buffer.getvalue()


def item(iw, code):
    return iw.checklist.items.get(code=code)


def started(iw, **plan):
    """Planned, announced (unless a case inspection) and started by 王检查."""
    inspection = iw.plan(**plan)
    if inspection.type != InspectionType.CASE:
        services.notify_inspection(actor=iw.regulator, inspection_id=inspection.pk)
    services.start_inspection(actor=iw.inspector, inspection_id=inspection.pk)
    inspection.refresh_from_db()
    return inspection


def completed(iw, fail=("NP-1", "FS-1"), **plan):
    """Started, every item answered (the `fail` ones failed, each with a finding), signed by both
    inspectors and the representative, and completed."""
    inspection = started(iw, **plan)
    for one in checklist_items_of(inspection):
        outcome = "fail" if one.code in fail else "pass"
        services.record_result(actor=iw.inspector, inspection_id=inspection.pk, item_id=one.pk, outcome=outcome)
        if outcome == "fail":
            services.record_finding(actor=iw.inspector, inspection_id=inspection.pk, data=services.FindingData(
                description=f"{one.code} 不符合", severity=2, scope="isolated", item_id=one.pk))
    services.sign_inspection(actor=iw.inspector, inspection_id=inspection.pk, kind=SignerKind.INSPECTOR)
    services.sign_inspection(actor=iw.inspector2, inspection_id=inspection.pk, kind=SignerKind.INSPECTOR)
    services.sign_inspection(actor=iw.inspector, inspection_id=inspection.pk, kind=SignerKind.REPRESENTATIVE, name="张院长")
    services.complete_inspection(actor=iw.inspector, inspection_id=inspection.pk)
    inspection.refresh_from_db()
    return inspection


def submitted(iw, finding):
    services.submit_rectification(actor=iw.institution, finding_id=finding.pk, plan="清理通道",
                                  files=[SimpleUploadedFile("after.png", image_bytes())])
    finding.refresh_from_db()
    return finding


# --- URLs and who opens what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "path"),
    [("inspection-list", [], "/inspections/"), ("inspection-create", [], "/inspections/new/"),
     ("inspection-export", [], "/inspections/export/"), ("inspection-overview", [], "/inspections/overview/"),
     ("inspection-detail", [7], "/inspections/7/"), ("inspection-log", [7], "/inspections/7/log/"),
     ("inspection-results", [7], "/inspections/7/results/"), ("inspection-sign", [7], "/inspections/7/sign/"),
     ("inspection-record-pdf", [7], "/inspections/7/record.pdf"), ("inspection-notice-pdf", [7], "/inspections/7/notice.pdf"),
     ("inspection-step", [7, "notify"], "/inspections/7/notify/"), ("finding-list", [], "/findings/"),
     ("finding-detail", [7], "/findings/7/"), ("finding-step", [7, "rectify"], "/findings/7/rectify/"),
     ("penalty-list", [], "/penalties/"), ("rectification-file", [7], "/findings/evidence/7/")],
)
def test_page_url_names(name, args, path):
    assert reverse(name, args=args) == path


def test_anonymous_visitors_are_sent_to_sign_in(web, iw):
    inspection = started(iw)
    urls = ["/inspections/", "/inspections/new/", f"/inspections/{inspection.pk}/", f"/inspections/{inspection.pk}/log/",
            "/findings/", "/penalties/", "/inspections/overview/", "/inspections/export/?format=csv"]
    for url in urls:
        response = web.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    response = web.post(f"/inspections/{inspection.pk}/results/", {"item": item(iw, "BR-1").pk, "outcome": "pass"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not InspectionResult.objects.exists()


@pytest.mark.parametrize(
    ("url", "allowed", "refused"),
    [
        ("/inspections/", ["regulator", "inspector", "institution", "admin"], ["insurer"]),
        ("/inspections/new/", ["regulator", "inspector", "admin"], ["institution", "insurer"]),
        ("/findings/", ["regulator", "inspector", "institution", "admin"], ["insurer"]),
        ("/penalties/", ["regulator", "inspector", "institution", "admin"], ["insurer"]),
        ("/inspections/overview/", ["regulator", "admin"], ["inspector", "institution", "insurer"]),
    ],
)
def test_who_opens_which_page(web, iw, url, allowed, refused):
    iw.insurer = make_user(Role.INSURER)
    for who in allowed:
        assert as_user(web, getattr(iw, who)).get(url).status_code == 200, who
    for who in refused:
        response = as_user(web, getattr(iw, who)).get(url)
        assert response.status_code == 403, who
        assert 'data-status="403"' in text(response)


def test_the_institution_sees_an_inspection_only_once_announced(web, iw):
    routine = iw.plan()
    case = iw.plan(type=InspectionType.CASE, reason="投诉")
    as_user(web, iw.institution)
    assert web.get(f"/inspections/{routine.pk}/").status_code == 404
    assert web.get(f"/inspections/{case.pk}/").status_code == 404  # unannounced, not started
    assert "投诉" not in text(web.get("/inspections/"))
    services.notify_inspection(actor=iw.regulator, inspection_id=routine.pk)
    services.start_inspection(actor=iw.inspector, inspection_id=case.pk)
    assert web.get(f"/inspections/{routine.pk}/").status_code == 200
    page = text(web.get(f"/inspections/{case.pk}/"))
    assert "投诉" not in page  # the complaint behind a case inspection stays with the bureau
    assert 'id="start"' not in page and 'id="log"' not in page


def test_other_regions_and_other_homes_answer_404(web, iw):
    inspection = completed(iw)
    finding = inspection.findings.first()
    submitted(iw, finding)
    evidence = finding.rectifications.get().files.get()
    for who in (iw.far_regulator, iw.far_inspector, iw.other_institution):
        as_user(web, who)
        for url in (f"/inspections/{inspection.pk}/", f"/inspections/{inspection.pk}/log/", f"/findings/{finding.pk}/",
                    f"/findings/evidence/{evidence.pk}/", f"/inspections/{inspection.pk}/record.pdf"):
            assert web.get(url).status_code == 404, (who, url)
        response = web.post(f"/findings/{finding.pk}/verify/", {"decision": "accept", "version": finding.version})
        assert response.status_code == 404
    finding.refresh_from_db()
    assert finding.status == FindingStatus.SUBMITTED


def test_only_the_team_records_on_site(web, iw):
    inspection = started(iw)
    outsider = make_user(Role.INSPECTOR, region_code="440106", department=Department.CIVIL_AFFAIRS)
    for who in (outsider, iw.regulator, iw.institution):
        assert as_user(web, who).get(f"/inspections/{inspection.pk}/log/").status_code == 403, who
    response = as_user(web, outsider).post(f"/inspections/{inspection.pk}/results/",
                                           {"item": item(iw, "BR-1").pk, "outcome": "pass"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert as_user(web, iw.inspector2).get(f"/inspections/{inspection.pk}/log/").status_code == 200


def test_the_team_is_sent_to_the_inspection_page_before_the_start(web, iw):
    inspection = iw.plan()
    response = as_user(web, iw.inspector).get(f"/inspections/{inspection.pk}/log/", follow=True)
    assert response.redirect_chain[-1][0] == f"/inspections/{inspection.pk}/"
    assert "Results are recorded while the inspection is in progress." in text(response)


# --- inspection list and export -------------------------------------------------------------------


def test_an_inspector_sees_their_own_inspections_upcoming_first(web, iw):
    today = timezone.localdate()
    later = iw.plan(scheduled_for=today + timedelta(days=30))
    sooner = iw.plan(scheduled_for=today + timedelta(days=10))
    done = completed(iw, scheduled_for=today + timedelta(days=20))
    other = iw.plan(inspectors=[iw.inspector2, make_user(Role.INSPECTOR, region_code="440106",
                                                          department=Department.CIVIL_AFFAIRS)])
    page = text(as_user(web, iw.inspector).get("/inspections/"))
    rows = re.findall(r'<tr data-id="(\d+)">', page)
    assert rows == [str(sooner.pk), str(later.pk), str(done.pk)]  # to do first, nearest first; not other's
    assert str(other.pk) not in rows
    everyone = re.findall(r'<tr data-id="(\d+)">', text(web.get("/inspections/?mine=false")))
    assert everyone == [str(other.pk)]


def test_the_list_filters_and_says_when_nothing_matches(web, iw):
    routine = iw.plan()
    case = iw.plan(type=InspectionType.CASE, reason="事故")
    far = iw.plan(iw.far_home, inspectors=[iw.far_inspector, iw.far_inspector])
    as_user(web, iw.regulator)
    rows = lambda query: re.findall(r'<tr data-id="(\d+)">', text(web.get(f"/inspections/?{query}")))  # noqa: E731
    assert set(rows("")) == {str(routine.pk), str(case.pk)}  # not 安康's
    assert rows("type=case") == [str(case.pk)]
    assert rows("status=notified") == []
    assert str(far.pk) not in rows("q=汉滨")
    page = text(web.get("/inspections/?status=closed"))
    assert 'id="empty"' in page and "No inspections match these filters." in page


def test_export_has_the_filtered_rows_in_both_formats(web, iw):
    done = completed(iw)
    iw.plan(iw.far_home, inspectors=[iw.far_inspector])
    as_user(web, iw.regulator)
    response = web.get("/inspections/export/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Number", "Institution", "USCC"]
    assert len(rows) == 2
    assert rows[1][1] == "天河康乐养老院" and rows[1][5] == "Completed" and rows[1][-3:] == ["2", "2", "1"]
    assert rows[1][0] == str(done) and "王检查" in rows[1][8]
    workbook = openpyxl.load_workbook(io.BytesIO(web.get("/inspections/export/?format=xlsx&status=planned").content))
    assert [row[0] for row in workbook.active.iter_rows(values_only=True)] == ["Number"]  # the filter holds
    assert web.get("/inspections/export/?format=pdf").status_code == 404


def test_list_queries_do_not_grow_with_rows(web, iw, django_assert_max_num_queries):
    def rows(home):
        inspection = iw.plan(home)
        Finding.objects.create(inspection=inspection, institution=home, description="x", severity=2,
                               scope_of_harm="isolated", grade="D", deadline=timezone.localdate())
        Penalty.objects.create(institution=home, kind=PenaltyKind.WARNING, reason="r", legal_basis="b",
                               decided_on=timezone.localdate(), document_number="N")

    for home in InstitutionFactory.create_batch(3, region=region("440106")):
        rows(home)
    as_user(web, iw.regulator)

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert web.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = {url: queries(url) for url in ("/inspections/", "/findings/?open=", "/penalties/")}
    for home in InstitutionFactory.create_batch(17, region=region("440106")):
        rows(home)
    for url, count in few.items():
        with django_assert_max_num_queries(count):
            page = text(web.get(url))
        assert page.count("<tr data-id=") == 20, url


# --- planning -------------------------------------------------------------------------------------


def plan_form(iw, **overrides):
    day = timezone.localdate() + timedelta(days=30)
    return {"institution": iw.home.pk, "type": "routine", "scheduled_for": day.isoformat(),
            "departments": ["civil_affairs", "fire_rescue"], "inspectors": [iw.inspector.pk, iw.inspector2.pk],
            "checklist": iw.checklist.pk, "reason": ""} | overrides


def test_a_regulator_plans_a_joint_inspection(web, iw):
    as_user(web, iw.regulator)
    page = text(web.get("/inspections/new/"))
    assert "天河康乐养老院" in page and "汉滨区中心敬老院" not in page  # homes in scope only
    assert f'value="{iw.far_inspector.pk}"' not in page  # and inspectors who may work here
    searched = text(web.get("/inspections/new/?q=福寿"))
    assert "天河福寿养老院" in searched and "天河康乐养老院" not in searched
    refused = web.post("/inspections/new/", plan_form(iw, institution=iw.far_home.pk))
    assert errors_for(refused, "institution") and not Inspection.objects.exists()
    response = web.post("/inspections/new/", plan_form(iw))
    inspection = Inspection.objects.get()
    assert response["Location"] == f"/inspections/{inspection.pk}/"
    assert inspection.departments == ["civil_affairs", "fire_rescue"] and inspection.status == InspectionStatus.PLANNED
    assert set(inspection.inspectors.all()) == {iw.inspector, iw.inspector2}
    assert inspection.number.startswith("JC")


def test_the_services_refusals_show_on_the_plan_form(web, iw):
    as_user(web, iw.regulator)
    soon = timezone.localdate() + timedelta(days=1)
    response = web.post("/inspections/new/", plan_form(iw, scheduled_for=soon.isoformat()))
    assert response.status_code == 200 and not Inspection.objects.exists()
    assert errors_for(response, "scheduled_for") == ["Too soon for the notice."]
    assert "working days ahead" in text(response)  # the service's sentence, with the earliest date
    response = web.post("/inspections/new/", plan_form(iw, type="case", scheduled_for=soon.isoformat()))
    assert errors_for(response, "reason") == ["This field is required."]
    response = web.post("/inspections/new/", plan_form(iw, departments=["civil_affairs"]))
    assert any("department that is not taking part" in e for e in errors_for(response, "inspectors"))
    assert not Inspection.objects.exists()


# --- the inspection page and its steps ------------------------------------------------------------


def test_only_working_buttons_are_shown(web, iw):
    routine, case = iw.plan(), iw.plan(type=InspectionType.CASE, reason="投诉")
    as_user(web, iw.regulator)
    assert 'id="notify"' in text(web.get(f"/inspections/{routine.pk}/"))
    page = text(web.get(f"/inspections/{case.pk}/"))
    assert 'id="notify"' not in page and 'id="start"' not in page  # unannounced; regulators do not start
    as_user(web, iw.inspector)
    assert 'id="start"' not in text(web.get(f"/inspections/{routine.pk}/"))  # the notice first
    assert 'id="start"' in text(web.get(f"/inspections/{case.pk}/"))
    response = web.post(f"/inspections/{case.pk}/start/", {"version": case.version})
    assert response["Location"] == f"/inspections/{case.pk}/log/"
    page = text(web.get(f"/inspections/{case.pk}/"))
    assert 'id="log"' in page and 'id="missing"' in page and 'id="complete"' not in page
    assert "5 checklist items are not answered." in page


def test_a_step_refused_by_the_service_is_shown_on_its_form(web, iw):
    inspection = iw.plan(scheduled_for=timezone.localdate() + timedelta(days=1))
    response = as_user(web, iw.regulator).post(f"/inspections/{inspection.pk}/notify/", {"version": inspection.version})
    assert response.status_code == 200
    assert "Too late for 3 working days' notice" in html.unescape(text(response))
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.PLANNED
    stale = as_user(web, iw.regulator).post(f"/inspections/{inspection.pk}/notify/", {"version": 99})
    assert "changed by someone else" in html.unescape(text(stale))
    assert as_user(web, iw.institution).post(f"/inspections/{inspection.pk}/notify/").status_code == 404
    assert web.post(f"/inspections/{inspection.pk}/explode/").status_code == 404


def test_closing_waits_for_the_findings(web, iw):
    inspection = completed(iw, fail=("FS-2",))
    finding = inspection.findings.get()
    as_user(web, iw.regulator)
    assert 'id="close"' not in text(web.get(f"/inspections/{inspection.pk}/"))
    response = web.post(f"/inspections/{inspection.pk}/close/", {"version": inspection.version}, follow=True)
    assert "Every finding must be closed or escalated first." in text(response)
    services.verify_rectification(actor=iw.inspector, finding_id=submitted(iw, finding).pk, accepted=True)
    assert 'id="close"' in text(web.get(f"/inspections/{inspection.pk}/"))
    web.post(f"/inspections/{inspection.pk}/close/", {"version": inspection.version, "note": "全部整改完毕"})
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.CLOSED


def test_the_page_shows_results_findings_signatures_and_history(web, iw):
    inspection = completed(iw)
    page = text(as_user(web, iw.institution).get(f"/inspections/{inspection.pk}/"))
    assert re.search(r'data-stat="pass">3<', page) and re.search(r'data-stat="fail">2<', page)
    assert page.count('<tr data-id="') == 2 and "NP-1 不符合" in page
    assert page.count('data-kind="inspector"') == 2 and "张院长" in page
    assert re.findall(r'<li data-kind="([a-z-]+)"', page) == ["notify", "start", "complete"]  # planned by the fixture
    assert f'href="/inspections/{inspection.pk}/record.pdf"' in page and f'href="/inspections/{inspection.pk}/notice.pdf"' in page


def test_the_pdfs_are_served_to_those_who_see_the_inspection(web, iw):
    inspection = completed(iw)
    response = as_user(web, iw.institution).get(f"/inspections/{inspection.pk}/notice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    clean = completed(iw, fail=())
    response = web.get(f"/inspections/{clean.pk}/notice.pdf")
    assert response.status_code == 302 and response["Location"] == f"/inspections/{clean.pk}/"  # no findings, no notice
    assert as_user(web, iw.inspector).get(f"/inspections/{iw.plan().pk}/record.pdf").status_code == 404


# --- on site: answers -----------------------------------------------------------------------------


def post_answer(web, inspection, item_id, outcome, note="", json=True):
    extra = {"HTTP_ACCEPT": "application/json"} if json else {}
    return web.post(f"/inspections/{inspection.pk}/results/", {"item": item_id, "outcome": outcome, "note": note}, **extra)


def test_an_answer_is_saved_and_a_second_one_replaces_it(web, iw):
    inspection = started(iw)
    as_user(web, iw.inspector)
    one = item(iw, "FS-2")
    response = post_answer(web, inspection, one.pk, "fail", "无演练记录")
    assert response.status_code == 200
    assert response.json() | {"answered_at": None} == {"item": one.pk, "outcome": "fail", "note": "无演练记录",
                                                       "answered": 1, "total": 5, "answered_at": None}
    response = post_answer(web, inspection, one.pk, "pass")
    assert response.json()["answered"] == 1
    result = InspectionResult.objects.get(inspection=inspection)
    assert (result.item, result.outcome, result.note, result.answered_by) == (one, "pass", "", iw.inspector)


def test_answers_are_refused_outside_the_checklist_and_outside_the_visit(web, iw):
    inspection = started(iw, departments=[Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE])
    as_user(web, iw.inspector)
    response = post_answer(web, inspection, item(iw, "MH-1").pk, "pass")  # housing is not taking part
    assert response.status_code == 400 and response.json()["fields"] == {"item": ["Not on this checklist."]}
    other = ChecklistTemplate.objects.create(code="other", version=1, name="其他")
    stray = ChecklistItem.objects.create(template=other, code="X-1", section="s", order=1, text="t", source="local",
                                         clause="c", department=Department.CIVIL_AFFAIRS)
    assert post_answer(web, inspection, stray.pk, "pass").status_code == 400
    assert post_answer(web, inspection, item(iw, "BR-1").pk, "maybe").status_code == 400
    planned = iw.plan()
    response = post_answer(web, planned, item(iw, "BR-1").pk, "pass")
    assert response.status_code == 409 and response.json()["code"] == "not_in_progress"
    assert post_answer(as_user(web, iw.far_inspector), inspection, item(iw, "BR-1").pk, "pass").status_code == 404
    assert not InspectionResult.objects.exists()


def test_without_javascript_the_answer_form_posts_and_comes_back_to_the_item(web, iw):
    inspection = started(iw)
    as_user(web, iw.inspector)
    one = item(iw, "NP-1")
    response = post_answer(web, inspection, one.pk, "fail", "未评估", json=False)
    assert response.status_code == 302 and response["Location"] == f"/inspections/{inspection.pk}/log/#item-{one.pk}"
    assert InspectionResult.objects.get().outcome == "fail"
    page = text(web.get(f"/inspections/{inspection.pk}/log/"))
    article = page[page.index(f'id="item-{one.pk}"'):]
    article = article[:article.index("</article>")]
    assert 'data-outcome="fail"' in article and 'aria-pressed="true"' in article and "未评估" in article
    assert "data-finding-form" in article and "Not met: 入院前对老年人进行噎食风险评估" in article  # the finding form opens
    assert "1 of 5 items answered" in page
    planned = iw.plan()
    response = post_answer(web, planned, one.pk, "pass", json=False)
    assert response.status_code == 302
    assert "Results are recorded while the inspection is in progress." in text(web.get(response["Location"], follow=True))


def test_the_logging_page_groups_the_combined_checklist(web, iw):
    inspection = started(iw, departments=[Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE])
    page = text(as_user(web, iw.inspector).get(f"/inspections/{inspection.pk}/log/"))
    sections = re.findall(r'class="h6 section-title"[^>]*>([^<]+) <small', page)
    assert sections == ["基本要求", "九防", "消防安全"]  # no housing item: that department is not taking part
    assert page.count('class="card log-item') == 4
    fs1 = page[page.index(f'id="item-{item(iw, "FS-1").pk}"'):]
    assert fs1.index('data-badge="major"') < fs1.index("</article>")
    assert 'capture="environment"' in page and 'accept="image/*"' in page


def test_the_logging_page_queries_do_not_grow_with_items(web, iw, django_assert_max_num_queries):
    inspection = started(iw)

    def fail(one):
        services.record_result(actor=iw.inspector, inspection_id=inspection.pk, item_id=one.pk, outcome="fail")
        services.record_finding(actor=iw.inspector, inspection_id=inspection.pk, data=services.FindingData(
            description="x", severity=2, scope="isolated", item_id=one.pk))
        services.upload_photo(actor=iw.inspector, inspection_id=inspection.pk, item_id=one.pk,
                              uploaded=SimpleUploadedFile("p.jpg", image_bytes("JPEG")))

    fail(item(iw, "FS-1"))
    as_user(web, iw.inspector)
    with CaptureQueriesContext(connection) as ctx:
        web.get(f"/inspections/{inspection.pk}/log/")
    for n in range(20):
        fail(ChecklistItem.objects.create(template=iw.checklist, code=f"X-{n}", section="附加", order=100 + n, text="t",
                                          source="local", clause="c", department=Department.CIVIL_AFFAIRS))
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        page = text(web.get(f"/inspections/{inspection.pk}/log/"))
    assert page.count('class="card log-item') == 25 and page.count('class="thumb"') == 21


# --- on site: findings, photos, signatures, completion --------------------------------------------


def test_a_finding_from_a_failed_item_goes_through_the_service(web, iw):
    inspection = started(iw)
    as_user(web, iw.inspector)
    fs1 = item(iw, "FS-1")
    post_answer(web, inspection, fs1.pk, "fail")
    response = web.post(f"/inspections/{inspection.pk}/findings/", {
        "item": fs1.pk, "description": "安全出口上锁", "severity": "4", "scope": "pattern", "deadline": "",
        "legal_basis": fs1.clause, "is_major_hazard": "on"})
    assert response["Location"] == f"/inspections/{inspection.pk}/log/#item-{fs1.pk}"
    finding = Finding.objects.get()
    assert (finding.grade, finding.is_major_hazard, finding.legal_basis) == ("K", True, fs1.clause)
    from inspections.rules import default_deadline
    assert finding.deadline == default_deadline(timezone.localdate(), 4)


def test_a_refused_finding_comes_back_open_under_its_item(web, iw):
    inspection = started(iw)
    as_user(web, iw.inspector)
    np1 = item(iw, "NP-1")
    post_answer(web, inspection, np1.pk, "fail")
    late = timezone.localdate() + timedelta(days=400)
    response = web.post(f"/inspections/{inspection.pk}/findings/", {
        "item": np1.pk, "description": "未评估", "severity": "2", "scope": "isolated", "deadline": late.isoformat()})
    assert response.status_code == 200 and not Finding.objects.exists()
    assert errors_for(response, "deadline") == ["Out of range."]
    page = text(response)
    article = page[page.index(f'id="item-{np1.pk}"'):]
    assert article.index('<details class="finding-box mt-2" open>') < article.index("</article>")
    assert 'value="未评估"' in article or ">未评估</textarea>" in article  # what was typed is kept
    response = web.post(f"/inspections/{inspection.pk}/findings/", {"item": np1.pk, "description": "", "severity": "2",
                                                                      "scope": "isolated"})
    assert errors_for(response, "description") == ["This field is required."]


def test_photos_of_an_answered_item_are_saved_and_served_in_scope(web, iw):
    inspection = started(iw)
    as_user(web, iw.inspector)
    fs1 = item(iw, "FS-1")
    upload = lambda **extra: web.post(f"/inspections/{inspection.pk}/photos/", {  # noqa: E731
        "item": fs1.pk, "photo": SimpleUploadedFile("现场.jpg", image_bytes("JPEG", (2400, 1200)))}, **extra)
    response = upload(HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "Answer the item before adding its photo." in response.json()["detail"]
    post_answer(web, inspection, fs1.pk, "fail")
    response = upload(HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    url = response.json()["url"]
    assert upload()["Location"] == f"/inspections/{inspection.pk}/log/#item-{fs1.pk}"  # without JavaScript
    assert text(web.get(f"/inspections/{inspection.pk}/log/")).count(f'src="{url}"') == 1
    photo = web.get(url)
    assert photo["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(b"".join(photo.streaming_content))).size) == 1600  # re-encoded, bounded
    assert as_user(web, iw.institution).get(url).status_code == 200  # its own, once started
    assert as_user(web, iw.far_regulator).get(url).status_code == 404
    bad = as_user(web, iw.inspector).post(f"/inspections/{inspection.pk}/photos/", {
        "item": fs1.pk, "photo": SimpleUploadedFile("x.jpg", b"not an image")}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "not_an_image"


def drawn_signature() -> str:
    return "data:image/png;base64," + base64.b64encode(image_bytes("PNG", (300, 100))).decode()


def test_signing_and_completing_from_the_logging_page(web, iw):
    inspection = started(iw)
    for one in checklist_items_of(inspection):
        services.record_result(actor=iw.inspector, inspection_id=inspection.pk, item_id=one.pk, outcome="pass")
    as_user(web, iw.inspector)
    response = web.post(f"/inspections/{inspection.pk}/complete/", {"version": inspection.version, "from": "log"})
    assert response.status_code == 200 and 'id="log-page"' in text(response)  # back on the logging page …
    assert "1 of at least 2 inspectors have signed" not in text(response)
    assert "0 of at least 2 inspectors have signed." in text(response)  # … with what is missing
    web.post(f"/inspections/{inspection.pk}/sign/", {"kind": "inspector"})
    again = web.post(f"/inspections/{inspection.pk}/sign/", {"kind": "inspector"})
    assert "You have already signed." in text(again)
    as_user(web, iw.inspector2).post(f"/inspections/{inspection.pk}/sign/", {"kind": "inspector"})
    response = web.post(f"/inspections/{inspection.pk}/sign/", {"kind": "representative", "name": "", "image_data": drawn_signature()})
    assert errors_for(response, "name") == ["This field is required."]
    response = web.post(f"/inspections/{inspection.pk}/sign/", {"kind": "representative", "name": "张院长", "image_data": "data:image/png;base64,!!"})
    assert errors_for(response, "image_data") == ["A drawn signature is a PNG image."]
    response = web.post(f"/inspections/{inspection.pk}/sign/", {"kind": "representative", "name": "张院长", "image_data": drawn_signature()})
    assert response["Location"] == f"/inspections/{inspection.pk}/log/#sign-off"
    representative = inspection.signatures.get(kind=SignerKind.REPRESENTATIVE)
    assert representative.name == "张院长" and representative.image
    assert web.get(f"/inspections/signatures/{representative.pk}/")["Content-Type"] == "image/png"
    page = text(web.get(f"/inspections/{inspection.pk}/log/"))
    assert 'id="missing"' not in page and re.search(r'id="complete"\s*>', page)  # enabled now
    response = web.post(f"/inspections/{inspection.pk}/complete/", {"version": inspection.version, "from": "log",
                                                                     "conclusion": "未发现问题"})
    assert response["Location"] == f"/inspections/{inspection.pk}/"
    inspection.refresh_from_db()
    assert (inspection.status, inspection.conclusion) == (InspectionStatus.COMPLETED, "未发现问题")


# --- findings -------------------------------------------------------------------------------------


def test_the_institution_submits_its_rectification_with_evidence(web, iw):
    finding = completed(iw).findings.get(item__code="FS-1")
    as_user(web, iw.institution)
    page = text(web.get(f"/findings/{finding.pk}/"))
    assert 'id="rectify-form"' in page and 'id="verify-form"' not in page and 'id="escalate-form"' not in page
    assert re.search(r'id="days-left">\d+ working days left<', page)
    response = web.post(f"/findings/{finding.pk}/rectify/", {"plan": "清理", "version": finding.version})
    assert errors_for(response, "files") == ["This field is required."]
    response = web.post(f"/findings/{finding.pk}/rectify/", {
        "plan": "清理", "version": finding.version, "files": [SimpleUploadedFile("a.png", b"fake")]})
    assert errors_for(response, "files") == ["a.png: The image is damaged or not an image."]
    response = web.post(f"/findings/{finding.pk}/rectify/", {
        "plan": "清理疏散通道", "evidence_note": "已清理", "version": finding.version,
        "files": [SimpleUploadedFile("整改后.png", image_bytes())]})
    assert response["Location"] == f"/findings/{finding.pk}/"
    finding.refresh_from_db()
    assert finding.status == FindingStatus.SUBMITTED
    evidence = finding.rectifications.get().files.get()
    download = as_user(web, iw.regulator).get(f"/findings/evidence/{evidence.pk}/")
    assert download["Content-Type"] == "image/png" and b"".join(download.streaming_content) == image_bytes()
    assert as_user(web, iw.other_institution).get(f"/findings/evidence/{evidence.pk}/").status_code == 404


def test_the_inspector_accepts_or_rejects(web, iw):
    inspection = completed(iw)
    accepted = submitted(iw, inspection.findings.get(item__code="FS-1"))
    rejected = submitted(iw, inspection.findings.get(item__code="NP-1"))
    assert as_user(web, iw.institution).post(f"/findings/{accepted.pk}/verify/", {"decision": "accept"}).status_code == 403
    as_user(web, iw.inspector)
    assert 'id="verify-form"' in text(web.get(f"/findings/{accepted.pk}/"))
    web.post(f"/findings/{accepted.pk}/verify/", {"decision": "accept", "version": accepted.version})
    response = web.post(f"/findings/{rejected.pk}/verify/", {"decision": "reject", "note": "", "version": rejected.version})
    assert errors_for(response, "note") == ["This field is required."]
    web.post(f"/findings/{rejected.pk}/verify/", {"decision": "reject", "note": "照片不清晰", "version": rejected.version})
    accepted.refresh_from_db()
    rejected.refresh_from_db()
    assert (accepted.status, rejected.status) == (FindingStatus.CLOSED, FindingStatus.OPEN)
    page = text(web.get(f"/findings/{rejected.pk}/"))
    assert 'data-decision="rejected"' in page and "照片不清晰" in page
    response = web.post(f"/findings/{rejected.pk}/verify/", {"decision": "accept"}, follow=True)  # open again: 409 …
    assert "This is not possible while the record is" in html.unescape(text(response))  # … said above the page
    rejected.refresh_from_db()
    assert rejected.status == FindingStatus.OPEN


def test_escalation_with_a_fine_goes_through_the_service(web, iw):
    finding = completed(iw).findings.get(item__code="FS-1")
    as_user(web, iw.regulator)
    form = {"kind": "penalty", "note": "逾期未整改", "penalty_kind": "fine", "amount": "50000", "reason": "逾期",
            "legal_basis": "《养老机构管理办法》第四十六条", "decided_on": timezone.localdate().isoformat(),
            "document_number": "天民罚〔2026〕1号", "version": finding.version}
    response = web.post(f"/findings/{finding.pk}/escalate/", form)
    assert errors_for(response, "amount") == ["At most 30,000 yuan."]
    assert 'id="escalate-box" open' in text(response)
    response = web.post(f"/findings/{finding.pk}/escalate/", form | {"amount": "20000"})
    assert response["Location"] == f"/findings/{finding.pk}/"
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ESCALATED
    penalty = Penalty.objects.get()
    assert (penalty.kind, penalty.amount, penalty.finding) == ("fine", 20000, finding)
    assert 'data-escalation="penalty"' in text(web.get(f"/findings/{finding.pk}/"))


def test_the_finding_list_filters_and_exports(web, iw):
    inspection = completed(iw)
    fs1, np1 = inspection.findings.get(item__code="FS-1"), inspection.findings.get(item__code="NP-1")
    Finding.objects.filter(pk=np1.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    as_user(web, iw.regulator)
    rows = lambda query: re.findall(r'<tr data-id="(\d+)">', text(web.get(f"/findings/?{query}")))  # noqa: E731
    assert rows("") == [str(np1.pk), str(fs1.pk)]  # open ones, nearest deadline first
    assert rows("is_major_hazard=true") == [str(fs1.pk)]
    assert rows("overdue=true") == [str(np1.pk)]
    assert 'data-badge="overdue"' in text(web.get("/findings/?overdue=true"))
    services.verify_rectification(actor=iw.inspector, finding_id=submitted(iw, fs1).pk, accepted=True)
    assert rows("") == [str(np1.pk)] and set(rows("open=")) == {str(np1.pk), str(fs1.pk)}
    response = web.get("/findings/export/?format=csv&open=")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:2] == ["Inspection", "Institution"] and len(lines) == 3
    overdue = {line[4]: line[12] for line in lines[1:]}
    assert overdue == {"NP-1": "Yes", "FS-1": "No"}
    assert as_user(web, iw.far_regulator).get("/findings/?open=").content.count(b"<tr data-id=") == 0


# --- penalties ------------------------------------------------------------------------------------


def test_a_regulator_records_a_penalty_and_the_home_reads_its_own(web, iw):
    as_user(web, iw.regulator)
    form = {"institution": iw.home.pk, "penalty_kind": "warning", "amount": "100", "reason": "拒不配合检查",
            "legal_basis": "《养老机构管理办法》", "decided_on": timezone.localdate().isoformat(), "document_number": "警告1号"}
    response = web.post("/penalties/", form)
    assert errors_for(response, "amount") == ["Leave empty."]
    assert web.post("/penalties/", form | {"amount": ""})["Location"] == "/penalties/"
    Penalty.objects.create(institution=iw.other_home, kind="warning", reason="r", legal_basis="b",
                           decided_on=timezone.localdate(), document_number="警告2号")
    page = text(as_user(web, iw.institution).get("/penalties/"))
    assert "警告1号" in page and "警告2号" not in page and 'id="penalty-form"' not in page
    assert web.post("/penalties/", form).status_code == 403
    assert as_user(web, iw.inspector).post("/penalties/", form).status_code == 403
    assert Penalty.objects.count() == 2
    lines = as_user(web, iw.regulator).get("/penalties/export/?format=csv").content.decode("utf-8-sig").splitlines()
    assert len(lines) == 3 and "警告1号" in lines[1] + lines[2]


# --- overview -------------------------------------------------------------------------------------


@pytest.fixture
def figures(iw):
    """广州: 天河 has 3 active homes (+1 inactive), 越秀 1; 天河康乐 was inspected this year (completed,
    findings NP-1 and FS-1 open, FS-1 a major hazard), 越秀's home has an overdue finding and a
    closed one; 安康's home is outside the regulator's sight."""
    yuexiu = InstitutionFactory(region=region("440104"), name="越秀颐年院")
    InstitutionFactory(region=region("440106"), name="天河第三养老院")
    InstitutionFactory(region=region("440106"), name="已停业养老院", is_active=False)
    completed(iw)
    planned = iw.plan(yuexiu)
    for grade, status, deadline in (("J", FindingStatus.OVERDUE, -3), ("B", FindingStatus.CLOSED, 5)):
        Finding.objects.create(inspection=planned, institution=yuexiu, description="越秀隐患", severity=4 if grade == "J" else 1,
                               scope_of_harm="isolated", grade=grade, status=status,
                               deadline=timezone.localdate() + timedelta(days=deadline))
    far = iw.plan(iw.far_home, inspectors=[iw.far_inspector])
    Finding.objects.create(inspection=far, institution=iw.far_home, description="安康", severity=2, scope_of_harm="isolated",
                           grade="D", deadline=timezone.localdate())
    return iw


def test_overview_figures_by_child_region(web, figures):
    page = text(as_user(web, figures.regulator).get("/inspections/overview/"))
    stat = lambda name: re.search(rf'data-stat="{name}">([^<]+)<', page).group(1)  # noqa: E731
    assert (stat("homes"), stat("inspected_homes"), stat("inspected_rate")) == ("4", "1", "25.0%")
    assert (stat("inspections_done"), stat("open_findings"), stat("major_open"), stat("overdue")) == ("1", "3", "1", "1")
    cells = lambda code: dict(re.findall(  # noqa: E731
        r'data-col="(\w+)">([^<]+)<', page[page.index(f'data-region="{code}"'):].split("</tr>")[0]))
    assert cells("440106") == {"homes": "3", "inspected_homes": "1", "inspected_rate": "33.3%", "inspections_done": "1",
                               "open_findings": "2", "major_open": "1", "overdue": "0"}
    assert cells("440104") == {"homes": "1", "inspected_homes": "0", "inspected_rate": "0.0%", "inspections_done": "0",
                               "open_findings": "1", "major_open": "0", "overdue": "1"}
    assert 'data-region="610902"' not in page
    grades = dict(re.findall(r'data-grade="([A-L])">[A-L] (\d+)<', page))
    assert (grades["D"], grades["J"], grades["B"]) == ("2", "1", "0")
    assert re.findall(r'<tr data-id="(\d+)">', page[page.index('id="overdue"'):page.index('id="major"')]) != []
    response = web.get("/inspections/overview/export/?format=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Region code", "Region", "Active institutions")
    assert rows[1][:4] == ("440104", "越秀区", 1, 0) and rows[2][:4] == ("440106", "天河区", 3, 1)
    assert rows[-1][1:] == ("Total", 4, 1, 25.0, 3, 1, 3, 1, 1)


def test_overview_drills_down_within_scope_only(web, figures):
    as_user(web, figures.regulator)
    page = text(web.get("/inspections/overview/?region=440106"))
    assert re.search(r'data-stat="homes">3<', page)
    assert 'data-region="440100"' in page  # the breadcrumb leads back up
    assert web.get("/inspections/overview/?region=610900").status_code == 404
    admin = text(as_user(web, figures.admin).get("/inspections/overview/"))
    assert 'data-region="440000"' in admin and 'data-region="610000"' in admin


def test_overview_queries_do_not_grow_with_homes(web, figures, django_assert_max_num_queries):
    as_user(web, figures.regulator)
    with CaptureQueriesContext(connection) as ctx:
        web.get("/inspections/overview/")
    InstitutionFactory.create_batch(20, region=region("440105"))
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        assert 'data-region="440105"' in text(web.get("/inspections/overview/"))


# --- home page cards ------------------------------------------------------------------------------


def test_home_cards_follow_the_role(web, figures):
    iw = figures
    today_one = iw.plan(scheduled_for=timezone.localdate() + timedelta(days=5))
    page = text(as_user(web, iw.inspector).get("/"))
    assert re.findall(r'<li class="list-group-item[^"]*" data-id="(\d+)"', page)[0] == str(today_one.pk)
    page = text(as_user(web, iw.institution).get("/"))
    assert re.search(r'data-stat="open_findings">2<', page) and 'id="open-findings"' in page
    page = text(as_user(web, iw.regulator).get("/"))
    assert re.search(r'data-stat="overdue">1<', page) and re.search(r'data-stat="major_open">1<', page)
    assert 'id="inspection-cards"' not in text(as_user(web, make_user(Role.INSURER)).get("/"))
