from datetime import date
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopePaths
from institutions.signals import fill_region
from institutions.validators import validate_uscc
from insurance.choices import Payer, PolicyStatus, Section

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0")


class Company(models.Model):
    """A party of the scheme identified by a short code and its USCC."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("USCC"), max_length=18, unique=True, validators=[validate_uscc])
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return self.name


class Insurer(Company):
    """An insurance company underwriting liability policies (chosen by tender)."""

    scope = ScopePaths(insurer="pk")

    is_active = models.BooleanField(_("active"), default=True)

    class Meta(Company.Meta):
        verbose_name = _("insurer")
        verbose_name_plural = _("insurers")


class Broker(Company):
    """An insurance broker (保险经纪公司) assisting a scheme."""

    class Meta(Company.Meta):
        verbose_name = _("broker")
        verbose_name_plural = _("brokers")


class RatingScheme(models.Model):
    """A unified base rate (统一基准费率) for a region and year. Never edited once used: a change is
    a new version, and every policy keeps the version it was rated with."""

    # Read by everyone signed in (the unified rate is public within the scheme); kept by the
    # province or city regulators whose region covers it (insurance.services).
    scope = ScopePaths(region="region")

    region = models.ForeignKey(
        "institutions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="rating_schemes"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    base_rate_per_bed = models.DecimalField(_("base rate per bed per year"), **MONEY, validators=[MinValueValidator(ZERO)])
    min_factor = models.DecimalField(_("lowest rate factor"), max_digits=5, decimal_places=4, default=Decimal("0.70"))
    max_factor = models.DecimalField(_("highest rate factor"), max_digits=5, decimal_places=4, default=Decimal("1.30"))
    # Factor tables; shapes and defaults in insurance.rating.
    level_factors = models.JSONField(_("level factors"))
    grade_factors = models.JSONField(_("credit grade factors"))
    inspection_factors = models.JSONField(_("inspection record factors"))
    loss_ratio_factors = models.JSONField(_("loss ratio factors"))
    fast_track_limit = models.DecimalField(_("fast-track claim limit"), **MONEY, default=Decimal("5000.00"))
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("rating scheme")
        verbose_name_plural = _("rating schemes")
        ordering = ["-year", "region", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "version"], name="scheme_unique_version"),
            models.CheckConstraint(
                condition=Q(min_factor__gt=0) & Q(min_factor__lte=1) & Q(max_factor__gte=1),
                name="scheme_factor_bounds_around_one",
                violation_error_message=_("The bounds must satisfy 0 < lowest ≤ 1 ≤ highest."),
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


def in_force_q(on: date, prefix: str = "", statuses=(PolicyStatus.ACTIVE,)) -> Q:
    """Policies in force on a day: active (or of `statuses`) with the day within their term.
    The one home of this rule."""
    return Q(**{f"{prefix}status__in": statuses, f"{prefix}start_date__lte": on, f"{prefix}end_date__gte": on})


def in_section_order():
    """The order of 粤民发〔2016〕54号: general, other, third-party, legal costs."""
    return models.Case(*[models.When(section=value, then=index) for index, value in enumerate(Section.values)])


class SectionLimits(models.Model):
    """Limits of one coverage section: deductible < per person ≤ per accident ≤ aggregate."""

    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    per_person_limit = models.DecimalField(_("per-person limit"), **MONEY)
    per_accident_limit = models.DecimalField(_("per-accident limit"), **MONEY)
    aggregate_limit = models.DecimalField(_("aggregate limit"), **MONEY)
    deductible = models.DecimalField(_("deductible"), **MONEY, default=ZERO)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(deductible__gte=0)
                & Q(deductible__lt=F("per_person_limit"))
                & Q(per_person_limit__lte=F("per_accident_limit"))
                & Q(per_accident_limit__lte=F("aggregate_limit")),
                name="%(class)s_limits_ordered",
                violation_error_message=_("Limits must satisfy deductible < per person ≤ per accident ≤ aggregate."),
            ),
        ]

    def clean(self):
        from django.core.exceptions import ValidationError

        values = [self.deductible, self.per_person_limit, self.per_accident_limit, self.aggregate_limit]
        if None in values:
            return
        errors = {}
        if self.deductible < 0:
            errors["deductible"] = _("The deductible cannot be negative.")
        elif self.deductible >= self.per_person_limit:
            errors["deductible"] = _("The deductible must be below the per-person limit.")
        if self.per_person_limit > self.per_accident_limit:
            errors["per_person_limit"] = _("The per-person limit cannot exceed the per-accident limit.")
        if self.per_accident_limit > self.aggregate_limit:
            errors["per_accident_limit"] = _("The per-accident limit cannot exceed the aggregate limit.")
        if errors:
            raise ValidationError(errors)


class SchemeSection(SectionLimits):
    """The scheme's default limits and deductible of one section."""

    scheme = models.ForeignKey(RatingScheme, on_delete=models.CASCADE, related_name="sections")

    class Meta(SectionLimits.Meta):
        ordering = ["scheme", in_section_order()]
        constraints = [
            *SectionLimits.Meta.constraints,
            models.UniqueConstraint(fields=["scheme", "section"], name="scheme_section_unique"),
        ]


class Policy(models.Model):
    """A liability policy of one institution: four sections, a rated premium and its funding."""

    scope = ScopePaths(region="institution__region", institution="institution", insurer="insurer")

    number = models.CharField(_("policy number"), max_length=60, blank=True)
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="policies"
    )
    # The institution's region, kept here so the dashboard groups premiums by region from one index
    # (save() fills it; a home's move carries it along, institutions.signals). No index of its own:
    # regions are never deleted, and the indexes below name it where it is read.
    region = models.ForeignKey(
        "institutions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+", editable=False,
        db_index=False,
    )
    insurer = models.ForeignKey(Insurer, verbose_name=_("lead insurer"), on_delete=models.PROTECT, related_name="policies")
    lead_share = models.DecimalField(_("lead insurer's share (%)"), max_digits=5, decimal_places=2, default=Decimal("100"))
    broker = models.ForeignKey(
        Broker, verbose_name=_("broker"), null=True, blank=True, on_delete=models.PROTECT, related_name="policies"
    )
    scheme = models.ForeignKey(
        RatingScheme, verbose_name=_("rating scheme"), on_delete=models.PROTECT, related_name="policies"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    insured_beds = models.PositiveIntegerField(_("insured beds"), validators=[MinValueValidator(1)])
    base_rate_per_bed = models.DecimalField(_("base rate per bed"), **MONEY)
    rate_factor = models.DecimalField(_("rate factor"), max_digits=6, decimal_places=4)
    premium = models.DecimalField(_("premium"), **MONEY)
    rating = models.JSONField(_("rating breakdown"), default=dict)
    accident_rider = models.BooleanField(_("residents' personal-accident rider"), default=False)
    rider_sum_insured = models.DecimalField(_("rider sum insured per resident"), **MONEY, default=ZERO)
    rider_premium = models.DecimalField(_("rider premium"), **MONEY, default=ZERO)
    status = models.CharField(_("status"), max_length=20, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    not_charged_declared_at = models.DateTimeField(_("declared residents not charged at"), null=True, blank=True)
    not_charged_declared_by = models.ForeignKey(
        "accounts.User", verbose_name=_("declared by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(_("document verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        "accounts.User", verbose_name=_("verified by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expiry_reminded_at = models.DateTimeField(_("expiry reminder sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["-start_date", "id"]
        indexes = [
            models.Index(fields=["institution", "status", "start_date", "end_date"]),
            # Expiring policies, and (covering) the premium of a period by region on the dashboard.
            # The institution last: a regulator's expiring list checks each policy's home from the
            # index, reading only the rows in scope (without it: 2.9 → 7 ms for a province).
            models.Index(fields=["status", "end_date", "start_date", "region", "premium", "institution"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["start_date"]),  # the list's default order, newest first, read backwards
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["insurer", "number"], condition=~Q(number=""), name="policy_number_unique_per_insurer",
                violation_error_message=_("This insurer already has a policy with this number."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="policy_ends_after_start",
                violation_error_message=_("The policy must end after it starts."),
            ),
            models.CheckConstraint(condition=Q(premium__gte=0), name="policy_premium_not_negative"),
            models.CheckConstraint(
                condition=Q(lead_share__gt=0, lead_share__lte=100), name="policy_lead_share_percent",
                violation_error_message=_("The lead insurer's share must be above 0 and at most 100 %."),
            ),
        ]

    def __str__(self):
        return self.number or f"{self.institution} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        fill_region(self)
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        # The region is copied from the institution, never chosen: checking that it exists would
        # only cost a query on every full_clean of the services.
        super().clean_fields(exclude={*(exclude or ()), "region"})

    def get_additional_data(self):
        return {"institution_id": self.institution_id}


class CoverageSection(SectionLimits):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="sections")

    class Meta(SectionLimits.Meta):
        ordering = ["policy", in_section_order()]
        constraints = [
            *SectionLimits.Meta.constraints,
            models.UniqueConstraint(fields=["policy", "section"], name="coverage_section_unique"),
        ]


class CoInsurance(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="co_insurers")
    insurer = models.ForeignKey(Insurer, verbose_name=_("co-insurer"), on_delete=models.PROTECT, related_name="+")
    share = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["policy", "-share", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "insurer"], name="coinsurance_unique"),
            models.CheckConstraint(condition=Q(share__gt=0, share__lt=100), name="coinsurance_share_percent"),
        ]


class FundingShare(models.Model):
    """Who pays how much of the premium (the institution, county, city, province, others)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="funding")
    payer = models.CharField(_("payer"), max_length=20, choices=Payer.choices)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["policy", "payer"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "payer"], name="funding_one_line_per_payer"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="funding_amount_not_negative"),
        ]


def policy_document_path(instance, filename):
    # A generated name: the uploader's filename is kept only as metadata.
    return f"policies/{instance.policy_id}/{instance.sha256[:16]}.pdf"


class PolicyDocument(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to=policy_document_path)
    original_name = models.CharField(_("original file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(_("pages"))
    uploaded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["policy", "-uploaded_at", "-id"]

    def get_additional_data(self):
        return {"institution_id": self.policy.institution_id}


class PolicyEvent(models.Model):
    """One row per status transition: who, when, from, to, note."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["policy", "at", "id"]
