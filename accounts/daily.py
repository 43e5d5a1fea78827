from datetime import date, datetime, time

from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.jobs import daily_job
from accounts.services import purge_idempotency_records
from config.api import IDEMPOTENCY_WINDOW


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@daily_job("purge_idempotency_records", order=900)
def purge_old_idempotency_records(today: date) -> str:
    deleted = purge_idempotency_records(before=_start_of(today) - IDEMPOTENCY_WINDOW)
    return f"{deleted} idempotency records older than 24 h removed"


@daily_job("clear_expired_sessions", order=910)
def clear_expired_sessions(today: date) -> str:
    deleted, _ = Session.objects.filter(expire_date__lt=_start_of(today)).delete()
    return f"{deleted} expired sessions removed"
