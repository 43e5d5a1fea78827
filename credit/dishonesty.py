"""Practitioners' serious dishonesty (从业人员失信记录): recording and ending a record, and keeping
the denormalised Person.has_dishonesty_record current (the registry shows it on every home the
person works for without importing credit).

Regulators of a region where the person works (and administrators) record and end records.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.scoping import region_in_scope, scoped
from config.errors import NotAllowed, NotFound, ValidationFailed
from credit.choices import DishonestyKind
from credit.flags import sync_flag
from credit.models import DishonestyRecord
from institutions.models import Institution, Person, Practitioner

WRITERS = [Role.REGULATOR, Role.ADMIN]
READERS = [Role.REGULATOR, Role.INSPECTOR, Role.ADMIN]
DEFAULT_YEARS = 3


def records_for(user):
    return scoped(user, DishonestyRecord.objects.select_related("person", "institution"))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _person_in_scope(actor, person_id) -> Person:
    person = Person.objects.filter(pk=person_id).first() if person_id else None
    if person is not None:
        regions = Practitioner.objects.filter(person=person).values_list("institution__region_id", flat=True)
        if any(region_in_scope(actor, code) for code in set(regions)):
            return person
    raise ValidationFailed(fields={"person": [_("Choose a practitioner of a home in your region.")]})


def refresh_flags(person_ids=None, *, today: date | None = None) -> int:
    """Person.has_dishonesty_record = an unexpired record (valid_until >= today). Returns how many
    people changed."""
    today = today or timezone.localdate()
    live = DishonestyRecord.objects.filter(valid_until__gte=today).values("person_id")
    return sync_flag(Person, "has_dishonesty_record", live, person_ids)


def record_dishonesty(*, actor, person_id, data: dict) -> DishonestyRecord:
    if actor.role not in WRITERS:
        raise NotAllowed()
    person = _person_in_scope(actor, person_id)
    errors = {}
    kind = data.get("kind") or ""
    if kind not in DishonestyKind.values:
        errors["kind"] = [_("Choose a kind of dishonesty.")]
    description = (data.get("description") or "").strip()
    if not description:
        errors["description"] = [_("Describe the facts.")]
    today = timezone.localdate()
    decided_on = data.get("decided_on")
    if not isinstance(decided_on, date):
        errors["decided_on"] = [_("Enter the decision date.")]
    elif decided_on > today:
        errors["decided_on"] = [_("The decision date cannot be in the future.")]
    valid_until = data.get("valid_until")
    if isinstance(decided_on, date) and "decided_on" not in errors:
        valid_until = valid_until or _add_years(decided_on, DEFAULT_YEARS)
        if valid_until <= decided_on:
            errors["valid_until"] = [_("The record must last beyond the decision date.")]
    institution = None
    if data.get("institution"):
        institution_id = getattr(data["institution"], "pk", data["institution"])
        institution = Institution.objects.filter(pk=institution_id).first()
        if institution is None or not region_in_scope(actor, institution.region_id):
            errors["institution"] = [_("Choose a home in your region.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        record = DishonestyRecord.objects.create(
            person=person, institution=institution, kind=kind, description=description, decided_on=decided_on,
            document_number=(data.get("document_number") or "").strip(), valid_until=valid_until,
            recorded_by=actor)
        refresh_flags([person.pk])
    return record


def end_record(*, actor, record_id: int) -> DishonestyRecord:
    """End a record now (revoked or repaired). Scoring counts a record through valid_until
    inclusive, so it is set to yesterday; who ended it and when is appended to the facts (the
    original recorder is kept)."""
    if actor.role not in WRITERS:
        raise NotAllowed()
    with transaction.atomic():
        record = records_for(actor).select_for_update(of=("self",)).filter(pk=record_id).first()
        if record is None:
            raise NotFound()
        today = timezone.localdate()
        if record.valid_until < today:
            raise ValidationFailed(_("This record has already ended."))
        record.valid_until = today - timedelta(days=1)
        note = _("Ended on %(date)s by %(user)s.") % {"date": today.isoformat(), "user": actor.get_username()}
        record.description = f"{record.description}\n{note}"
        record.save(update_fields=["valid_until", "description", "updated_at"])
        refresh_flags([record.person_id])
    return record
