from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import IdempotencyRecord

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def run_daily(today):
    out = StringIO()
    call_command("run_daily", "--today", today, stdout=out)
    return out.getvalue()


def test_purges_what_is_past_its_time_and_is_idempotent(world):
    keep = IdempotencyRecord.objects.create(
        user=world.admin, key="recent", fingerprint="f", status_code=201, response_body={},
        created_at=datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI),
    )
    IdempotencyRecord.objects.create(
        user=world.admin, key="old", fingerprint="f", status_code=201, response_body={},
        created_at=datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI),
    )
    session = SessionStore()
    session.create()
    Session.objects.filter(pk=session.session_key).update(expire_date=datetime(2026, 11, 1, tzinfo=SHANGHAI))

    out = run_daily("2026-11-22")
    assert "run_daily for 2026-11-22" in out
    assert list(IdempotencyRecord.objects.all()) == [keep]
    assert not Session.objects.filter(pk=session.session_key).exists()
    assert "0 idempotency records" in run_daily("2026-11-22")  # a second run finds nothing more to do


def test_rejects_a_bad_date():
    with pytest.raises(CommandError):
        run_daily("22/11/2026")
