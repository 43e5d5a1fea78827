from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.scoping import ScopePaths
from institutions.choices import (
    CreditGrade,
    EquipmentKind,
    FilingStatus,
    InstitutionType,
    MedicalLicence,
    Nature,
    OperationModel,
    PractitionerRole,
    RegionLevel,
)
from institutions.validators import validate_id_number, validate_uscc


class Region(models.Model):
    """A GB/T 2260 administrative division. The 6-digit code is the key; descendants share its
    significant prefix, which is how every region filter finds them (accounts.scoping.region_q)."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self):
        return self.full_name or self.name


class RegionDataset(models.Model):
    """Where the region table came from and when, one row per load."""

    source = models.CharField(_("source"), max_length=200)
    data_as_of = models.DateField(_("data as of"))
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-loaded_at"]

    def __str__(self):
        return f"{self.source} ({self.data_as_of})"


class Institution(models.Model):
    scope = ScopePaths(region="region", institution="pk")

    # Identity: kept by the civil-affairs bureau.
    uscc = models.CharField(_("USCC"), max_length=18, unique=True, validators=[validate_uscc])
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="institutions")
    type = models.CharField(_("type"), max_length=30, choices=InstitutionType.choices)
    nature = models.CharField(_("nature"), max_length=20, choices=Nature.choices)
    operation_model = models.CharField(_("operation model"), max_length=30, choices=OperationModel.choices)
    level = models.PositiveSmallIntegerField(
        _("level"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    level_rated_on = models.DateField(_("level rated on"), null=True, blank=True)
    filing_status = models.CharField(
        _("filing status"), max_length=20, choices=FilingStatus.choices, default=FilingStatus.NOT_FILED
    )
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    residents_since = models.DateField(_("taking residents since"), null=True, blank=True)

    # Contact and size: kept current by the institution itself.
    address = models.CharField(_("address"), max_length=300)
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    beds_total = models.PositiveIntegerField(_("total beds"))
    beds_nursing = models.PositiveIntegerField(_("nursing beds"), default=0)
    beds_in_use = models.PositiveIntegerField(_("beds in use"), default=0)
    residents = models.PositiveIntegerField(_("residents"), default=0)
    building_area = models.DecimalField(_("building area (m²)"), max_digits=12, decimal_places=2, null=True, blank=True)

    # Licences.
    medical_licence = models.CharField(
        _("medical unit"), max_length=10, choices=MedicalLicence.choices, default=MedicalLicence.NONE
    )
    medical_licence_no = models.CharField(_("medical licence number"), max_length=60, blank=True)
    medical_licence_valid_until = models.DateField(_("medical licence valid until"), null=True, blank=True)
    canteen_licence_no = models.CharField(_("canteen food licence number"), max_length=60, blank=True)
    canteen_licence_valid_until = models.DateField(_("canteen licence valid until"), null=True, blank=True)

    # Written by credit/ (denormalised so other apps need not import it).
    credit_score = models.DecimalField(_("credit score"), max_digits=5, decimal_places=2, null=True, blank=True)
    credit_grade = models.CharField(_("credit grade"), max_length=1, choices=CreditGrade.choices, blank=True)
    is_blacklisted = models.BooleanField(_("blacklisted"), default=False)
    # Written by insurance/: a liability policy is in force today, and until when.
    insured = models.BooleanField(_("insured"), default=False)
    insured_until = models.DateField(_("insured until"), null=True, blank=True)
    # Written by inspections/: major accident hazards found on site in the last 12 months (None: not
    # inspected in that time). Insurance rates the inspection record from it.
    major_hazards_12m = models.PositiveIntegerField(_("major hazards (12 months)"), null=True, blank=True)

    is_active = models.BooleanField(_("active"), default=True)
    deactivated_on = models.DateField(_("deactivated on"), null=True, blank=True)
    deactivation_reason = models.CharField(_("deactivation reason"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["region", "name"]),
            models.Index(fields=["name", "id"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["credit_grade"]),
            models.Index(fields=["insured", "region"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(beds_nursing__lte=F("beds_total")),
                name="institution_nursing_beds_within_total",
                violation_error_message=_("Nursing beds cannot exceed total beds."),
            ),
            models.CheckConstraint(
                condition=Q(beds_in_use__lte=F("beds_total")),
                name="institution_beds_in_use_within_total",
                violation_error_message=_("Beds in use cannot exceed total beds."),
            ),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__gte=1, level__lte=5),
                name="institution_level_1_to_5",
                violation_error_message=_("Level must be between 1 and 5."),
            ),
            models.CheckConstraint(
                condition=~Q(filing_status=FilingStatus.FILED) | Q(filed_on__isnull=False),
                name="institution_filed_has_date",
                violation_error_message=_("A filed institution needs its filing date."),
            ),
            models.CheckConstraint(
                condition=Q(credit_grade__in=["", *CreditGrade.values]),
                name="institution_credit_grade_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.region_id and self.region.level != RegionLevel.COUNTY and self.region.children.exists():
            errors["region"] = _("Choose the county-level division the institution is in.")
        # Field-level twins of the bed constraints, so forms and the API point at the right field.
        if self.beds_total is not None:
            if self.beds_nursing is not None and self.beds_nursing > self.beds_total:
                errors["beds_nursing"] = _("Nursing beds cannot exceed total beds.")
            if self.beds_in_use is not None and self.beds_in_use > self.beds_total:
                errors["beds_in_use"] = _("Beds in use cannot exceed total beds.")
        if self.filing_status == FilingStatus.FILED and not self.filed_on:
            errors["filed_on"] = _("A filed institution needs its filing date.")
        if self.level and not self.level_rated_on:
            errors["level_rated_on"] = _("A level needs the date it was rated.")
        if errors:
            raise ValidationError(errors)

    def get_additional_data(self):
        return {"institution_id": self.pk}


class SpecialEquipment(models.Model):
    """Elevators, boilers, pressure vessels and oxygen pipes: each needs a valid periodic inspection."""

    scope = ScopePaths(region="institution__region", institution="institution")

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="equipment"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EquipmentKind.choices)
    registration_no = models.CharField(_("registration number"), max_length=60, blank=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    last_inspected_on = models.DateField(_("last inspected on"), null=True, blank=True)
    valid_until = models.DateField(_("inspection valid until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("special equipment")
        verbose_name_plural = _("special equipment")
        ordering = ["institution", "kind", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.registration_no}".strip()

    def get_additional_data(self):
        return {"institution_id": self.institution_id}


class Person(models.Model):
    """A natural person, identified by resident ID number; may work for several institutions."""

    scope = ScopePaths(region="jobs__institution__region", institution="jobs__institution")

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True, validators=[validate_id_number])
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Written by credit/ (an unexpired DishonestyRecord), so the registry shows it without importing credit.
    has_dishonesty_record = models.BooleanField(_("serious dishonesty on record"), default=False)
    # Written by credit/ (a practitioner blacklist case listed or removal_requested): joint punishment
    # flags the person on every home they work for.
    is_blacklisted = models.BooleanField(_("on the dishonesty blacklist"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Practitioner(models.Model):
    """A person's job at one institution (从业人员), from `started_on` until `ended_on`."""

    scope = ScopePaths(region="institution__region", institution="institution")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="jobs")
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="practitioners"
    )
    role = models.CharField(_("role"), max_length=30, choices=PractitionerRole.choices)
    qualification = models.CharField(_("qualification"), max_length=100, blank=True)
    certificate_no = models.CharField(_("certificate number"), max_length=60, blank=True)
    trained_on = models.DateField(_("last trained on"), null=True, blank=True)
    training_hours = models.PositiveIntegerField(_("training hours"), default=0)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")
        ordering = ["institution", "role", "id"]
        indexes = [models.Index(fields=["updated_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(started_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="practitioner_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.UniqueConstraint(
                fields=["person", "institution", "role"],
                condition=Q(ended_on__isnull=True),
                name="practitioner_one_current_job_per_role",
                violation_error_message=_("This person already holds this role at this institution."),
            ),
        ]

    def __str__(self):
        return f"{self.person.name} · {self.get_role_display()}"

    def get_additional_data(self):
        return {"institution_id": self.institution_id}
