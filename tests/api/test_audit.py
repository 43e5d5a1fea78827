"""Every write to the registry lands in the change log with who, when, which request, before/after."""

import pytest
from auditlog.models import LogEntry

from accounts.services import issue_api_key
from institutions.models import Institution, Person
from tests.conftest import client_for
from tests.factories import make_id_number, make_uscc

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return LogEntry.objects.get_for_object(obj).order_by("timestamp", "id")


def test_create_and_update_are_logged_with_actor_and_request_id(world):
    client = client_for(world.gz_regulator)
    body = {"uscc": make_uscc("440106"), "name": "审计养老院", "region": "440106", "type": "nursing_home",
            "nature": "non_profit", "operation_model": "public", "address": "x", "beds_total": 30}
    created = client.post("/api/v1/institutions/", body, format="json", HTTP_X_REQUEST_ID="req-create-0001").json()
    client.patch(f"/api/v1/institutions/{created['id']}/", {"beds_total": 40}, format="json",
                 HTTP_X_REQUEST_ID="req-update-0002")
    home = Institution.objects.get(pk=created["id"])
    create, update = entries_for(home)
    assert create.action == LogEntry.Action.CREATE and create.actor == world.gz_regulator
    assert create.cid == "req-create-0001"
    assert update.actor == world.gz_regulator and update.cid == "req-update-0002"
    assert update.changes_dict["beds_total"] == ["30", "40"]


def test_bearer_key_writes_name_the_keys_user(api, world):
    _, raw = issue_api_key(user=world.gz_institution)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.patch(f"/api/v1/institutions/{world.gz_home.pk}/", {"residents": 7}, format="json").status_code == 200
    assert entries_for(world.gz_home).last().actor == world.gz_institution


def test_refused_writes_leave_no_trace(world):
    before = LogEntry.objects.count()
    client_for(world.gz_institution).patch(f"/api/v1/institutions/{world.gz_home.pk}/", {"name": "x"}, format="json")
    client_for(world.gz_regulator).patch(f"/api/v1/institutions/{world.gz_home.pk}/", {"beds_total": -1},
                                        format="json")
    assert LogEntry.objects.count() == before


def test_id_numbers_never_reach_the_log_in_clear(world):
    number = make_id_number()
    client_for(world.gz_institution).post(
        "/api/v1/practitioners/",
        {"institution": world.gz_home.pk, "name": "刘安全", "id_number": number, "role": "safety_officer",
         "phone": "13912345678"},
        format="json",
    )
    person = Person.objects.get(id_number=number)
    logged = str(entries_for(person).get().changes)
    assert number not in logged and "13912345678" not in logged


def test_history_shows_the_institution_and_its_staff(world):
    client = client_for(world.gz_regulator)
    client.patch(f"/api/v1/institutions/{world.gz_home.pk}/", {"residents": 3}, format="json")
    client.post("/api/v1/practitioners/", {"institution": world.gz_home.pk, "name": "周管理",
                                           "id_number": make_id_number(), "role": "manager"}, format="json")
    rows = client.get(f"/api/v1/institutions/{world.gz_home.pk}/history/").json()["results"]
    kinds = [(row["object_type"], row["actor"]) for row in rows]
    assert ("practitioner", str(world.gz_regulator)) in kinds
    assert ("institution", str(world.gz_regulator)) in kinds
    assert rows == sorted(rows, key=lambda r: r["timestamp"], reverse=True)
    # Another home's history does not leak in.
    ak_rows = client_for(world.ak_regulator).get(f"/api/v1/institutions/{world.ak_home.pk}/history/").json()
    assert all(row["object_repr"] != world.gz_home.name for row in ak_rows["results"])
