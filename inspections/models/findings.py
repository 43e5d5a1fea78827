"""Findings, their rectification, escalation and the penalties that follow."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopePaths
from inspections.choices import (
    EscalationKind,
    FindingScope,
    FindingStatus,
    PenaltyKind,
    PenaltyReason,
    RectificationDecision,
    Severity,
)
from institutions.signals import fill_region

MONEY = {"max_digits": 14, "decimal_places": 2}
FINE_CAP = 30000  # 元: the most a civil-affairs bureau may fine a home (domain.md §4)
GRADES = "ABCDEFGHIJKL"


class Finding(models.Model):
    """A hazard or breach found by an inspection, graded on the CMS grid (severity × scope → A–L),
    with a rectification deadline."""

    scope = ScopePaths(region="institution__region", institution="institution")

    inspection = models.ForeignKey(
        "inspections.Inspection", verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="findings"
    )
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="findings"
    )
    # The institution's region, so the dashboard counts open findings by region from an index of
    # this table alone (save() fills it; a home's move carries it along, institutions.signals).
    region = models.ForeignKey(
        "institutions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+", editable=False,
        db_index=False,
    )
    item = models.ForeignKey(
        "inspections.ChecklistItem", verbose_name=_("checklist item"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="findings",
    )
    description = models.TextField(_("description"))
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    is_major_hazard = models.BooleanField(_("major accident hazard"), default=False)
    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=Severity.choices, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    scope_of_harm = models.CharField(_("scope"), max_length=20, choices=FindingScope.choices, db_column="scope")
    grade = models.CharField(_("grade"), max_length=1)
    deadline = models.DateField(_("rectification deadline"))
    status = models.CharField(_("status"), max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["institution", "status"]),
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["updated_at"]),
            # Open findings by region on the dashboard and the inspection overview, from the index
            # alone (the institution for the "active homes only" check).
            models.Index(fields=["status", "region", "is_major_hazard", "deadline", "institution"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(severity__gte=1, severity__lte=4), name="finding_severity_1_to_4"),
            models.CheckConstraint(condition=Q(grade__in=list(GRADES)), name="finding_grade_a_to_l"),
        ]

    def __str__(self):
        return f"{self.grade} {self.description[:40]}"

    def save(self, *args, **kwargs):
        fill_region(self)
        super().save(*args, **kwargs)


class FindingEvent(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["finding", "at", "id"]


class Rectification(models.Model):
    """One submission of the institution's plan and evidence, and the inspector's decision on it."""

    scope = ScopePaths(region="finding__institution__region", institution="finding__institution")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="rectifications")
    plan = models.TextField(_("rectification plan"))
    evidence_note = models.TextField(_("what was done"), blank=True)
    submitted_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decision = models.CharField(_("decision"), max_length=20, choices=RectificationDecision.choices, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["finding", "submitted_at", "id"]

    def get_additional_data(self):
        return {"finding_id": self.finding_id}


def rectification_file_path(instance, filename):
    return f"rectifications/{instance.rectification.finding_id}/{instance.sha256[:16]}.{instance.extension}"


class RectificationFile(models.Model):
    """Evidence: a photo or a PDF, checked by content (config.uploads)."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=rectification_file_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["rectification", "uploaded_at", "id"]

    def get_additional_data(self):
        return {"rectification_id": self.rectification_id}


class Escalation(models.Model):
    """What followed an unmet rectification: a penalty, a suspension order or a blacklist referral
    (credit turns referrals into blacklist cases; a major fire hazard overdue is criterion 4)."""

    scope = ScopePaths(region="finding__institution__region", institution="finding__institution")

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="escalations")
    kind = models.CharField(_("kind"), max_length=30, choices=EscalationKind.choices)
    note = models.TextField(_("note"))
    penalty = models.OneToOneField(
        "inspections.Penalty", null=True, blank=True, on_delete=models.PROTECT, related_name="escalation"
    )
    blacklist_criterion = models.PositiveSmallIntegerField(_("blacklist criterion"), null=True, blank=True)
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["finding", "created_at", "id"]
        indexes = [models.Index(fields=["kind", "created_at"])]


def penalty_document_path(instance, filename):
    return f"penalties/{instance.institution_id}/{instance.document_sha256[:16]}.pdf"


class Penalty(models.Model):
    """An administrative penalty (行政处罚): warning, fine (≤ 30,000 元) or order to suspend."""

    scope = ScopePaths(region="institution__region", institution="institution")

    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="penalties"
    )
    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), null=True, blank=True, on_delete=models.PROTECT, related_name="penalties"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PenaltyKind.choices)
    # Subsidy fraud and obstruction make credit propose a blacklist case (credit/triggers.py).
    reason_code = models.CharField(
        _("violation"), max_length=20, choices=PenaltyReason.choices, default=PenaltyReason.SAFETY
    )
    amount = models.DecimalField(_("fine (yuan)"), null=True, blank=True, **MONEY)
    reason = models.TextField(_("facts and reason"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    decided_on = models.DateField(_("decision date"))
    document_number = models.CharField(_("decision document number"), max_length=60)
    document = models.FileField(_("decision document"), upload_to=penalty_document_path, max_length=200, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    decided_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["institution", "decided_on"]), models.Index(fields=["updated_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=PenaltyKind.FINE, amount__gt=0, amount__lte=FINE_CAP)
                           | (~Q(kind=PenaltyKind.FINE) & Q(amount__isnull=True))),
                name="penalty_fine_amount",
                violation_error_message=_("A fine is more than 0 and at most 30,000 yuan; other penalties have no amount."),
            ),
        ]

    def __str__(self):
        return f"{self.document_number} {self.get_kind_display()}"
