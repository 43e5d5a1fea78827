"""Every write to institutions and practitioners.

Who may change what:
- administrators and regulators (within their region) change everything in the registry;
- an institution changes its own contact, size and licence data, never its identity;
- inspectors and insurers only read.
The object is re-read through the caller's scope inside the transaction, so a record outside
it answers 404 even if the caller guessed its id.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.scoping import region_in_scope, scoped
from config.audit import log_created
from config.errors import NotAllowed, NotFound, PreconditionFailed, ValidationFailed
from institutions.models import Institution, Person, Practitioner, Region, SpecialEquipment
from institutions.signals import institution_moved

IDENTITY_FIELDS = frozenset(
    {
        "uscc", "name", "region", "type", "nature", "operation_model", "level", "level_rated_on",
        "filing_status", "filed_on", "residents_since",
    }
)
SELF_SERVICE_FIELDS = frozenset(
    {
        "address", "contact_person", "contact_phone", "email", "beds_total", "beds_nursing", "beds_in_use",
        "residents", "building_area", "medical_licence", "medical_licence_no", "medical_licence_valid_until",
        "canteen_licence_no", "canteen_licence_valid_until",
    }
)
INSTITUTION_FIELDS = IDENTITY_FIELDS | SELF_SERVICE_FIELDS
PRACTITIONER_FIELDS = frozenset(
    {"role", "qualification", "certificate_no", "trained_on", "training_hours", "started_on", "ended_on"}
)
REGISTRY_KEEPERS = frozenset({Role.ADMIN, Role.REGULATOR})


def institution_fields_editable_by(user, institution: Institution) -> frozenset[str]:
    if user.role in REGISTRY_KEEPERS:
        return INSTITUTION_FIELDS
    if user.role == Role.INSTITUTION and user.institution_id == institution.pk:
        return SELF_SERVICE_FIELDS
    return frozenset()


def may_keep_staff(user, institution: Institution) -> bool:
    return user.role in REGISTRY_KEEPERS or (user.role == Role.INSTITUTION and user.institution_id == institution.pk)


def _reject_unknown(data: dict, known: frozenset[str]) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValidationFailed(
            _("Unknown or read-only fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            fields={name: [_("This field cannot be set here.")] for name in unknown},
        )


def _check_region(actor, region) -> None:
    if region is not None and not region_in_scope(actor, region.code):
        raise ValidationFailed(
            _("The region is outside your jurisdiction."), fields={"region": [_("Outside your jurisdiction.")]}
        )


def _save(obj, *, unique_field: str | None = None, validate_constraints: bool = True) -> None:
    """Validate, then save; a lost race on a unique value is a 400.

    Institutions skip Django's constraint validation (a query and a savepoint per constraint):
    every one has a field-level twin in `Institution.clean()` or a field validator, and the
    database enforces them all regardless.
    """
    obj.full_clean(validate_constraints=validate_constraints)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        message = _("This value is already registered.")
        raise ValidationFailed(message, fields={unique_field: [message]} if unique_field else None) from exc


def _differs(obj, name: str, value) -> bool:
    """Compare a foreign key by id, so checking for changes loads no related row."""
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value


def _locked(actor, model, pk):
    obj = scoped(actor, model.objects.select_for_update(of=("self",))).filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def _new_institution(actor, data: dict) -> Institution:
    if actor.role not in REGISTRY_KEEPERS:
        raise NotAllowed(_("Only the civil-affairs bureau registers institutions."))
    _reject_unknown(data, INSTITUTION_FIELDS)
    _check_region(actor, data.get("region"))
    return Institution(**data)


@transaction.atomic
def create_institution(*, actor, data: dict) -> Institution:
    institution = _new_institution(actor, data)
    _save(institution, unique_field="uscc", validate_constraints=False)
    return institution


def checked_new_institution(*, actor, data: dict) -> Institution:
    """An institution checked as `create_institution` checks it, not saved: one row of a bulk import.

    Two checks are left to `create_institutions`, which sees the whole file: the USCC's uniqueness
    (the importer looks every USCC up at once) and the region's existence (the importer resolved it).
    """
    institution = _new_institution(actor, data)
    loaded_region = isinstance(data.get("region"), Region)
    institution.full_clean(exclude=["region"] if loaded_region else None, validate_unique=False,
                           validate_constraints=False)
    return institution


@transaction.atomic
def create_institutions(*, actor, institutions: list[Institution]) -> None:
    """Save checked new institutions in bulk, each with its change-log entry (config.audit)."""
    try:
        with transaction.atomic():
            Institution.objects.bulk_create(institutions, batch_size=1000)
    except IntegrityError as exc:  # a USCC registered by someone else since the file was checked
        message = _("This value is already registered.")
        raise ValidationFailed(message, fields={"uscc": [message]}) from exc
    log_created(institutions, actor=actor)


@transaction.atomic
def update_institution(*, actor, institution_id: int, data: dict, expected_version: int | None = None) -> Institution:
    institution = _locked(actor, Institution, institution_id)
    allowed = institution_fields_editable_by(actor, institution)
    if not allowed:
        raise NotAllowed(_("Your role may not change this institution."))
    _reject_unknown(data, INSTITUTION_FIELDS)
    if expected_version is not None and expected_version != institution.version:
        raise PreconditionFailed()
    changed = {name: value for name, value in data.items() if _differs(institution, name, value)}
    forbidden = sorted(set(changed) - allowed)
    if forbidden:
        raise NotAllowed(
            _("Only the civil-affairs bureau may change: %(fields)s.") % {"fields": ", ".join(forbidden)},
            fields={name: [_("Your role may not change this field.")] for name in forbidden},
        )
    if "region" in changed:
        _check_region(actor, changed["region"])
    if changed.get("level") and institution.is_blacklisted:
        raise ValidationFailed(
            _("A blacklisted institution may not be given a level."),
            fields={"level": [_("Blacklisted institutions may not be rated.")]},
        )
    if not changed:
        return institution
    moved_from = institution.region_id
    for name, value in changed.items():
        setattr(institution, name, value)
    institution.version += 1
    _save(institution, unique_field="uscc", validate_constraints=False)
    if institution.region_id != moved_from:
        # Its policies, claims, inspections and findings carry the region too: they move in this
        # transaction (receivers in insurance and inspections).
        institution_moved.send(Institution, institution_id=institution.pk, from_region=moved_from,
                               to_region=institution.region_id)
    return institution


@transaction.atomic
def set_institution_active(
    *, actor, institution_id: int, active: bool, reason: str = "", expected_version: int | None = None
) -> Institution:
    """Deactivate (closed, merged, deregistered) or reactivate. Records are never deleted."""
    institution = _locked(actor, Institution, institution_id)
    if actor.role not in REGISTRY_KEEPERS:
        raise NotAllowed(_("Only the civil-affairs bureau may deactivate or reactivate an institution."))
    if expected_version is not None and expected_version != institution.version:
        raise PreconditionFailed()
    if not active and not reason.strip():
        raise ValidationFailed(_("Give the reason for deactivation."), fields={"reason": [_("This field is required.")]})
    if institution.is_active == active:
        return institution
    institution.is_active = active
    institution.deactivated_on = None if active else timezone.localdate()
    institution.deactivation_reason = "" if active else reason.strip()
    institution.version += 1
    institution.save()
    return institution


def _institution_for_staff(actor, institution_id: int) -> Institution:
    institution = scoped(actor, Institution.objects.all()).filter(pk=institution_id).first()
    if institution is None:
        raise ValidationFailed(
            _("No such institution in your scope."), fields={"institution": [_("No such institution in your scope.")]}
        )
    if not may_keep_staff(actor, institution):
        raise NotAllowed(_("Your role may not change this institution's staff."))
    return institution


@transaction.atomic
def create_practitioner(
    *, actor, institution_id: int, name: str, id_number: str, phone: str = "", data: dict | None = None
) -> Practitioner:
    """Add a job at an institution; the person is found by ID number or created."""
    data = data or {}
    _reject_unknown(data, PRACTITIONER_FIELDS)
    institution = _institution_for_staff(actor, institution_id)
    id_number = (id_number or "").strip().upper()
    person = Person.objects.select_for_update().filter(id_number=id_number).first()
    if person is None:
        person = Person(name=name.strip(), id_number=id_number, phone=phone.strip())
        _save(person, unique_field="id_number")
    elif person.name != name.strip():
        raise ValidationFailed(
            _("This ID number is registered under another name."),
            fields={"name": [_("Does not match the name registered for this ID number.")]},
        )
    elif phone and phone.strip() != person.phone:
        person.phone = phone.strip()
        _save(person)
    practitioner = Practitioner(person=person, institution=institution, **data)
    _save(practitioner)
    return practitioner


@transaction.atomic
def update_practitioner(*, actor, practitioner_id: int, data: dict, phone: str | None = None) -> Practitioner:
    practitioner = _locked(actor, Practitioner, practitioner_id)
    if not may_keep_staff(actor, practitioner.institution):
        raise NotAllowed(_("Your role may not change this institution's staff."))
    _reject_unknown(data, PRACTITIONER_FIELDS)
    for name, value in data.items():
        setattr(practitioner, name, value)
    _save(practitioner)
    if phone is not None and phone.strip() != practitioner.person.phone:
        practitioner.person.phone = phone.strip()
        _save(practitioner.person)
    return practitioner


EQUIPMENT_FIELDS = frozenset({"kind", "registration_no", "location", "last_inspected_on", "valid_until"})


@transaction.atomic
def create_equipment(*, actor, institution_id: int, data: dict) -> SpecialEquipment:
    """Register a piece of special equipment (elevator, boiler, oxygen pipe …) of an institution."""
    institution = _institution_for_staff(actor, institution_id)
    _reject_unknown(data, EQUIPMENT_FIELDS)
    item = SpecialEquipment(institution=institution, **data)
    _save(item)
    return item
