"""A home created by a bulk import has the same change-log entry as one created by hand."""

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry

from config.audit import log_created
from institutions import services
from institutions.models import Institution
from tests.factories import make_user, region

pytestmark = pytest.mark.django_db


def data(uscc: str, name: str) -> dict:
    return {"uscc": uscc, "name": name, "region": region("440106"), "type": "nursing_home", "nature": "non_profit",
            "operation_model": "private", "address": "天河路1号", "beds_total": 120, "beds_nursing": 60,
            "contact_phone": "020-12345678"}


def test_bulk_entries_match_the_ones_auditlog_writes():
    admin = make_user("admin")
    with set_actor(admin):
        by_hand = services.create_institution(actor=admin, data=data("52440106MJ0000001J", "手工养老院"))
    logged = LogEntry.objects.get_for_object(by_hand).get()
    logged.delete()
    log_created([by_hand], actor=admin)
    bulk = LogEntry.objects.get_for_object(by_hand).get()
    assert bulk.changes == logged.changes and bulk.action == LogEntry.Action.CREATE
    assert (bulk.actor, bulk.object_repr, bulk.object_id) == (admin, "手工养老院", by_hand.pk)


def test_create_institutions_saves_every_row_with_its_entry():
    admin = make_user("admin")
    homes = [services.checked_new_institution(actor=admin, data=data(uscc, f"养老院{n}"))
             for n, uscc in enumerate(["52440106MJ0000001J", "52440106MJ0000002M"])]
    services.create_institutions(actor=admin, institutions=homes)
    assert Institution.objects.filter(name__startswith="养老院").count() == 2
    for home in homes:
        entry = LogEntry.objects.get_for_object(home).get()
        assert entry.actor == admin and entry.changes["beds_total"] == ["None", "120"]
