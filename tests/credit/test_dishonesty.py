"""Practitioners' dishonesty records: who may record one and for whom, the rules on its fields, the
Person flag set by the service and cleared by expiry in run_daily, the badge on every home the person
works for, the pages and the API (ID numbers masked except for regulators and administrators)."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from config.errors import NotAllowed, NotFound, ValidationFailed
from credit import dishonesty
from credit.models import DishonestyRecord
from tests.conftest import client_for
from tests.factories import PersonFactory, PractitionerFactory
from tests.pages import as_user, text

TODAY = timezone.localdate()
URL = "/api/v1/dishonesty-records/"
BADGE = "Serious dishonesty on record"


def data(**overrides):
    return {"kind": "abuse", "description": "殴打入住老人", "decided_on": TODAY - timedelta(days=10),
            "document_number": "民罚〔2026〕1号", **overrides}


@pytest.fixture
def worker(cw):
    """A person working at two homes of 天河 (one job ended long ago counts as working there too)."""
    person = PersonFactory(name="张护工")
    PractitionerFactory(person=person, institution=cw.home)
    PractitionerFactory(person=person, institution=cw.other_home)
    return person


def record(cw, person, **overrides):
    return dishonesty.record_dishonesty(actor=cw.regulator, person_id=person.pk, data=data(**overrides))


def test_a_regulator_records_it_and_the_person_is_flagged(cw, worker):
    rec = record(cw, worker)
    worker.refresh_from_db()
    assert worker.has_dishonesty_record is True
    assert rec.valid_until == rec.decided_on.replace(year=rec.decided_on.year + 3)
    assert rec.recorded_by == cw.regulator


@pytest.mark.parametrize("who", ["admin", "province_regulator"])
def test_administrators_and_the_province_may_record(cw, worker, who):
    dishonesty.record_dishonesty(actor=getattr(cw, who), person_id=worker.pk, data=data())
    assert DishonestyRecord.objects.filter(person=worker).count() == 1


def test_a_regulator_elsewhere_cannot_name_the_person(cw, worker):
    with pytest.raises(ValidationFailed) as exc:
        dishonesty.record_dishonesty(actor=cw.far_regulator, person_id=worker.pk, data=data())
    assert "person" in exc.value.fields
    assert not DishonestyRecord.objects.exists()


def test_a_person_working_nowhere_cannot_be_named(cw):
    with pytest.raises(ValidationFailed) as exc:
        dishonesty.record_dishonesty(actor=cw.admin, person_id=PersonFactory().pk, data=data())
    assert "person" in exc.value.fields


@pytest.mark.parametrize("who", ["inspector", "institution", "insurer_user"])
def test_other_roles_may_not_record(cw, worker, who):
    with pytest.raises(NotAllowed):
        dishonesty.record_dishonesty(actor=getattr(cw, who), person_id=worker.pk, data=data())


@pytest.mark.parametrize("overrides, field", [
    ({"kind": "gossip"}, "kind"),
    ({"description": "  "}, "description"),
    ({"decided_on": TODAY + timedelta(days=1)}, "decided_on"),
    ({"decided_on": None}, "decided_on"),
    ({"valid_until": TODAY - timedelta(days=10)}, "valid_until"),
])
def test_field_rules(cw, worker, overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        record(cw, worker, **overrides)
    assert field in exc.value.fields
    worker.refresh_from_db()
    assert worker.has_dishonesty_record is False


def test_ending_a_record_clears_the_flag_and_says_who(cw, worker):
    rec = record(cw, worker)
    ended = dishonesty.end_record(actor=cw.regulator, record_id=rec.pk)
    worker.refresh_from_db()
    assert worker.has_dishonesty_record is False
    assert ended.valid_until < TODAY and cw.regulator.get_username() in ended.description
    with pytest.raises(ValidationFailed):
        dishonesty.end_record(actor=cw.regulator, record_id=rec.pk)
    with pytest.raises(NotFound):
        dishonesty.end_record(actor=cw.far_regulator, record_id=rec.pk)


def run_daily(day: date) -> str:
    out = io.StringIO()
    call_command("run_daily", "--today", day.isoformat(), stdout=out)
    return out.getvalue()


def test_run_daily_clears_the_flag_when_the_record_expires(cw, worker):
    rec = record(cw, worker, decided_on=date(2025, 1, 10), valid_until=date(2028, 1, 10))
    out = run_daily(date(2028, 1, 10))
    worker.refresh_from_db()
    assert worker.has_dishonesty_record is True and "0 people changed their dishonesty flag" in out
    out = run_daily(date(2028, 1, 11))
    worker.refresh_from_db()
    assert worker.has_dishonesty_record is False and "1 people changed their dishonesty flag" in out
    assert DishonestyRecord.objects.filter(pk=rec.pk).exists()


def test_run_daily_sets_a_flag_missed_by_a_direct_write(cw, worker):
    DishonestyRecord.objects.create(person=worker, kind="fraud", description="诈骗", decided_on=TODAY,
                                    valid_until=TODAY + timedelta(days=30))
    run_daily(TODAY)
    worker.refresh_from_db()
    assert worker.has_dishonesty_record is True


def test_the_badge_shows_on_every_home_the_person_works_for(cw, worker, web):
    as_user(web, cw.admin)
    page = text(web.get(reverse("institution-detail", args=[cw.home.pk]) + "?tab=practitioners"))
    assert BADGE not in page
    record(cw, worker)
    for home in (cw.home, cw.other_home):
        page = text(web.get(reverse("institution-detail", args=[home.pk]) + "?tab=practitioners"))
        assert "张护工" in page and BADGE in page
    assert BADGE in text(web.get(reverse("practitioner-list")))


def test_the_practitioner_list_adds_no_query_per_flagged_person(cw, web, django_assert_max_num_queries):
    as_user(web, cw.admin)
    for _ in range(3):
        record(cw, PractitionerFactory(institution=cw.home).person)
    with django_assert_max_num_queries(12) as few:
        web.get(reverse("institution-detail", args=[cw.home.pk]) + "?tab=practitioners")
    for _ in range(15):
        record(cw, PractitionerFactory(institution=cw.home).person)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = text(web.get(reverse("institution-detail", args=[cw.home.pk]) + "?tab=practitioners"))
    assert page.count(BADGE) == 18


# --- pages ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [("regulator", 200), ("inspector", 200), ("admin", 200),
                                         ("institution", 403), ("insurer_user", 403)])
def test_list_page_permissions(cw, worker, web, who, status):
    record(cw, worker)
    response = as_user(web, getattr(cw, who)).get(reverse("dishonesty-list"))
    assert response.status_code == status
    if status == 200:
        page = text(response)
        assert "张护工" in page
        assert (worker.id_number in page) is (who != "inspector")


def test_the_list_shows_only_the_region(cw, worker, web):
    record(cw, worker)
    page = text(as_user(web, cw.far_regulator).get(reverse("dishonesty-list")))
    assert "张护工" not in page and "No dishonesty records." in page


@pytest.mark.parametrize("who, status", [("inspector", 403), ("institution", 403), ("regulator", 200)])
def test_create_page_permissions(cw, web, who, status):
    assert as_user(web, getattr(cw, who)).get(reverse("dishonesty-create")).status_code == status


def test_recording_by_id_number(cw, worker, web):
    as_user(web, cw.regulator)
    response = web.post(reverse("dishonesty-create"), {
        "id_number": worker.id_number, "kind": "fraud", "description": "骗取老人钱财",
        "decided_on": (TODAY - timedelta(days=3)).isoformat()})
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.has_dishonesty_record is True


def test_an_unknown_id_number_is_refused_on_its_field(cw, web):
    as_user(web, cw.regulator)
    response = web.post(reverse("dishonesty-create"), {
        "id_number": "110105197506010000", "kind": "fraud", "description": "x", "decided_on": TODAY.isoformat()})
    assert response.status_code == 200 and 'data-error-for="id_number"' in text(response)
    assert not DishonestyRecord.objects.exists()


def test_recording_from_a_homes_practitioners(cw, worker, web):
    as_user(web, cw.regulator)
    url = reverse("dishonesty-create") + f"?institution={cw.home.pk}"
    assert "张护工" in text(web.get(url))
    response = web.post(url, {"person": worker.pk, "kind": "abuse", "description": "殴打老人",
                              "decided_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert DishonestyRecord.objects.get().institution == cw.home


def test_ending_from_the_list(cw, worker, web):
    rec = record(cw, worker)
    as_user(web, cw.regulator)
    assert web.post(reverse("dishonesty-end", args=[rec.pk])).status_code == 302
    worker.refresh_from_db()
    assert worker.has_dishonesty_record is False
    assert as_user(web, cw.far_regulator).post(reverse("dishonesty-end", args=[rec.pk])).status_code == 404


# --- API -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, clear", [("regulator", True), ("admin", True), ("inspector", False)])
def test_api_masks_id_numbers_except_for_regulators(cw, worker, who, clear):
    record(cw, worker)
    body = client_for(getattr(cw, who)).get(URL).json()
    assert body["count"] == 1
    shown = body["results"][0]["person_id_number"]
    assert (shown == worker.id_number) is clear and shown[-4:] == worker.id_number[-4:]


@pytest.mark.parametrize("who", ["far_regulator", "institution", "insurer_user"])
def test_api_scope(cw, worker, who):
    rec = record(cw, worker)
    client = client_for(getattr(cw, who))
    assert client.get(URL).json()["count"] == 0
    assert client.get(f"{URL}{rec.pk}/").status_code == 404


def test_api_create_is_idempotent(cw, worker):
    client = client_for(cw.regulator)
    payload = {"person": worker.pk, "kind": "abuse", "description": "殴打老人", "decided_on": TODAY.isoformat()}
    first = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and DishonestyRecord.objects.count() == 1
    assert first.json()["kind_display"] == "虐待老年人"


def test_api_create_refusals(cw, worker):
    payload = {"person": worker.pk, "kind": "abuse", "description": "x", "decided_on": TODAY.isoformat()}
    assert client_for(cw.inspector).post(URL, payload, format="json").status_code == 403
    response = client_for(cw.far_regulator).post(URL, payload, format="json")
    assert response.status_code == 400 and "person" in response.json()["fields"]


def test_api_list_query_count_is_fixed(cw, django_assert_max_num_queries):
    client = client_for(cw.regulator)
    for _ in range(3):
        record(cw, PractitionerFactory(institution=cw.home).person)
    with django_assert_max_num_queries(6) as few:
        client.get(URL)
    for _ in range(17):
        record(cw, PractitionerFactory(institution=cw.home).person)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL).json()["count"] == 20


def test_list_page_query_count_is_fixed(cw, web, django_assert_max_num_queries):
    as_user(web, cw.regulator)
    for _ in range(3):
        record(cw, PractitionerFactory(institution=cw.home).person)
    with django_assert_max_num_queries(12) as few:
        web.get(reverse("dishonesty-list"))
    for _ in range(17):
        record(cw, PractitionerFactory(institution=cw.other_home).person)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = text(web.get(reverse("dishonesty-list")))
    assert page.count('class="mono id-number"') == 20
