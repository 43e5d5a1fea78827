"""Incidents (事故) and liability-insurance claims (理赔): lines, documents, events, payments and
disputes. Rules and transitions live in insurance.services.claims; reads in insurance.selectors.claims.

Enums are declared here (not in insurance/choices.py) so the claims room stays in files of its own.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, FloatField, Func, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.scoping import ScopePaths
from institutions.signals import fill_region
from insurance.choices import Section
from insurance.models.policies import MONEY, ZERO

# ---------------------------------------------------------------------------------------------
# Enums


class IncidentCategory(models.TextChoices):
    """The nine protections of GB 38600-2019 (九防), then the accidents of 其他责任, then other."""

    CHOKING = "choking", _("Choking")  # 噎食
    WRONG_INTAKE = "wrong_intake", _("Wrong food or drug intake")  # 食品药品误食
    PRESSURE_SORE = "pressure_sore", _("Pressure sore")  # 压疮
    SCALD = "scald", _("Scald")  # 烫伤
    BED_FALL = "bed_fall", _("Fall from bed")  # 坠床
    FALL = "fall", _("Fall")  # 跌倒
    WANDERING = "wandering", _("Wandering")  # 走失
    HARM = "harm", _("Harm by others or self-harm")  # 他伤和自伤
    RECREATION = "recreation", _("Accident in recreation")  # 文娱活动意外
    FIRE = "fire", _("Fire")  # 火灾
    GAS_EXPLOSION = "gas_explosion", _("Gas or chemical explosion")  # 燃气或化学物品爆炸
    FOOD_POISONING = "food_poisoning", _("Food poisoning")  # 食物中毒
    ELEVATOR = "elevator", _("Elevator accident")  # 电梯事故
    FACILITY_DEFECT = "facility_defect", _("Facility or equipment defect")  # 设施设备缺陷
    OTHER = "other", _("Other accident")  # 其他


# Accidents of 其他责任 (粤民发〔2016〕54号): fire, explosion, food poisoning, elevators, falling
# advertising or decoration and defects of equipment; "other" covers what the list leaves out.
OTHER_LIABILITY_CATEGORIES = frozenset({
    IncidentCategory.FIRE, IncidentCategory.GAS_EXPLOSION, IncidentCategory.FOOD_POISONING,
    IncidentCategory.ELEVATOR, IncidentCategory.FACILITY_DEFECT, IncidentCategory.OTHER,
})


class PersonKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")  # 入住老年人
    THIRD_PARTY = "third_party", _("Third party")  # 第三者
    STAFF = "staff", _("Staff")  # 工作人员


class Outcome(models.TextChoices):
    INJURY = "injury", _("Injury")  # 受伤
    DISABILITY = "disability", _("Disability")  # 伤残
    DEATH = "death", _("Death")  # 死亡


class FamilyNotice(models.TextChoices):
    PHONE = "phone", _("By phone")
    IN_PERSON = "in_person", _("In person")
    MESSAGE = "message", _("By text message")
    OTHER = "other", _("Other means")


class Responsibility(models.TextChoices):
    """The institution's share of responsibility once determined (责任认定); credit/ reads it
    (main or direct responsibility is blacklist criterion 5 of 民发〔2019〕103号)."""

    NONE = "none", _("No responsibility")  # 无责任
    SECONDARY = "secondary", _("Secondary responsibility")  # 次要责任
    MAIN = "main", _("Main responsibility")  # 主要责任
    DIRECT = "direct", _("Direct responsibility")  # 直接责任


class ClaimStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")  # 报案
    REGISTERED = "registered", pgettext_lazy("claim status", "Registered")  # 立案, not an institution's 登记
    DOCUMENTS_REQUESTED = "documents_requested", _("Documents requested")  # 补充材料
    APPROVED = "approved", _("Approved")  # 核赔通过
    REJECTED = "rejected", _("Rejected")  # 拒赔
    PAID = "paid", _("Paid")  # 已赔付
    CLOSED = "closed", _("Closed")  # 结案
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 注销
    DISPUTED = "disputed", _("Disputed")  # 理赔纠纷


OPEN_STATUSES = frozenset({
    ClaimStatus.REPORTED, ClaimStatus.REGISTERED, ClaimStatus.DOCUMENTS_REQUESTED, ClaimStatus.APPROVED,
    ClaimStatus.DISPUTED,
})


class CostItem(models.TextChoices):
    MEDICAL = "medical", _("Medical costs")  # 医疗费
    NURSING = "nursing", _("Nursing costs")  # 护理费
    LOST_INCOME = "lost_income", _("Lost income")  # 误工费
    DISABILITY = "disability", _("Disability compensation")  # 残疾赔偿金
    DEATH = "death", _("Death compensation")  # 死亡赔偿金
    FUNERAL = "funeral", _("Funeral costs")  # 丧葬费
    MENTAL_DISTRESS = "mental_distress", _("Mental distress compensation")  # 精神损害抚慰金
    LEGAL_FEE = "legal_fee", _("Arbitration, litigation or attorney fees")  # 仲裁/诉讼/律师费
    APPRAISAL = "appraisal", _("Appraisal fees")  # 鉴定费
    OTHER = "other", _("Other costs")  # 其他费用


class RejectionReason(models.TextChoices):
    NOT_COVERED = "not_covered", _("Not within the insured liability")  # 不属于保险责任
    EXCLUDED = "excluded", _("Excluded by the policy")  # 除外责任
    OUTSIDE_TERM = "outside_term", _("Outside the policy period")  # 不在保险期间
    NO_LIABILITY = "no_liability", _("The institution is not liable")  # 机构无责任
    INSUFFICIENT_DOCUMENTS = "insufficient_documents", _("Documents insufficient")  # 单证不全
    OVER_LIMIT = "over_limit", _("Above the limit of liability")  # 超出责任限额
    DUPLICATE = "duplicate", _("Duplicate claim")  # 重复索赔
    FALSE_CLAIM = "false_claim", _("False claim")  # 虚假索赔
    OTHER = "other", _("Other reason")  # 其他


class DocumentKind(models.TextChoices):
    INCIDENT_REPORT = "incident_report", _("Incident report")  # 事故经过说明
    MEDICAL_RECORD = "medical_record", _("Medical record")  # 病历、诊断证明
    INVOICE = "invoice", _("Invoices and receipts")  # 费用票据
    DISABILITY_ASSESSMENT = "disability_assessment", _("Disability assessment")  # 伤残鉴定
    DEATH_CERTIFICATE = "death_certificate", _("Death certificate")  # 死亡证明
    IDENTITY = "identity", _("Identity documents")  # 身份证明
    LIABILITY_FINDING = "liability_finding", _("Liability finding")  # 责任认定书
    SETTLEMENT = "settlement", _("Settlement agreement")  # 赔偿协议
    ARBITRATION = "arbitration", _("Arbitration documents")  # 仲裁文书
    LITIGATION = "litigation", _("Litigation documents")  # 诉讼文书
    PHOTO = "photo", _("Photo")  # 现场照片
    OTHER = "other", _("Other document")  # 其他


LEGAL_DOCUMENT_KINDS = frozenset({DocumentKind.ARBITRATION, DocumentKind.LITIGATION})


class DisputeOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved after mediation")  # 调解后核赔
    CLOSED = "closed", _("Closed after mediation")  # 调解后结案


# ---------------------------------------------------------------------------------------------
# Incidents


class Incident(models.Model):
    """An accident at an institution (事故报告). Insurers read it only through a claim of theirs."""

    scope = ScopePaths(region="institution__region", institution="institution", insurer="claims__insurer")

    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="incidents"
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    category = models.CharField(_("category"), max_length=20, choices=IncidentCategory.choices)
    place = models.CharField(_("place"), max_length=200)
    description = models.TextField(_("description"))
    first_aid = models.TextField(_("first aid given"), blank=True)
    hospital_transfer = models.BooleanField(_("transferred to hospital"), default=False)
    hospital = models.CharField(_("hospital"), max_length=200, blank=True)
    family_notified_at = models.DateTimeField(_("family notified at"), null=True, blank=True)
    family_notified_how = models.CharField(
        _("family notified how"), max_length=20, choices=FamilyNotice.choices, blank=True
    )
    responsibility = models.CharField(
        _("institution's responsibility"), max_length=20, choices=Responsibility.choices, blank=True
    )
    responsibility_note = models.TextField(_("responsibility finding"), blank=True)
    responsibility_determined_at = models.DateTimeField(_("responsibility determined at"), null=True, blank=True)
    responsibility_determined_by = models.ForeignKey(
        "accounts.User", verbose_name=_("determined by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    reported_by = models.ForeignKey(
        "accounts.User", verbose_name=_("reported by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["institution", "occurred_at"]),
            models.Index(fields=["category", "occurred_at"]),
            models.Index(fields=["updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(family_notified_how="") | Q(family_notified_at__isnull=False),
                name="incident_family_notice_has_time",
                violation_error_message=_("Say when the family was told."),
            ),
        ]

    def __str__(self):
        return f"{self.institution} {self.occurred_at:%Y-%m-%d} {self.get_category_display()}"

    def get_additional_data(self):
        return {"institution_id": self.institution_id}


class IncidentPerson(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="persons")
    kind = models.CharField(_("kind"), max_length=20, choices=PersonKind.choices)
    name = models.CharField(_("name"), max_length=50)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    injury = models.CharField(_("injury"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("person involved")
        verbose_name_plural = _("persons involved")
        ordering = ["incident", "id"]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}，{self.get_outcome_display()}）"


def incident_attachment_path(instance, filename):
    # A generated name: the uploader's filename is kept only as metadata.
    return f"incidents/{instance.incident_id}/{instance.sha256[:16]}.{instance.extension}"


class Attachment(models.Model):
    """A checked upload: a PDF that parses or an image that decodes, under a generated name."""

    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    uploaded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True


class IncidentAttachment(Attachment):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=incident_attachment_path, max_length=200)

    class Meta:
        ordering = ["incident", "uploaded_at", "id"]

    def get_additional_data(self):
        return {"incident_id": self.incident_id}


# ---------------------------------------------------------------------------------------------
# Claims


class DaysBetween(Func):
    """(later − earlier) in days, a float; null when either is null. Immutable on both databases,
    so a stored generated column may use it."""

    output_field = FloatField()
    template = "CAST(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0 AS double precision)"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(julianday(%(expressions)s))",
                           arg_joiner=") - julianday(", **extra_context)


def _days_to(milestone: str, verbose_name):
    """Days from the report to a milestone, kept by the database itself on every write (bulk ones
    too), so the claims statistics rank a stored, indexed number instead of computing it per claim."""
    return models.GeneratedField(expression=DaysBetween(milestone, "created_at"), output_field=FloatField(),
                                 db_persist=True, verbose_name=verbose_name)


class Claim(models.Model):
    """A claim against one section of the policy in force on the incident date. Claimed, approved
    and paid amounts are kept apart here and on every line; approved and paid are cumulative
    (a reopened claim adds to them)."""

    scope = ScopePaths(region="institution__region", institution="institution", insurer="insurer")

    number = models.CharField(_("claim number"), max_length=30, blank=True)
    policy = models.ForeignKey("insurance.Policy", verbose_name=_("policy"), on_delete=models.PROTECT, related_name="claims")
    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="claims")
    # The policy's institution, kept here for scoping and filters; the service makes them agree.
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="claims"
    )
    # The institution's region, so the dashboard and the statistics group claims by region from an
    # index of this table alone (save() fills it; a home's move carries it along, institutions.signals).
    region = models.ForeignKey(
        "institutions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+", editable=False,
        db_index=False,
    )
    # The policy's (lead) insurer, kept here so an insurer's work queue and its `updated_since` polling
    # read one indexed table instead of joining every policy of the insurer (save() fills it in).
    insurer = models.ForeignKey(
        "insurance.Insurer", verbose_name=_("insurer"), on_delete=models.PROTECT, related_name="claims", editable=False
    )
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    # Which year of a one- or two-year policy the incident fell in: the aggregate limit is per year.
    policy_year = models.PositiveSmallIntegerField(_("policy year"), default=1)
    claimed_amount = models.DecimalField(_("claimed amount"), **MONEY, validators=[MinValueValidator(ZERO)])
    approved_amount = models.DecimalField(_("approved amount"), **MONEY, null=True, blank=True)
    paid_amount = models.DecimalField(_("paid amount"), **MONEY, null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.REPORTED)
    version = models.PositiveIntegerField(_("version"), default=1)
    fast_track = models.BooleanField(_("fast track"), default=False)
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=30, choices=RejectionReason.choices, blank=True
    )
    insurer_reference = models.CharField(_("insurer's claim number"), max_length=60, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    # Milestones (first time reached), for the claims-service statistics.
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    documents_requested_at = models.DateTimeField(_("documents last requested at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    disputed_at = models.DateTimeField(_("disputed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    days_to_registration = _days_to("registered_at", _("days to registration"))
    days_to_approval = _days_to("approved_at", _("days to approval"))
    days_to_payment = _days_to("paid_at", _("days to payment"))
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["policy", "section", "policy_year"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["institution", "created_at"]),
            # An insurer polling `updated_since`: the range and the list's default order (fast track
            # first, then oldest) come from the index alone, without reading each claim's row.
            models.Index(fields=["insurer", "updated_at", "fast_track", "created_at"]),
            models.Index(fields=["insurer", "created_at"]),
            # An insurer's work queue (its claims in the open statuses): counted and ordered from the index.
            models.Index(fields=["insurer", "status", "fast_track", "created_at"]),
            # An insurer sees the incidents it has a claim for (Incident.scope): found from the index alone.
            models.Index(fields=["insurer", "incident"]),
            # The dashboard's claims of a period and payments of a period, by region.
            models.Index(fields=["created_at", "region"]),
            models.Index(fields=["paid_at", "region", "paid_amount"]),
            # The claims statistics' percentiles of service times, of all claims and of each insurer's.
            # Partial, so the planner never takes them for an insurer's claims in general.
            *(models.Index(fields=["insurer", f"days_to_{step}"], condition=Q(**{f"days_to_{step}__isnull": False}),
                           name=f"claim_days_to_{step}") for step in ("registration", "approval", "payment")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="claim_number_unique",
            ),
            # One live claim per incident and section: the per-accident limit is then per claim.
            models.UniqueConstraint(
                fields=["incident", "section"], condition=~Q(status=ClaimStatus.WITHDRAWN),
                name="claim_one_live_per_incident_section",
                violation_error_message=_("This incident already has a claim under this section."),
            ),
            models.CheckConstraint(condition=Q(claimed_amount__gte=0), name="claim_claimed_not_negative"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                name="claim_approved_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True)
                | (Q(approved_amount__isnull=False) & Q(paid_amount__lte=F("approved_amount"))),
                name="claim_paid_within_approved",
            ),
            models.CheckConstraint(condition=Q(policy_year__gte=1), name="claim_policy_year_positive"),
        ]

    def __str__(self):
        return self.number or f"claim {self.pk}"

    def save(self, *args, **kwargs):
        if self.insurer_id is None and self.policy_id is not None:
            self.insurer_id = type(self).policy.field.related_model.objects.values_list(
                "insurer_id", flat=True).get(pk=self.policy_id)
        fill_region(self)
        super().save(*args, **kwargs)

    def get_additional_data(self):
        return {"institution_id": self.institution_id}


class ClaimLine(models.Model):
    """One person or cost item of a claim, with its own claimed, approved and paid amounts and a
    coded reason when (part of) it is refused."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    person = models.ForeignKey(
        IncidentPerson, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.CharField(_("cost item"), max_length=20, choices=CostItem.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    claimed_amount = models.DecimalField(_("claimed amount"), **MONEY)
    approved_amount = models.DecimalField(_("approved amount"), **MONEY, null=True, blank=True)
    paid_amount = models.DecimalField(_("paid amount"), **MONEY, null=True, blank=True)
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=30, choices=RejectionReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        ordering = ["claim", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(claimed_amount__gt=0), name="claimline_claimed_positive"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | (Q(approved_amount__gte=0) & Q(approved_amount__lte=F("claimed_amount"))),
                name="claimline_approved_within_claimed",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True)
                | (Q(approved_amount__isnull=False) & Q(paid_amount__lte=F("approved_amount"))),
                name="claimline_paid_within_approved",
            ),
        ]

    def get_additional_data(self):
        return {"claim_id": self.claim_id}


def claim_document_path(instance, filename):
    return f"claims/{instance.claim_id}/{instance.sha256[:16]}.{instance.extension}"


class ClaimDocument(Attachment):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=claim_document_path, max_length=200)

    class Meta:
        ordering = ["claim", "uploaded_at", "id"]

    def get_additional_data(self):
        return {"claim_id": self.claim_id}


class ClaimEvent(models.Model):
    """One row per status transition: who, when, from, to, note (api.md `events`)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)  # amounts, reason codes
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["claim", "at", "id"]


class Payment(models.Model):
    """A ledger row per payment: a reopened claim paid again adds a row for the difference."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("payment reference"), max_length=100)
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["claim", "at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def get_additional_data(self):
        return {"claim_id": self.claim_id}


class Dispute(models.Model):
    """A claims dispute (理赔纠纷) raised by the institution and mediated by a regulator."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="disputes")
    from_status = models.CharField(_("disputed decision"), max_length=20)
    grounds = models.TextField(_("grounds"))
    raised_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    approved_before = models.DecimalField(_("approved amount before"), **MONEY, null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=DisputeOutcome.choices, blank=True)
    approved_after = models.DecimalField(_("approved amount after"), **MONEY, null=True, blank=True)
    mediation_note = models.TextField(_("mediation record"), blank=True)
    mediator = models.ForeignKey(
        "accounts.User", verbose_name=_("mediator"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("claims dispute")
        verbose_name_plural = _("claims disputes")
        ordering = ["claim", "raised_at", "id"]

    def get_additional_data(self):
        return {"claim_id": self.claim_id}
