"""The HTML pages: who may open what, what they show, and that writes go through the services."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.scoping import mask
from institutions import services
from institutions.forms import InstitutionForm
from institutions.models import Institution, Practitioner
from tests.factories import InstitutionFactory, PractitionerFactory, make_id_number, make_uscc, region
from tests.fixtures.spreadsheets import csv_bytes, good_row, table, upload
from tests.pages import as_user, text

pytestmark = pytest.mark.django_db


def row_names(response) -> list[str]:
    return re.findall(r'<td class="name"><a href="[^"]+">([^<]+)</a>', text(response))


def form_data(institution, **changes) -> dict:
    """What the edit form posts when nothing is changed, plus `changes`."""
    data = {}
    for name in InstitutionForm.Meta.fields:
        value = getattr(institution, "region_id" if name == "region" else name)
        data[name] = "" if value is None else value
    data["version"] = institution.version
    data.update(changes)
    return data


NEW_HOME = {
    "name": "天河新建颐养院", "region": "440106", "type": "nursing_home", "nature": "non_profit",
    "operation_model": "private", "filing_status": "not_filed", "address": "体育西路1号", "beds_total": 50,
    "beds_nursing": 20, "beds_in_use": 10, "residents": 10, "medical_licence": "none",
}


# --- sign-in, language, navigation, errors ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "path"),
    [("institution-list", [], "/institutions/"), ("institution-detail", [7], "/institutions/7/"),
     ("institution-export", [], "/institutions/export/"), ("institution-import", [], "/institutions/import/"),
     ("practitioner-list", [], "/practitioners/")],
)
def test_page_url_names_are_not_shadowed_by_the_api(name, args, path):
    assert reverse(name, args=args) == path


@pytest.fixture
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_login_page_shows_a_wrong_password_clearly(web, world):
    response = web.post("/accounts/login/", {"username": world.gz_regulator.username, "password": "wrong"})
    assert response.status_code == 200
    assert 'id="login-errors"' in text(response)
    assert "correct username and password" in text(response)


def test_login_is_throttled_with_a_clear_message(web, world, settings, _clean_cache):
    settings.LOGIN_RATE_USERNAME = "2/m"
    username = world.gz_regulator.username
    for _ in range(2):
        assert web.post("/accounts/login/", {"username": username, "password": "wrong"}).status_code == 200
    response = web.post("/accounts/login/", {"username": username, "password": "pass-word-123"})
    assert response.status_code == 429
    assert "Too many attempts; wait a minute and try again." in text(response)
    # Even the right password does not get in while throttled, and no password verdict is shown.
    assert "_auth_user_id" not in web.session
    assert 'id="login-errors"' not in text(response)


def test_login_then_logout(web, world, _clean_cache):
    response = web.post("/accounts/login/", {"username": world.gz_regulator.username, "password": "pass-word-123"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert web.get("/").status_code == 200
    assert web.post("/accounts/logout/").status_code == 302
    assert web.get("/")["Location"].startswith("/accounts/login/")


def test_chinese_by_default_and_the_language_switch_changes_the_page(client):
    page = text(client.get("/accounts/login/"))
    assert '<html lang="zh-hans">' in page and "用户名" in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    page = text(client.get("/accounts/login/"))
    assert '<html lang="en">' in page and "Username" in page and "用户名" not in page


def test_pages_use_only_local_assets(web, world):
    page = text(as_user(web, world.gz_regulator).get("/institutions/"))
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_navigation_follows_the_role(web, world):
    page = text(as_user(web, world.gz_institution).get("/"))
    assert 'href="/my-institution/"' in page and 'href="/practitioners/"' in page
    assert 'href="/institutions/import/"' not in page
    page = text(as_user(web, world.gz_regulator).get("/institutions/import/"))
    # Only the deepest matching entry is highlighted.
    assert re.findall(r'(?:nav-link|dropdown-item) active"[^>]*href="([^"]+)"', page) == ["/institutions/import/"]


def test_error_page_links_home(web, world):
    response = as_user(web, world.gz_regulator).get(f"/institutions/{world.ak_home.pk}/")
    assert response.status_code == 404
    assert 'data-status="404"' in text(response) and 'href="/"' in text(response)


def test_password_change_page(web, world):
    as_user(web, world.gz_regulator)
    assert web.get("/accounts/password/").status_code == 200
    response = web.post("/accounts/password/", {
        "old_password": "pass-word-123", "new_password1": "another-pass-456", "new_password2": "another-pass-456",
    })
    assert response.status_code == 302
    world.gz_regulator.refresh_from_db()
    assert world.gz_regulator.check_password("another-pass-456")


# --- home ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "scope"),
    [("admin", "Nationwide"), ("gz_regulator", "广东省 广州市"), ("gz_inspector", "天河区"),
     ("gz_institution", "天河康乐养老院"), ("insurer", "保险公司")],
)
def test_home_shows_counts_and_scope_for_every_role(web, world, who, scope):
    response = as_user(web, getattr(world, who)).get("/")
    assert response.status_code == 200
    assert scope in re.search(r'id="scope">(.*?)</p>', text(response), re.S).group(1)


def test_home_counts_only_what_the_user_may_see(web, world):
    page = text(as_user(web, world.gz_regulator).get("/"))
    assert 'data-stat="institutions">1<' in page
    assert 'data-stat="beds">120<' in page
    page = text(as_user(web, world.gz_institution).get("/"))
    assert f'href="/institutions/{world.gz_home.pk}/"' in page


def test_home_empty_state_for_an_insurer(web, world):
    page = text(as_user(web, world.insurer).get("/"))
    assert 'id="summary-empty"' in page and 'id="summary"' not in page


def test_home_requires_sign_in(client):
    assert client.get("/")["Location"].startswith("/accounts/login/")


# --- institution list ----------------------------------------------------------------------------


def test_list_is_scoped(web, world):
    assert row_names(as_user(web, world.gz_regulator).get("/institutions/")) == ["天河康乐养老院"]
    assert row_names(as_user(web, world.ak_regulator).get("/institutions/")) == ["汉滨区中心敬老院"]
    assert row_names(as_user(web, world.ak_institution).get("/institutions/")) == ["汉滨区中心敬老院"]
    assert sorted(row_names(as_user(web, world.admin).get("/institutions/"))) == ["天河康乐养老院", "汉滨区中心敬老院"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=440000", ["天河康乐养老院"]),  # a province includes its counties
        ("region=610900", ["汉滨区中心敬老院"]),
        ("region=440104", []),
        ("q=康乐", ["天河康乐养老院"]),
        ("is_blacklisted=true", ["汉滨区中心敬老院"]),
        ("credit_grade=B", ["天河康乐养老院"]),
        ("type=rural_home", ["汉滨区中心敬老院"]),
        ("is_active=false", []),
    ],
)
def test_list_filters(web, world, query, expected):
    Institution.objects.filter(pk=world.ak_home.pk).update(is_blacklisted=True, type="rural_home")
    Institution.objects.filter(pk=world.gz_home.pk).update(credit_grade="B")
    assert row_names(as_user(web, world.admin).get(f"/institutions/?{query}")) == expected


def test_list_invalid_filter_shows_the_error_and_no_rows(web, world):
    response = as_user(web, world.admin).get("/institutions/?region=abc")
    assert "A region is a 6-digit GB/T 2260 code." in text(response)
    assert row_names(response) == []


def test_list_empty_state_offers_to_clear_the_filters(web, world):
    page = text(as_user(web, world.gz_regulator).get("/institutions/?q=nothing-like-this"))
    assert "No institutions match these filters." in page
    assert re.search(r'href="/institutions/" id="clear-filters"', page)


def test_list_sorts_by_whitelisted_columns(web, world):
    InstitutionFactory(region=region("440104"), name="越秀大床位养老院", beds_total=500)
    as_user(web, world.gz_regulator)
    assert row_names(web.get("/institutions/?ordering=-beds_total")) == ["越秀大床位养老院", "天河康乐养老院"]
    assert row_names(web.get("/institutions/?ordering=beds_total")) == ["天河康乐养老院", "越秀大床位养老院"]
    # Anything else falls back to the name, rather than erroring or ordering by a hidden field.
    assert web.get("/institutions/?ordering=contact_phone").status_code == 200
    page = text(web.get("/institutions/?ordering=-beds_total&q=养老"))
    # Sort links keep the filters and toggle the direction of the current column.
    assert 'href="?ordering=beds_total&amp;q=%E5%85%BB%E8%80%81"' in page


def test_list_paginates_by_50(web, world):
    InstitutionFactory.create_batch(50, region=region("440104"))
    as_user(web, world.gz_regulator)
    first = web.get("/institutions/")
    assert len(row_names(first)) == 50 and "51 institutions" in text(first)
    assert len(row_names(web.get("/institutions/?page=2"))) == 1


def test_list_queries_do_not_grow_with_rows(web, world):
    as_user(web, world.gz_regulator)
    InstitutionFactory.create_batch(5, region=region("440104"))

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert web.get("/institutions/?ordering=region").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    InstitutionFactory.create_batch(25, region=region("440105"), credit_grade="A")
    assert queries() == few


def test_list_export_links_carry_the_filters(web, world):
    page = text(as_user(web, world.gz_regulator).get("/institutions/?q=%E5%BA%B7&page=1"))
    assert 'href="/institutions/export/?q=%E5%BA%B7&amp;format=xlsx"' in page
    assert 'href="/institutions/export/?q=%E5%BA%B7&amp;format=csv"' in page


def test_export_returns_the_filtered_scoped_rows(web, world):
    other = InstitutionFactory(region=region("440104"), name="越秀另一家养老院")
    response = as_user(web, world.gz_regulator).get("/institutions/export/?format=csv&region=440106")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8-sig")
    assert world.gz_home.uscc in body
    assert other.uscc not in body and world.ak_home.uscc not in body
    assert web.get("/institutions/export/?format=pdf").status_code == 404


# --- institution detail ----------------------------------------------------------------------------


def test_detail_outside_scope_is_404(web, world):
    assert as_user(web, world.gz_regulator).get(f"/institutions/{world.ak_home.pk}/").status_code == 404
    assert as_user(web, world.gz_institution).get(f"/institutions/{world.ak_home.pk}/").status_code == 404
    assert as_user(web, world.insurer).get(f"/institutions/{world.gz_home.pk}/").status_code == 404
    assert as_user(web, world.gz_inspector).get(f"/institutions/{world.gz_home.pk}/").status_code == 200


def test_detail_buttons_follow_what_the_user_may_do(web, world):
    url = f"/institutions/{world.gz_home.pk}/"
    page = text(as_user(web, world.gz_regulator).get(url))
    assert 'id="edit"' in page and 'id="deactivate"' in page and 'id="tab-history"' in page
    page = text(as_user(web, world.gz_institution).get(url))
    assert 'id="edit"' in page and 'id="deactivate"' not in page and 'id="tab-history"' not in page
    page = text(as_user(web, world.gz_inspector).get(url))
    assert 'id="edit"' not in page and 'id="deactivate"' not in page and 'id="tab-history"' not in page
    # Asking for the history tab without the right shows the overview instead.
    assert 'id="overview"' in text(web.get(url + "?tab=history"))


def test_detail_equipment_and_practitioner_tabs(web, world):
    world.gz_home.equipment.create(kind="elevator", registration_no="DT-001")
    person = PractitionerFactory(institution=world.gz_home).person
    as_user(web, world.gz_inspector)
    url = f"/institutions/{world.gz_home.pk}/"
    assert "DT-001" in text(web.get(url + "?tab=equipment"))
    page = text(web.get(url + "?tab=practitioners"))
    assert mask(person.id_number) in page and person.id_number not in page
    assert 'id="add-practitioner"' not in page
    page = text(as_user(web, world.gz_institution).get(url + "?tab=practitioners"))
    assert person.id_number in page and 'id="add-practitioner"' in page
    # Current staff come before those who have left, on every database.
    PractitionerFactory(institution=world.gz_home, person__name="离职员工", role="caregiver",
                        started_on="2020-01-01", ended_on="2021-01-01")
    PractitionerFactory(institution=world.gz_home, person__name="在职经理", role="manager")
    page = text(web.get(url + "?tab=practitioners"))
    assert page.index("在职经理") < page.index("离职员工")


def test_history_tab_shows_who_changed_what(web, world):
    as_user(web, world.gz_regulator)
    response = web.post(f"/institutions/{world.gz_home.pk}/edit/", form_data(world.gz_home, residents=77))
    assert response.status_code == 302
    page = text(web.get(f"/institutions/{world.gz_home.pk}/?tab=history"))
    update = re.search(r'<tr data-action="1">(.*?)</tr>', page, re.S).group(1)
    assert world.gz_regulator.username in update
    assert re.search(r'class="old">88</span> → <span class="new">77<', update)
    assert response["X-Request-ID"] in update


# --- create and edit -------------------------------------------------------------------------------


def test_create_shows_the_uscc_validator_message_then_saves(web, world):
    as_user(web, world.gz_regulator)
    assert web.get("/institutions/new/").status_code == 200
    response = web.post("/institutions/new/", {**NEW_HOME, "uscc": "91440106MA59C1234X"})
    assert response.status_code == 200
    assert re.search(r'data-error-for="uscc">Not a valid unified social credit code', text(response))
    assert not Institution.objects.filter(name=NEW_HOME["name"]).exists()

    uscc = make_uscc("440106")
    response = web.post("/institutions/new/", {**NEW_HOME, "uscc": uscc.lower()})
    created = Institution.objects.get(name=NEW_HOME["name"])
    assert response.status_code == 302 and response["Location"] == f"/institutions/{created.pk}/"
    assert created.uscc == uscc and created.region_id == "440106"
    page = text(web.get(f"/institutions/{created.pk}/?tab=history"))
    assert '<tr data-action="0">' in page and world.gz_regulator.username in page


def test_create_refuses_a_region_outside_the_jurisdiction(web, world):
    response = as_user(web, world.gz_regulator).post("/institutions/new/", {**NEW_HOME, "uscc": make_uscc("610902"), "region": "610902"})
    assert "Choose a division within your jurisdiction" in text(response)
    response = web.post("/institutions/new/", {**NEW_HOME, "uscc": make_uscc("440100"), "region": "440100"})
    assert "Choose the county-level division the institution is in." in text(response)
    assert not Institution.objects.filter(name=NEW_HOME["name"]).exists()


def test_create_shows_a_duplicate_uscc_inline(web, world):
    response = as_user(web, world.gz_regulator).post("/institutions/new/", {**NEW_HOME, "uscc": world.gz_home.uscc})
    assert re.search(r'data-error-for="uscc">', text(response))
    assert Institution.objects.filter(uscc=world.gz_home.uscc).count() == 1


@pytest.mark.parametrize("who", ["gz_inspector", "gz_institution", "insurer"])
def test_only_registry_keepers_may_register(web, world, who):
    as_user(web, getattr(world, who))
    assert web.get("/institutions/new/").status_code == 403
    assert web.post("/institutions/new/", {**NEW_HOME, "uscc": make_uscc("440106")}).status_code == 403


def test_edit_form_is_403_for_an_inspector_and_404_out_of_scope(web, world):
    assert as_user(web, world.gz_inspector).get(f"/institutions/{world.gz_home.pk}/edit/").status_code == 403
    assert as_user(web, world.gz_regulator).get(f"/institutions/{world.ak_home.pk}/edit/").status_code == 404


def test_institution_edits_its_contact_data_but_not_its_name(web, world):
    home = world.gz_home
    as_user(web, world.gz_institution)
    page = text(web.get(f"/institutions/{home.pk}/edit/"))
    assert 'name="contact_phone"' in page and 'name="name"' not in page and 'name="uscc"' not in page
    response = web.post(f"/institutions/{home.pk}/edit/", form_data(home, name="改名养老院", contact_phone="020-88886666"))
    assert response.status_code == 302
    home.refresh_from_db()
    assert home.contact_phone == "020-88886666" and home.name == "天河康乐养老院" and home.version == 2


def test_edit_shows_model_rules_inline(web, world):
    home = world.gz_home
    response = as_user(web, world.gz_institution).post(f"/institutions/{home.pk}/edit/", form_data(home, beds_nursing=500))
    assert re.search(r'data-error-for="beds_nursing">Nursing beds cannot exceed total beds.', text(response))
    home.refresh_from_db()
    assert home.beds_nursing == 70


def test_a_stale_version_shows_the_conflict_and_changes_nothing(web, world):
    home = world.gz_home
    as_user(web, world.gz_regulator)
    stale = form_data(home, residents=11)
    services.update_institution(actor=world.admin, institution_id=home.pk, data={"residents": 99})
    response = web.post(f"/institutions/{home.pk}/edit/", stale)
    assert response.status_code == 200
    assert "changed by someone else" in text(response) and 'id="stale"' in text(response)
    home.refresh_from_db()
    assert home.residents == 99 and home.version == 2


def test_deactivate_needs_a_reason_and_reactivate_undoes_it(web, world):
    home = world.gz_home
    as_user(web, world.gz_regulator)
    response = web.post(f"/institutions/{home.pk}/deactivate/", {"reason": "", "version": home.version}, follow=True)
    assert "Give the reason for deactivation." in text(response)
    home.refresh_from_db()
    assert home.is_active
    web.post(f"/institutions/{home.pk}/deactivate/", {"reason": "已停业", "version": home.version})
    home.refresh_from_db()
    assert not home.is_active and home.deactivation_reason == "已停业"
    assert 'id="reactivate"' in text(web.get(f"/institutions/{home.pk}/"))
    web.post(f"/institutions/{home.pk}/reactivate/", {"version": home.version})
    home.refresh_from_db()
    assert home.is_active
    assert web.get(f"/institutions/{home.pk}/deactivate/").status_code == 405


def test_only_registry_keepers_may_deactivate(web, world):
    home = world.gz_home
    assert as_user(web, world.gz_inspector).post(f"/institutions/{home.pk}/deactivate/", {"reason": "x"}).status_code == 403
    assert as_user(web, world.gz_institution).post(f"/institutions/{home.pk}/deactivate/", {"reason": "x"}).status_code == 403
    assert as_user(web, world.ak_regulator).post(f"/institutions/{home.pk}/deactivate/", {"reason": "x"}).status_code == 404
    home.refresh_from_db()
    assert home.is_active


def test_my_institution(web, world):
    response = as_user(web, world.gz_institution).get("/my-institution/")
    assert response.status_code == 302 and response["Location"] == f"/institutions/{world.gz_home.pk}/"
    assert as_user(web, world.gz_regulator).get("/my-institution/").status_code == 404


# --- practitioners ---------------------------------------------------------------------------------


def test_practitioner_list_masks_id_numbers_for_an_inspector(web, world):
    person = PractitionerFactory(institution=world.gz_home).person
    PractitionerFactory(institution=world.ak_home)
    page = text(as_user(web, world.gz_inspector).get("/practitioners/"))
    assert mask(person.id_number) in page and person.id_number not in page
    assert mask(person.phone) in page
    assert "1 practitioner" in page
    page = text(as_user(web, world.gz_regulator).get("/practitioners/"))
    assert person.id_number in page and "1 practitioner" in page


def test_practitioner_list_filters(web, world):
    PractitionerFactory(institution=world.gz_home, person__name="李护理", role="caregiver")
    PractitionerFactory(institution=world.gz_home, person__name="王安全", role="safety_officer")
    as_user(web, world.gz_regulator)
    assert "王安全" in text(web.get("/practitioners/?role=safety_officer"))
    assert "李护理" not in text(web.get("/practitioners/?role=safety_officer"))
    assert "No practitioners match these filters." in text(web.get("/practitioners/?q=赵"))
    page = text(web.get(f"/practitioners/?institution={world.gz_home.pk}"))
    assert "天河康乐养老院" in page and 'id="add-practitioner"' in page


def test_institution_adds_a_practitioner(web, world):
    as_user(web, world.gz_institution)
    assert web.get("/practitioners/new/").status_code == 200
    data = {"name": "陈护理", "id_number": "110105197506010000", "phone": "13900001111", "role": "caregiver",
            "training_hours": 8}
    response = web.post("/practitioners/new/", data)
    assert re.search(r'data-error-for="id_number">Not a valid resident ID number', text(response))
    response = web.post("/practitioners/new/", {**data, "id_number": make_id_number()})
    assert response.status_code == 302
    assert response["Location"] == f"/institutions/{world.gz_home.pk}/?tab=practitioners"
    job = Practitioner.objects.get(person__name="陈护理")
    assert job.institution == world.gz_home and job.training_hours == 8
    # Another institution's staff cannot be touched, not even by guessing its id.
    assert web.get(f"/practitioners/new/?institution={world.ak_home.pk}").status_code == 404


def test_practitioner_create_is_403_for_an_inspector(web, world):
    as_user(web, world.gz_inspector)
    assert web.get(f"/practitioners/new/?institution={world.gz_home.pk}").status_code == 403
    assert web.get("/practitioners/new/").status_code == 404


def test_practitioner_edit(web, world):
    job = PractitionerFactory(institution=world.gz_home)
    as_user(web, world.gz_regulator)
    response = web.post(f"/practitioners/{job.pk}/edit/", {"role": "manager", "training_hours": 12, "phone": "13700000000",
                                                           "started_on": "2024-01-01", "ended_on": "2023-01-01"})
    assert "The end date cannot be before the start date." in text(response)
    response = web.post(f"/practitioners/{job.pk}/edit/", {"role": "manager", "training_hours": 12, "phone": "13700000000"})
    assert response.status_code == 302
    job.refresh_from_db()
    job.person.refresh_from_db()
    assert job.role == "manager" and job.training_hours == 12 and job.person.phone == "13700000000"
    assert as_user(web, world.gz_inspector).get(f"/practitioners/{job.pk}/edit/").status_code == 403
    assert as_user(web, world.ak_regulator).get(f"/practitioners/{job.pk}/edit/").status_code == 404


# --- import ----------------------------------------------------------------------------------------


@pytest.fixture
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def csv_upload(rows):
    return upload(csv_bytes(table(rows)), "机构.csv")


@pytest.mark.parametrize("who", ["gz_inspector", "gz_institution", "insurer"])
def test_import_is_for_registry_keepers_only(web, world, who):
    as_user(web, getattr(world, who))
    assert web.get("/institutions/import/").status_code == 403
    assert web.get("/institutions/import/template/?format=csv").status_code == 403


def test_import_template_download(web, world):
    response = as_user(web, world.gz_regulator).get("/institutions/import/template/?format=xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response.content[:2] == b"PK"


def test_import_preview_shows_row_errors_and_offers_no_confirm(web, world, _private_media):
    as_user(web, world.gz_regulator)
    rows = [good_row(name="第一家"), good_row(name="第二家", uscc="123")]
    response = web.post("/institutions/import/", {"file": csv_upload(rows)})
    page = text(response)
    assert re.search(r'<tr class="table-danger" data-row="3" data-action="error">', page)
    assert 'id="confirm-import"' not in page
    assert not Institution.objects.filter(name__in=["第一家", "第二家"]).exists()


def test_import_preview_then_confirm(web, world, _private_media):
    as_user(web, world.gz_regulator)
    response = web.post("/institutions/import/", {"file": csv_upload([good_row(name="导入一号院")])})
    page = text(response)
    assert 'id="confirm-import"' in page
    assert not Institution.objects.filter(name="导入一号院").exists()  # a preview saves nothing
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    response = web.post("/institutions/import/", {"token": token, "confirm": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == "/institutions/"
    assert "Import complete: 1 new, 0 updated, 0 unchanged." in text(response)
    assert Institution.objects.filter(name="导入一号院", region_id="440106").exists()
    # The token is spent: confirming again says so instead of importing twice.
    response = web.post("/institutions/import/", {"token": token, "confirm": "1"}, follow=True)
    assert "upload it again" in text(response)
    assert Institution.objects.filter(name="导入一号院").count() == 1


def test_import_refuses_a_wrong_file_type_inline(web, world, _private_media):
    response = as_user(web, world.gz_regulator).post("/institutions/import/", {"file": upload(b"hello", "机构.txt")})
    assert re.search(r'data-error-for="file">Upload an .xlsx or .csv file.', text(response))
