"""The regulators' dashboard against a hand-computed world (also used by test_report.py) (广州: 天河 and 越秀; and 汉滨 far away).

天河 (440106): 天河甲 100 beds, insured (premium 12,000), grade A, inspected this year, one open major
               hazard and one overdue ordinary finding; 天河乙 50 beds, not insured, grade C,
               blacklisted (listed case); 天河停业 30 beds, inactive (counts nowhere).
越秀 (440104): 越秀丙 80 beds, insured (premium 10,000), grade B, two inspections this year, a closed
               major hazard, a claim of 2,000 yuan paid this year, a blacklist case proposed;
               越秀丁 40 beds, not insured, not rated, inspected last year only, one major hazard overdue.
汉滨 (610902): 汉滨区中心敬老院, insured, grade A, one open major hazard (outside 广州).

For 广州: 4 homes, 270 beds, 2 insured (50.0%); A1 B1 C1 unrated 1; 2 open major hazards; 2 overdue;
2 of 4 inspected (50.0%), 3 inspections; 1 claim, 2,000 paid, premiums 22,000 → 9.1%;
1 listed, 1 in procedure.
"""

import csv
import html
import io
import re
from datetime import datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Role
from config.errors import NotAllowed, NotFound
from credit.choices import CaseStatus, Criterion, SubjectType
from credit.dashboard import dashboard
from credit.models import BlacklistCase
from inspections.choices import FindingStatus, InspectionStatus, InspectionType
from inspections.models import Finding, Inspection
from insurance.models import Claim, ClaimStatus, Incident, Policy
from tests.conftest import client_for
from tests.factories import InstitutionFactory, InsurerFactory, make_scheme, make_user, region
from tests.inspections.conftest import checklist  # noqa: F401  (re-exported fixture)
from tests.pages import as_user, text

pytestmark = pytest.mark.django_db


class World:
    pass


def add_home(name, code, *, beds=100, insured=False, grade="", **extra):
    return InstitutionFactory(name=name, region=region(code), beds_total=beds, beds_nursing=0, beds_in_use=0,
                              insured=insured, credit_grade=grade, **extra)


def build(template) -> World:
    w = World()
    now = timezone.now()
    today = timezone.localdate()
    w.year = today.year
    last_year = datetime(today.year - 1, 6, 1, 10, tzinfo=timezone.get_current_timezone())
    w.admin = make_user(Role.ADMIN)
    w.regulator = make_user(Role.REGULATOR, region_code="440100")
    w.county_regulator = make_user(Role.REGULATOR, region_code="440106")
    w.far_regulator = make_user(Role.REGULATOR, region_code="610900")

    w.th1 = add_home("天河甲养老院", "440106", beds=100, insured=True, grade="A")
    w.th2 = add_home("天河乙养老院", "440106", beds=50, grade="C", is_blacklisted=True)
    w.closed = add_home("天河停业养老院", "440106", beds=30, insured=True, grade="A", is_active=False)
    w.yx1 = add_home("越秀丙养老院", "440104", beds=80, insured=True, grade="B")
    w.yx2 = add_home("越秀丁养老院", "440104", beds=40)
    w.far = add_home("汉滨区中心敬老院", "610902", beds=60, insured=True, grade="A")
    w.inspector = make_user(Role.INSPECTOR, region_code="440100")
    w.institution = make_user(Role.INSTITUTION, institution=w.th1)
    w.insurer = make_user(Role.INSURER)

    def inspect(home, started_at, status=InspectionStatus.COMPLETED):
        inspection = Inspection.objects.create(
            institution=home, type=InspectionType.ROUTINE, checklist=template, scheduled_for=started_at.date(),
            status=status, started_at=started_at, completed_at=started_at + timedelta(hours=3), created_by=w.regulator)
        return inspection

    def finding(inspection, *, major=False, status=FindingStatus.OPEN, grade="E", days=20, text="安全出口堵塞"):
        return Finding.objects.create(
            inspection=inspection, institution=inspection.institution, description=text, is_major_hazard=major,
            severity=2, scope_of_harm="isolated", grade=grade, deadline=today + timedelta(days=days), status=status)

    i1 = inspect(w.th1, now)
    w.major = finding(i1, major=True, grade="J", text="疏散通道被杂物占用")
    w.late = finding(i1, status=FindingStatus.OVERDUE, days=-5, text="未组织消防演练")
    i2 = inspect(w.yx1, now)
    inspect(w.yx1, now, status=InspectionStatus.IN_PROGRESS)
    finding(i2, major=True, status=FindingStatus.CLOSED, grade="K", text="电动车室内充电")
    i3 = inspect(w.yx2, last_year)
    w.major_late = finding(i3, major=True, status=FindingStatus.OVERDUE, grade="L", days=-30, text="建筑物属于D级危房")
    Inspection.objects.create(institution=w.th2, type=InspectionType.ROUTINE, checklist=template,
                              scheduled_for=today + timedelta(days=10), created_by=w.regulator)  # planned: not started
    i4 = inspect(w.far, now)
    finding(i4, major=True, grade="J", text="消防设施损坏")

    scheme = make_scheme("440000", year=today.year)
    insurer = InsurerFactory()

    def policy(home, premium):
        return Policy.objects.create(
            institution=home, insurer=insurer, scheme=scheme, start_date=today - timedelta(days=100),
            end_date=today + timedelta(days=264), insured_beds=home.beds_total, base_rate_per_bed=Decimal("120"),
            rate_factor=Decimal("1"), premium=Decimal(premium), status="active")

    policy(w.th1, "12000.00")
    yx_policy = policy(w.yx1, "10000.00")
    policy(w.far, "5000.00")
    incident = Incident.objects.create(institution=w.yx1, occurred_at=now - timedelta(hours=5), category="fall",
                                       place="二楼走廊", description="老人跌倒")
    w.claim = Claim.objects.create(
        policy=yx_policy, incident=incident, institution=w.yx1, section="general", claimed_amount=Decimal("3000"),
        approved_amount=Decimal("2000"), paid_amount=Decimal("2000"), status=ClaimStatus.PAID, paid_at=now,
        number="LP-TEST-1")

    w.listed = BlacklistCase.objects.create(
        subject_type=SubjectType.INSTITUTION, institution=w.th2, criterion=Criterion.FIRE_HAZARD,
        evidence="重大火灾隐患逾期未整改", status=CaseStatus.LISTED, listed_at=today,
        expected_exit_date=today.replace(year=today.year + 3), number="HMD-TEST-1")
    w.proposed = BlacklistCase.objects.create(
        subject_type=SubjectType.INSTITUTION, institution=w.yx1, criterion=Criterion.ACCIDENT,
        evidence="安全事故负主要责任", status=CaseStatus.PROPOSED)
    return w


@pytest.fixture
def gw(checklist):  # noqa: F811  (the fixture imported above)
    return build(checklist)


def figures(row):
    return (row.homes, row.beds, row.insured, row.insured_rate, dict(row.grades), row.major_open, row.overdue,
            row.inspected_homes, row.inspections_done, row.claims, row.paid_amount, row.premium, row.loss_ratio,
            row.listed, row.in_procedure)


GRADES_TH = {"A": 1, "B": 0, "C": 1, "D": 0, "": 0}
GRADES_YX = {"A": 0, "B": 1, "C": 0, "D": 0, "": 1}
D = Decimal


def test_the_city_figures_by_county_as_computed_by_hand(gw):
    data = dashboard(gw.regulator)
    assert data["region"].code == "440100" and data["drill"]
    rows = {r.code: r for r in data["rows"]}
    assert [(r.code, r.name) for r in data["rows"]] == [("440104", "越秀区"), ("440106", "天河区")]
    assert figures(rows["440106"]) == (2, 150, 1, D("50.0"), GRADES_TH, 1, 1, 1, 1, 0, D("0"), D("12000.00"),
                                       D("0.0"), 1, 0)
    assert figures(rows["440104"]) == (2, 120, 1, D("50.0"), GRADES_YX, 1, 1, 1, 2, 1, D("2000.00"), D("10000.00"),
                                       D("20.0"), 0, 1)
    total = data["total"]
    assert figures(total) == (4, 270, 2, D("50.0"), {"A": 1, "B": 1, "C": 1, "D": 0, "": 1}, 2, 2, 2, 3, 1,
                              D("2000.00"), D("22000.00"), D("9.1"), 1, 1)
    assert total.inspected_rate == D("50.0") and total.uninsured == 2


def test_the_administrator_sees_the_provinces_and_a_last_year_sees_last_years_flows(gw):
    data = dashboard(gw.admin)
    assert data["region"] is None
    assert {r.code: r.homes for r in data["rows"]} == {"440000": 4, "610000": 1}
    assert data["total"].major_open == 3
    last = dashboard(gw.regulator, "440100", gw.year - 1)
    assert (last["total"].inspected_homes, last["total"].inspections_done, last["total"].claims) == (1, 1, 0)
    assert last["total"].homes == 4  # state figures are as of today


def test_a_county_has_no_children_to_drill_into(gw):
    data = dashboard(gw.regulator, "440106")
    assert not data["drill"]
    assert [r.code for r in data["rows"]] == ["440106"]
    assert data["total"].homes == 2


def test_scope_outside_is_404_and_other_roles_403(gw):
    with pytest.raises(NotFound):
        dashboard(gw.regulator, "610900")
    with pytest.raises(NotFound):
        dashboard(gw.county_regulator, "440104")
    for user in (gw.inspector, gw.institution, gw.insurer):
        with pytest.raises(NotAllowed):
            dashboard(user)
    assert dashboard(gw.far_regulator)["total"].homes == 1


def test_queries_do_not_grow_with_the_number_of_homes(gw):
    def count():
        with CaptureQueriesContext(connection) as queries:
            dashboard(gw.regulator)
        return len(queries)

    few = count()
    for n in range(17):
        home = add_home(f"新增养老院{n}", "440104" if n % 2 else "440106", insured=bool(n % 3), grade="B")
        Inspection.objects.create(institution=home, type="routine", checklist=gw.major.inspection.checklist,
                                  scheduled_for=timezone.localdate(), status="in_progress", started_at=timezone.now())
    assert dashboard(gw.regulator)["total"].homes == 21
    assert count() == few <= 9


# --- the page ------------------------------------------------------------------------------------


def test_the_page_shows_cards_table_and_chart_data(web, gw, django_assert_max_num_queries):
    as_user(web, gw.regulator)
    with django_assert_max_num_queries(13):  # 7 grouped queries, region and names, session and menu
        response = web.get("/dashboard/")
    assert response.status_code == 200
    page = text(response)
    assert 'data-stat="homes">4<' in page and 'data-stat="major_open">2<' in page
    assert 'data-stat="insured_rate">50.0%<' in page and 'data-stat="loss_ratio">9.1%<' in page
    assert 'data-drill="440106"' in page and "越秀区" in page and "汉滨" not in page
    chart = response.context["chart"]
    assert chart["labels"] == ["越秀区", "天河区"] and chart["major_open"] == [1, 1] and chart["grades"] == [1, 1, 1, 0, 1]


def test_drilling_down_to_a_county_and_refusals(web, gw):
    as_user(web, gw.regulator)
    page = text(web.get("/dashboard/?region=440106"))
    assert 'data-stat="homes">2<' in page and "越秀丙" not in page
    assert 'href="/dashboard/?region=440100&amp;year=' in page  # the breadcrumb back up
    assert web.get("/dashboard/?region=610900").status_code == 404
    fallback = web.get("/dashboard/?year=abc")
    assert fallback.status_code == 200 and fallback.context["period"].year == timezone.localdate().year
    assert "Year and quarter are numbers." in text(fallback)
    for user in (gw.inspector, gw.institution, gw.insurer):
        as_user(web, user)
        assert web.get("/dashboard/").status_code == 403


def links_in(page: str, region: str) -> dict:
    row = re.search(rf'<tr data-region="{region}"[^>]*>(.*?)</tr>', page, re.S).group(1)
    return {name: html.unescape(href) for href, name in re.findall(r'<a href="([^"]+)" data-figure="(\w+)"', row)}


def test_every_number_links_to_its_list_with_the_right_filters(web, gw):
    as_user(web, gw.regulator)
    links = links_in(text(web.get("/dashboard/")), "440106")
    assert links["major_open"] == "/findings/?region=440106&is_major_hazard=true&open=true"
    assert links["overdue"] == "/findings/?region=440106&overdue=true"
    assert links["grade_C"] == "/institutions/?region=440106&is_active=true&credit_grade=C"
    assert links["insured"] == "/institutions/?region=440106&is_active=true&insured=true"
    assert links["claims"] == "/claims/?region=440106"
    assert links["listed"].endswith("?region=440106&status=listed&status=removal_requested")
    # Following them finds the records the figures count.
    majors = web.get(links["major_open"]).context["page_obj"]
    assert [f.pk for f in majors] == [gw.major.pk]
    overdue = web.get(links["overdue"]).context["page_obj"]
    assert [f.pk for f in overdue] == [gw.late.pk]
    graded = web.get(links["grade_C"]).context["page_obj"]
    assert [i.name for i in graded] == ["天河乙养老院"]
    assert [c.pk for c in web.get(links["listed"]).context["page_obj"]] == [gw.listed.pk]
    yuexiu = links_in(text(web.get("/dashboard/")), "440104")
    assert [c.pk for c in web.get(yuexiu["claims"]).context["page_obj"]] == [gw.claim.pk]


def test_export_csv_and_xlsx_hold_the_table(web, gw):
    as_user(web, gw.regulator)
    response = web.get(f"/dashboard/export/?format=csv&year={gw.year}")
    assert response.status_code == 200 and "dashboard-440100-" in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["Region code", "Region", "Active institutions"]
    assert [line[:4] for line in lines[1:]] == [["440104", "越秀区", "2", "120"], ["440106", "天河区", "2", "150"],
                                                ["440100", "Total", "4", "270"]]
    assert lines[-1][lines[0].index("Loss ratio (%)")] == "9.1"
    workbook = openpyxl.load_workbook(io.BytesIO(web.get("/dashboard/export/?format=xlsx").content))
    sheet = workbook.active
    assert [c.value for c in sheet[4]][:4] == ["440100", "Total", 4, 270]
    assert web.get("/dashboard/export/?format=pdf").status_code == 404
    as_user(web, gw.insurer)
    assert web.get("/dashboard/export/?format=csv").status_code == 403


# --- the API -------------------------------------------------------------------------------------


def test_the_api_gives_the_same_figures(gw, django_assert_max_num_queries):
    client = client_for(gw.regulator)
    with django_assert_max_num_queries(12):
        body = client.get(f"/api/v1/dashboard/?region=440100&year={gw.year}").json()
    assert (body["region"], body["year"], body["quarter"]) == ("440100", gw.year, None)
    total = body["total"]
    assert (total["institutions"], total["insured_rate"], total["open_major_hazards"], total["loss_ratio"],
            total["paid_amount"]) == (4, "50.0", 2, "9.1", "2000.00")
    assert total["credit_grades"] == {"A": 1, "B": 1, "C": 1, "D": 0, "unrated": 1}
    assert [r["region"] for r in body["rows"]] == ["440104", "440106"]
    assert client.get("/api/v1/dashboard/?region=610900").status_code == 404
    assert client.get("/api/v1/dashboard/?quarter=7").status_code == 400
    assert client_for(gw.institution).get("/api/v1/dashboard/").status_code == 403
