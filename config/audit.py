"""Change-log entries for rows written in bulk.

`bulk_create` sends no signals, so django-auditlog records nothing for it. `log_created` writes the
entries auditlog itself would have written for each new row — same fields, same string form of
each value, the acting user and the request id — in one insert, so every history page reads a
bulk-imported record like one created by hand.
"""

from datetime import timezone as dt_timezone

from auditlog.cid import get_cid
from auditlog.context import auditlog_value
from auditlog.diff import get_fields_in_model, get_mask_function
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.encoding import smart_str


def _tracked_fields(model) -> tuple[list, set[str], object]:
    registration = auditlog.get_model_fields(model)
    fields = get_fields_in_model(model())
    if registration["include_fields"]:
        fields = [f for f in fields if f.name in registration["include_fields"]]
    fields = [f for f in fields if f.name not in registration["exclude_fields"]]
    return fields, set(registration["mask_fields"]), get_mask_function(registration.get("mask_callable"))


def _as_logged(obj, field):
    """The value as auditlog's get_field_value (string changes) gives it."""
    if isinstance(field, models.DateTimeField):
        value = getattr(obj, field.name)
        if value is not None and settings.USE_TZ and not timezone.is_naive(value):
            value = timezone.make_naive(value, timezone=dt_timezone.utc)
        return smart_str(value)
    if field.many_to_one or field.one_to_one:
        return smart_str(getattr(obj, field.get_attname()), strings_only=True)
    return str(smart_str(getattr(obj, field.name)))


def log_created(instances: list[models.Model], *, actor) -> None:
    """One CREATE entry per saved instance (all of one model), written in one bulk insert."""
    if not instances:
        return
    model = type(instances[0])
    if not auditlog.contains(model):
        raise ValueError(f"{model.__name__} is not registered with auditlog.")
    fields, masked, mask = _tracked_fields(model)
    content_type = ContentType.objects.get_for_model(model)
    context = auditlog_value.get({})
    cid = get_cid()
    now = timezone.now()
    entries = []
    for obj in instances:
        changes = {}
        for field in fields:
            value = _as_logged(obj, field)
            if value != "None":
                changes[field.name] = ["None", mask(value) if field.name in masked else value]
        entries.append(LogEntry(
            content_type=content_type, object_pk=str(obj.pk), object_id=obj.pk, object_repr=smart_str(obj),
            action=LogEntry.Action.CREATE, changes=changes, actor=actor, actor_email=getattr(actor, "email", None),
            remote_addr=context.get("remote_addr"), remote_port=context.get("remote_port"), cid=cid,
            timestamp=now,
        ))
    LogEntry.objects.bulk_create(entries, batch_size=1000)
