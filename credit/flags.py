"""The booleans credit keeps on other rooms' rows — Institution.is_blacklisted, Person.is_blacklisted,
Person.has_dishonesty_record — kept in step one way."""

from django.utils import timezone


def sync_flag(model, field: str, live, ids=None) -> int:
    """Set `field` of `model`'s rows (those of `ids`, or all) to "the row's pk is in `live`" (a
    values() queryset): two set-based updates touching only rows that change, whose `updated_at`
    moves for clients polling `updated_since`. Returns how many rows changed."""
    rows = model.objects.all() if ids is None else model.objects.filter(pk__in=list(ids))
    now = timezone.now()
    on = rows.filter(**{field: False}, pk__in=live).update(**{field: True}, updated_at=now)
    off = rows.filter(**{field: True}).exclude(pk__in=live).update(**{field: False}, updated_at=now)
    return on + off
