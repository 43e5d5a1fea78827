"""The public site and API: no login, the disclosed facts, and never a resident's or staff member's
ID number, phone or name (except a listed home's legal representative)."""

import json
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Department, Role
from credit.choices import CaseStatus, ComplaintCategory, Criterion, SubjectType
from credit.models import BlacklistCase, Complaint
from inspections.choices import ClauseSource, FindingScope, FindingStatus, InspectionStatus, InspectionType, PenaltyKind
from inspections.models import ChecklistItem, ChecklistTemplate, Finding, Inspection, Penalty
from institutions.choices import PractitionerRole
from tests.factories import InstitutionFactory, PersonFactory, PractitionerFactory, make_id_number, make_user, region
from tests.pages import text

# GB 11643 resident ID (6-digit place, birth date, 3-digit serial, check character) and a mainland mobile.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

INSTITUTIONS = reverse("api:public-institution-list")
BLACKLIST = reverse("api:public-blacklist-list")


def assert_no_personal_data(body: str, seed) -> None:
    assert not ID_NUMBER.findall(body), ID_NUMBER.findall(body)
    assert not MOBILE.findall(body), MOBILE.findall(body)
    for secret in seed.secrets:
        assert secret not in body


@pytest.fixture
def template(db):
    template = ChecklistTemplate.objects.create(code="pub", version=1, name="公开测试检查表", published_at=timezone.now())
    ChecklistItem.objects.create(
        template=template, code="FS-1", section="消防安全", order=1, text="疏散通道、安全出口畅通",
        source=ClauseSource.FIRE, clause="民发〔2023〕37号", department=Department.FIRE_RESCUE, is_major_hazard=True,
    )
    return template


def inspect(home, template, inspector, *, status=InspectionStatus.COMPLETED, completed=date(2026, 9, 1), findings=()):
    inspection = Inspection.objects.create(
        institution=home, type=InspectionType.ROUTINE, checklist=template, scheduled_for=completed, status=status,
        completed_at=timezone.make_aware(timezone.datetime(completed.year, completed.month, completed.day, 10))
        if status in (InspectionStatus.COMPLETED, InspectionStatus.CLOSED) else None,
    )
    inspection.inspectors.set([inspector])
    for grade, major, closed in findings:
        Finding.objects.create(
            inspection=inspection, institution=home, item=template.items.first(), description="走廊堆放杂物，住户王秀英床位旁",
            is_major_hazard=major, severity=2, scope_of_harm=FindingScope.ISOLATED, grade=grade,
            deadline=completed + timedelta(days=30), status=FindingStatus.CLOSED if closed else FindingStatus.OPEN,
            closed_at=timezone.make_aware(timezone.datetime(2026, 9, 20, 9)) if closed else None,
        )
    return inspection


class Seed:
    pass


@pytest.fixture
def seed(db, template):
    """A listed home with staff whose ID numbers and phones exist, a clean home, a home with only a
    proposed case, an inactive home, and a complaint with a contact phone."""
    s = Seed()
    s.inspector = make_user(Role.INSPECTOR, region_code="440100", full_name="王检查员")
    s.home = InstitutionFactory(region=region("440106"), name="天河康乐养老院", contact_person="赵院长",
                                contact_phone="13912345678", level=3, level_rated_on=date(2025, 1, 1),
                                credit_grade="C", is_blacklisted=True, insured=True, insured_until=date(2027, 6, 30))
    s.legal = PractitionerFactory(institution=s.home, role=PractitionerRole.LEGAL_REPRESENTATIVE,
                                  person=PersonFactory(name="钱法人", phone="13711112222"))
    s.carer = PractitionerFactory(institution=s.home, role=PractitionerRole.CAREGIVER,
                                  person=PersonFactory(name="孙护理", phone="15833334444"))
    inspect(s.home, template, s.inspector, findings=[("E", True, False), ("B", False, True), ("B", False, True)])
    inspect(s.home, template, s.inspector, status=InspectionStatus.IN_PROGRESS, completed=date(2026, 11, 1),
            findings=[("L", True, False)])
    Penalty.objects.create(institution=s.home, kind=PenaltyKind.FINE, amount="5000.00", reason="未按期整改",
                           legal_basis="《养老机构管理办法》第四十六条", decided_on=date(2026, 10, 8),
                           document_number="穗天民罚〔2026〕12号")
    s.case = BlacklistCase.objects.create(
        subject_type=SubjectType.INSTITUTION, institution=s.home, criterion=Criterion.FIRE_HAZARD,
        evidence="逾期未整改重大火灾隐患", status=CaseStatus.LISTED, listed_at=date(2026, 10, 20),
        expected_exit_date=date(2029, 10, 20),
    )
    s.clean = InstitutionFactory(region=region("610902"), name="汉滨区中心敬老院", credit_grade="A")
    s.proposed = InstitutionFactory(region=region("440106"), name="天河福寿养老院")
    BlacklistCase.objects.create(subject_type=SubjectType.INSTITUTION, institution=s.proposed,
                                 criterion=Criterion.ACCIDENT, evidence="事故", status=CaseStatus.NOTIFIED)
    s.closed_home = InstitutionFactory(region=region("440106"), name="已注销养老院", is_active=False)
    Complaint.objects.create(institution=s.home, category=ComplaintCategory.CARE, text="护理员态度恶劣，多次不按时翻身",
                             contact_name="周投诉", contact_phone="13655556666", number="TS2026-000001")
    s.secrets = ["孙护理", "王检查员", "赵院长", "周投诉", "王秀英", "护理员态度恶劣", s.carer.person.id_number,
                 s.legal.person.id_number, "天河福寿养老院黑"]
    return s


def public_urls(seed):
    return [
        reverse("public-institutions"), reverse("public-institutions") + "?q=天河",
        reverse("public-institution", args=[seed.home.pk]), reverse("public-institution", args=[seed.clean.pk]),
        reverse("public-blacklist"), reverse("public-data"), reverse("public-complaint-new") + "?q=天河",
        *[reverse("public-download", args=[d, f]) for d in ("institutions", "blacklist") for f in ("csv", "json")],
        INSTITUTIONS, BLACKLIST, f"{INSTITUTIONS}{seed.home.pk}/",
    ]


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")


def test_every_public_page_download_and_endpoint_answers_anonymously_without_personal_data(client, seed):
    for url in public_urls(seed):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_personal_data(body_of(response), seed)


def test_public_pages_may_be_cached_for_five_minutes_but_the_form_never(client, seed):
    for url in [reverse("public-institutions"), reverse("public-blacklist"), INSTITUTIONS,
                reverse("public-download", args=["institutions", "csv"])]:
        assert "max-age=300" in client.get(url)["Cache-Control"], url
    assert "max-age=0" in client.get(reverse("public-complaint-new"))["Cache-Control"]


def test_the_profile_shows_grade_insurance_findings_with_correction_dates_and_penalties(web, seed):
    page = text(web.get(reverse("public-institution", args=[seed.home.pk])))
    assert seed.home.uscc in page and "Level 3" in page and "Insured until 2027-06-30" in page
    assert 'id="credit-grade">C<' in page
    assert "On the blacklist since 2026-10-20; expected exit date 2029-10-20." in page
    assert "2 findings" not in page and "3 findings" in page  # the completed inspection only
    assert "B × 2" in page and "E × 1" in page and "L × 1" not in page  # the in-progress one stays hidden
    assert "2026-09-20" in page and "Not yet corrected" in page
    assert "穗天民罚〔2026〕12号" in page and "5,000.00" in page
    clean = text(web.get(reverse("public-institution", args=[seed.clean.pk])))
    assert "No completed inspections yet." in clean and "No liability insurance in force" in clean


def test_inactive_and_unknown_homes_are_not_disclosed(client, seed):
    assert client.get(reverse("public-institution", args=[seed.closed_home.pk])).status_code == 404
    assert client.get(reverse("public-institution", args=[999999])).status_code == 404
    assert client.get(f"{INSTITUTIONS}{seed.closed_home.pk}/").status_code == 404
    assert "已注销养老院" not in text(client.get(reverse("public-institutions")))


def test_search_filters_by_name_region_type_and_grade(web, seed):
    url = reverse("public-institutions")
    assert "3 institutions" in text(web.get(url))
    by_region = text(web.get(url, {"region": "610000"}))
    assert "汉滨区中心敬老院" in by_region and "天河康乐养老院" not in by_region
    by_grade = text(web.get(url, {"credit_grade": "C"}))
    assert "1 institution" in by_grade and "天河康乐养老院" in by_grade
    assert "1 institution" in text(web.get(url, {"q": "康乐"}))


def test_the_blacklist_page_lists_only_published_cases_with_the_legal_representative(client, seed):
    page = text(client.get(reverse("public-blacklist")))
    assert "天河康乐养老院" in page and "钱法人" in page and "2029-10-20" in page
    assert "天河福寿养老院" not in page  # notified, not listed
    assert "天河康乐养老院" not in text(client.get(reverse("public-blacklist"), {"region": "610000"}))


def test_downloads_have_the_documented_columns_and_every_active_home(client, seed):
    response = client.get(reverse("public-download", args=["institutions", "csv"]))
    assert response.streaming and response["Content-Disposition"] == 'attachment; filename="institutions.csv"'
    csv_body = body_of(response)
    lines = csv_body.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,uscc,name,region_code,region_name,type,type_label")
    assert len(lines) == 4
    rows = json.loads(body_of(client.get(reverse("public-download", args=["institutions", "json"]))))
    home = next(r for r in rows if r["uscc"] == seed.home.uscc)
    assert home["inspections_completed"] == 1 and home["findings_open"] == 1 and home["major_hazards_open"] == 1
    assert home["penalties_count"] == 1 and home["last_inspected_on"] == "2026-09-01" and home["credit_grade"] == "C"
    listed = json.loads(body_of(client.get(reverse("public-download", args=["blacklist", "json"]))))
    assert listed == [{
        "name": "天河康乐养老院", "uscc": seed.home.uscc, "region_code": "440106", "region_name": listed[0]["region_name"],
        "legal_representative": "钱法人", "criterion": 4, "criterion_label": listed[0]["criterion_label"],
        "listed_at": "2026-10-20", "expected_exit_date": "2029-10-20",
    }]
    assert client.get("/public/data/residents.csv").status_code == 404


def test_api_lists_institutions_with_outcomes_and_filters(api, seed):
    body = api.get(INSTITUTIONS).json()
    assert body["count"] == 3
    row = next(r for r in body["results"] if r["id"] == seed.home.pk)
    assert row["is_blacklisted"] is True and row["insured"] is True and row["level"] == 3
    assert row["inspection_outcomes"]["completed"] == 1 and row["inspection_outcomes"]["findings_total"] == 3
    assert api.get(INSTITUTIONS, {"credit_grade": "A"}).json()["count"] == 1
    assert api.get(INSTITUTIONS, {"region": "440100"}).json()["count"] == 2
    assert api.get(INSTITUTIONS, {"q": "汉滨"}).json()["count"] == 1
    assert api.get(INSTITUTIONS, {"region": "44"}).status_code == 400
    listed = api.get(BLACKLIST).json()
    assert listed["count"] == 1 and listed["results"][0]["legal_representative"] == "钱法人"
    assert api.get(BLACKLIST, {"region": "610000"}).json()["count"] == 0


def test_anonymous_api_is_throttled(api, seed, settings):
    settings.API_RATE_ANON = "2/min"
    assert [api.get(BLACKLIST).status_code for _ in range(3)] == [200, 200, 429]


def test_complaints_api_needs_a_login(api, seed):
    assert api.get(reverse("api:complaint-list")).status_code in (401, 403)


def _homes(template, inspector, n):
    for i in range(n):
        home = InstitutionFactory(region=region("440106"))
        PractitionerFactory(institution=home, role=PractitionerRole.LEGAL_REPRESENTATIVE,
                            person=PersonFactory(id_number=make_id_number()))
        inspect(home, template, inspector, findings=[("C", False, False)])
        Penalty.objects.create(institution=home, kind=PenaltyKind.WARNING, reason="r", legal_basis="b",
                               decided_on=date(2026, 10, 1), document_number=f"罚{i}")
        BlacklistCase.objects.create(subject_type=SubjectType.INSTITUTION, institution=home,
                                     criterion=Criterion.OTHER, evidence="e", status=CaseStatus.LISTED,
                                     listed_at=date(2026, 1, 1), expected_exit_date=date(2029, 1, 1))


@pytest.mark.parametrize("url", [reverse("public-institutions"), reverse("public-blacklist"), INSTITUTIONS, BLACKLIST])
def test_list_queries_do_not_grow_with_rows(client, template, django_assert_max_num_queries, url):
    inspector = make_user(Role.INSPECTOR, region_code="440100")
    _homes(template, inspector, 3)
    client.get(url)  # the region choices are cached after the first request
    with django_assert_max_num_queries(8) as few:
        assert client.get(url).status_code == 200
    _homes(template, inspector, 17)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    if url.startswith("/api/"):
        assert response.json()["count"] == 20
    else:
        assert text(response).count("<tr data-id=") == 20


def test_the_profile_query_count_does_not_grow_with_inspections(client, template, django_assert_max_num_queries):
    inspector = make_user(Role.INSPECTOR, region_code="440100")
    home = InstitutionFactory(region=region("440106"))
    for day in range(1, 4):
        inspect(home, template, inspector, completed=date(2026, 3, day), findings=[("D", False, False)])
    url = reverse("public-institution", args=[home.pk])
    with django_assert_max_num_queries(8) as few:
        client.get(url)
    for day in range(4, 20):
        inspect(home, template, inspector, completed=date(2026, 3, day), findings=[("D", False, False)] * 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_public_site_speaks_chinese_by_default_and_the_login_page_links_to_it(client, seed):
    page = text(client.get(reverse("public-institutions")))
    assert '<html lang="zh-hans">' in page and 'id="user-menu"' not in page
    assert f'href="{reverse("public-institutions")}"' in text(client.get(reverse("login")))


def test_the_profile_links_to_a_complaint_form_with_the_home_chosen(client, seed):
    page = text(client.get(reverse("public-institution", args=[seed.home.pk])))
    link = f'{reverse("public-complaint-new")}?institution={seed.home.pk}'
    assert link in page
    form = text(client.get(link))
    assert f'<option value="{seed.home.pk}" selected>' in form
