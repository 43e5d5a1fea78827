"""Choosing an institution in the staff forms (issue 7): the plan, penalty and blacklist proposal
forms list a readable few homes (the search's matches, else the first by name, plus the chosen one)
yet accept any home in the user's scope; a search keeps what was entered and saves nothing; the
lookup endpoint behind the script answers only the caller's scope; each page's queries stay the same
however many homes there are."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Department, Role
from credit.models import BlacklistCase
from inspections import forms as inspection_forms
from inspections.models import Inspection, Penalty
from institutions.choosers import CHOICES_SHOWN, LOOKUP_LIMIT
from tests.factories import InstitutionFactory, PractitionerFactory, make_user, region
from tests.inspections import conftest as _inspection_fixtures
from tests.pages import as_user, errors_for, text

pytestmark = pytest.mark.django_db

checklist, iw = _inspection_fixtures.checklist, _inspection_fixtures.iw  # the fixtures, shared with tests/inspections

PLAN, PENALTY, PROPOSAL = "/inspections/new/", "/penalties/", "/blacklist/new/"
PAGES = [PLAN, PENALTY, PROPOSAL]


def crowd(count: int, code: str = "440106"):
    """Homes whose names sort before 天河康乐养老院 and 天河福寿养老院 (养 < 康 < 福)."""
    return [InstitutionFactory(region=region(code), name=f"天河养老院{n:03d}") for n in range(count)]


def options(response, name: str = "institution") -> list[str]:
    """The values of a select's options, the empty one included."""
    found = re.search(rf'<select name="{name}".*?</select>', text(response), re.S)
    assert found, f"no <select name={name}>"
    return re.findall(r'<option value="(\d*)"', found.group(0))


def input_value(response, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', text(response))
    value = re.search(r'value="([^"]*)"', found.group(0)) if found else None
    return html.unescape(value.group(1)) if value else ""


def valid_post(iw, url: str, home) -> dict:
    """Everything each form needs, for `home`."""
    if url == PLAN:
        day = timezone.localdate() + timedelta(days=30)
        return {"institution": home.pk, "type": "routine", "scheduled_for": day.isoformat(),
                "departments": ["civil_affairs", "fire_rescue"], "inspectors": [iw.inspector.pk, iw.inspector2.pk],
                "checklist": iw.checklist.pk}
    if url == PENALTY:
        return {"institution": home.pk, "penalty_kind": "warning", "reason": "拒不配合检查", "legal_basis": "《养老机构管理办法》",
                "decided_on": timezone.localdate().isoformat(), "document_number": "警告9号"}
    return {"institution": home.pk, "criterion": "4", "evidence": "重大火灾隐患逾期未改"}


def saved(url: str):
    return {PLAN: Inspection, PENALTY: Penalty, PROPOSAL: BlacklistCase}[url].objects.all()


# --- what the select lists ------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_the_select_lists_at_most_n_homes_plus_the_chosen_one(web, iw, url):
    crowd(CHOICES_SHOWN + 5)
    as_user(web, iw.regulator)
    first = options(web.get(url))
    assert len(first) == 1 + CHOICES_SHOWN and str(iw.home.pk) not in first  # the empty choice and N homes
    chosen = web.get(url, {"institution": iw.home.pk})
    listed = options(chosen)
    assert len(listed) == 2 + CHOICES_SHOWN and listed[1] == str(iw.home.pk)
    assert f'<option value="{iw.home.pk}" selected>' in text(chosen)
    assert "Only the first 50 by name are listed" in text(chosen)


@pytest.mark.parametrize("url", PAGES)
def test_a_search_narrows_the_list_and_keeps_what_was_entered(web, iw, url):
    crowd(CHOICES_SHOWN + 5)
    as_user(web, iw.regulator)
    entered = valid_post(iw, url, iw.home) | {"institution_q": "福寿", "search": "institution"}
    response = web.post(url, entered)
    assert response.status_code == 200 and not saved(url).exists()
    assert options(response) == ["", str(iw.home.pk), str(iw.other_home.pk)]  # the chosen one kept, then the match
    assert input_value(response, "institution_q") == "福寿"
    assert 'class="invalid-feedback' not in text(response)  # a search is not a submission: no complaints
    if url == PENALTY:
        assert input_value(response, "document_number") == "警告9号" and 'id="penalty-box" open' in text(response)
    if url == PLAN:
        assert input_value(response, "scheduled_for") == entered["scheduled_for"]
    usccs = web.get(url, {"institution_q": iw.far_home.uscc.lower()})  # another province's code: nothing
    assert options(usccs) == [""] and "No institution in your jurisdiction matches" in text(usccs)
    by_code = web.post(url, {"institution_q": iw.home.uscc.lower(), "search": "institution"})
    assert options(by_code) == ["", str(iw.home.pk)]


def test_the_plan_pages_earlier_search_links_still_work(web, iw):
    crowd(CHOICES_SHOWN + 5)
    response = as_user(web, iw.regulator).get(PLAN, {"q": "康乐"})
    assert options(response) == ["", str(iw.home.pk)] and input_value(response, "institution_q") == "康乐"


@pytest.mark.parametrize("url", PAGES)
def test_any_home_in_scope_is_accepted_even_when_not_listed(web, iw, url):
    crowd(CHOICES_SHOWN + 5)
    as_user(web, iw.regulator)
    assert str(iw.other_home.pk) not in options(web.get(url))
    response = web.post(url, valid_post(iw, url, iw.other_home))
    assert response.status_code == 302, errors_for(response, "institution")
    assert saved(url).get().institution == iw.other_home


@pytest.mark.parametrize("url", PAGES)
def test_a_home_outside_the_scope_is_refused_on_the_form(web, iw, url):
    as_user(web, iw.regulator)
    for wrong in (iw.far_home.pk, 987654, "abc"):
        response = web.post(url, valid_post(iw, url, iw.home) | {"institution": wrong})
        assert response.status_code == 200
        assert errors_for(response, "institution") == ["No such institution in your scope."]
        assert str(iw.far_home.pk) not in options(response)
    assert not saved(url).exists()


def test_the_plan_form_accepts_active_homes_only(web, iw):
    closed = InstitutionFactory(region=region("440106"), name="天河已停业养老院", is_active=False)
    as_user(web, iw.regulator)
    assert str(closed.pk) not in options(web.get(PLAN, {"institution_q": "停业"}))
    response = web.post(PLAN, valid_post(iw, PLAN, closed))
    assert errors_for(response, "institution") == ["No such institution in your scope."]


@pytest.mark.parametrize("url", PAGES)
def test_queries_do_not_grow_with_the_number_of_homes(web, iw, url, django_assert_max_num_queries):
    as_user(web, iw.admin)
    pages = [{}, {"institution": iw.home.pk}, {"institution_q": "天河"}]

    def queries(query):
        with CaptureQueriesContext(connection) as ctx:
            assert web.get(url, query).status_code == 200
        return len(ctx.captured_queries)

    few = [queries(query) for query in pages]
    crowd(CHOICES_SHOWN + 20)
    crowd(30, code="610902")
    for query, count in zip(pages, few, strict=True):
        with django_assert_max_num_queries(count):
            response = web.get(url, query)
        assert len(options(response)) <= CHOICES_SHOWN + 2, query


# --- who may inspect, whose people ----------------------------------------------------------------


def test_the_plan_form_lists_the_inspectors_of_the_chosen_home(web, iw, monkeypatch):
    monkeypatch.setattr(inspection_forms, "INSPECTORS_SHOWN", 3)
    county = make_user(Role.INSPECTOR, region_code="440106", department=Department.FIRE_RESCUE, full_name="天河消防")
    others = [make_user(Role.INSPECTOR, region_code="440103", full_name=f"荔湾{n}") for n in range(2)]
    as_user(web, iw.admin)
    page = text(web.get(PLAN))
    assert 'name="inspectors"' not in page and 'id="inspectors-wait"' in page  # the country's are too many
    page = text(web.get(PLAN, {"institution": iw.home.pk}))
    ticks = set(re.findall(r'name="inspectors" value="(\d+)"', page))
    # The home's county, city and province may go there; another county's and province's may not.
    assert ticks == {str(iw.inspector.pk), str(iw.inspector2.pk), str(county.pk)}
    assert not ticks & {str(u.pk) for u in [*others, iw.far_inspector]}
    # A county regulator's few candidates are listed before a home is chosen, as before.
    page = text(as_user(web, make_user(Role.REGULATOR, region_code="440106")).get(PLAN))
    assert set(re.findall(r'name="inspectors" value="(\d+)"', page)) == {str(iw.inspector.pk), str(iw.inspector2.pk),
                                                                         str(county.pk)}


@pytest.fixture
def staff(iw):
    own = [PractitionerFactory(institution=iw.home, person__name=name) for name in ("李护工", "王护理")]
    other = PractitionerFactory(institution=iw.other_home, person__name="赵厨师")
    return own, other


def test_the_proposal_lists_only_the_chosen_homes_people(web, iw, staff):
    own, other = staff
    as_user(web, iw.regulator)
    assert options(web.get(PROPOSAL), "practitioner") == [""]  # no home chosen yet: nobody
    listed = options(web.get(PROPOSAL, {"institution": iw.home.pk}), "practitioner")
    assert listed[0] == "" and sorted(listed[1:]) == sorted(str(job.person_id) for job in own)
    # Without the script: choose the home, press Search, and its people are listed, nothing saved.
    searched = web.post(PROPOSAL, {"institution": iw.other_home.pk, "search": "institution", "evidence": "草稿"})
    assert options(searched, "practitioner") == ["", str(other.person_id)] and not BlacklistCase.objects.exists()
    assert "草稿" in text(searched)
    refused = web.post(PROPOSAL, valid_post(iw, PROPOSAL, iw.home) | {"practitioner": other.person_id})
    assert errors_for(refused, "practitioner") == ["Not a practitioner of this institution."]
    done = web.post(PROPOSAL, valid_post(iw, PROPOSAL, iw.home) | {"practitioner": own[0].person_id})
    assert done.status_code == 302 and BlacklistCase.objects.get().practitioner_id == own[0].person_id


# --- the lookup endpoint --------------------------------------------------------------------------

LOOKUP = "/institutions/lookup/"


def test_the_lookup_answers_the_callers_scope_only(web, iw):
    as_user(web, iw.regulator)
    body = web.get(LOOKUP, {"q": "天河"}).json()
    assert {row["id"] for row in body["results"]} == {iw.home.pk, iw.other_home.pk} and body["more"] is False
    row = next(row for row in body["results"] if row["id"] == iw.home.pk)
    assert row["name"] == "天河康乐养老院" and row["uscc"] == iw.home.uscc and "天河区" in row["region"]
    assert [r["id"] for r in web.get(LOOKUP, {"q": iw.home.uscc.lower()}).json()["results"]] == [iw.home.pk]
    assert web.get(LOOKUP, {"q": "敬老院"}).json()["results"] == []  # 汉滨区中心敬老院 is another province's
    far = as_user(web, iw.far_regulator).get(LOOKUP, {"q": "天河"}).json()
    assert far["results"] == []
    assert [r["id"] for r in web.get(LOOKUP, {"q": "敬老院"}).json()["results"]] == [iw.far_home.pk]


def test_the_lookup_is_capped_and_can_leave_out_inactive_homes(web, iw):
    crowd(LOOKUP_LIMIT + 3)
    closed = InstitutionFactory(region=region("440106"), name="天河停业养老院", is_active=False)
    as_user(web, iw.inspector)
    body = web.get(LOOKUP, {"q": "天河"}).json()
    assert len(body["results"]) == LOOKUP_LIMIT and body["more"] is True
    assert [r["id"] for r in web.get(LOOKUP, {"q": "停业"}).json()["results"]] == [closed.pk]
    assert web.get(LOOKUP, {"q": "停业", "active": "1"}).json()["results"] == []


def test_the_lookup_refuses_institutions_insurers_and_the_public(web, iw):
    response = web.get(LOOKUP, {"q": "天河"})
    assert response.status_code == 403 and response.json()["code"] == "not_authenticated"
    for user in (iw.institution, make_user(Role.INSURER)):
        response = as_user(web, user).get(LOOKUP, {"q": "天河"})
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
        assert "天河康乐养老院" not in text(response)


def test_one_search_for_homes_the_list_and_the_chooser_share():
    """institutions.selectors.search_institutions: a code typed in small letters still finds its home
    by the unique index; the list also searches addresses, the chooser (a short list to pick from) not."""
    from institutions.filters import InstitutionFilter
    from institutions.models import Institution
    from institutions.selectors import search_institutions

    home = InstitutionFactory(region=region("440106"), name="天河康乐养老院", address="广州市天河区龙口西路1号")
    other = InstitutionFactory(region=region("440106"), name="天河福寿养老院", address="广州市天河区中山大道2号")
    homes = Institution.objects.all()
    assert list(search_institutions(homes, home.uscc.lower())) == [home]
    assert set(search_institutions(homes, " 天河 ")) == {home, other}
    assert list(search_institutions(homes, "龙口西路")) == [home]
    assert list(search_institutions(homes, "龙口西路", address=False)) == []
    assert list(InstitutionFilter({"q": home.uscc.lower()}, queryset=homes).qs) == [home]
