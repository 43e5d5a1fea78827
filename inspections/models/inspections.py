"""Inspections: who checks which home when, the answer to every checklist item, photos and sign-off."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopePaths
from inspections.choices import InspectionStatus, InspectionType, ResultOutcome, SignerKind
from institutions.signals import fill_region


class Inspection(models.Model):
    """An on-site inspection (安全检查). A `case` inspection is unannounced: the institution sees it only
    once started (inspections.selectors)."""

    scope = ScopePaths(region="institution__region", institution="institution")

    number = models.CharField(_("number"), max_length=30, unique=True, null=True, blank=True)
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="inspections"
    )
    # The institution's region, so the dashboard counts inspections by region from an index of this
    # table alone (save() fills it; a home's move carries it along, institutions.signals).
    region = models.ForeignKey(
        "institutions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+", editable=False,
        db_index=False,
    )
    type = models.CharField(_("type"), max_length=20, choices=InspectionType.choices)
    status = models.CharField(_("status"), max_length=20, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED)
    departments = models.JSONField(_("departments"), default=list)  # Department codes; several = joint inspection
    inspectors = models.ManyToManyField("accounts.User", verbose_name=_("inspectors"), related_name="inspections")
    checklist = models.ForeignKey(
        "inspections.ChecklistTemplate", verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="inspections"
    )
    scheduled_for = models.DateField(_("scheduled for"))
    reason = models.TextField(_("reason"), blank=True)  # why a special or case inspection
    draw = models.ForeignKey(
        "inspections.RandomDraw", verbose_name=_("random draw"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="inspections",
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    # Counts of the inspection's findings, kept by inspections.services.refresh_finding_counts so the
    # list can show and sort by them without aggregating every inspection in scope (run_daily re-checks).
    findings_total = models.PositiveIntegerField(_("findings"), default=0, editable=False)
    findings_open = models.PositiveIntegerField(_("open findings"), default=0, editable=False)  # open, submitted, overdue
    major_hazards = models.PositiveIntegerField(_("major accident hazards"), default=0, editable=False)  # any status
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-scheduled_for", "-id"]
        indexes = [
            models.Index(fields=["institution", "scheduled_for"]),
            models.Index(fields=["status", "scheduled_for"]),
            models.Index(fields=["started_at", "status", "region"]),  # inspections done in a period, by region
            models.Index(fields=["completed_at", "status", "region"]),  # the overview's completions of a year
            models.Index(fields=["updated_at"]),
            # The lists' default order and the HTML list's "open findings" column: a page read in index order.
            models.Index(fields=["scheduled_for", "id"]),
            models.Index(fields=["findings_open", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(type=InspectionType.CASE) | Q(notified_at__isnull=True),
                name="inspection_case_never_notified",
                violation_error_message=_("A case inspection is unannounced."),
            ),
        ]

    def __str__(self):
        return self.number or f"#{self.pk}"

    def save(self, *args, **kwargs):
        fill_region(self)
        super().save(*args, **kwargs)


class InspectionEvent(models.Model):
    """One row per status transition: who, when, from, to, note."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["inspection", "at", "id"]


class InspectionResult(models.Model):
    """The answer to one checklist item, saved the moment it is given."""

    scope = ScopePaths(region="inspection__institution__region", institution="inspection__institution")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey("inspections.ChecklistItem", on_delete=models.PROTECT, related_name="results")
    outcome = models.CharField(_("outcome"), max_length=20, choices=ResultOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    answered_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), auto_now=True)

    class Meta:
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")
        ordering = ["inspection", "item__order", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="inspection_result_once_per_item")]

    def get_additional_data(self):
        return {"inspection_id": self.inspection_id}


def photo_path(instance, filename):
    # A generated name: the uploader's filename is kept only as metadata.
    return f"inspections/{instance.inspection_id}/{instance.sha256[:16]}.jpg"


class InspectionPhoto(models.Model):
    """A photo taken on site: checked to decode, re-encoded as a JPEG of bounded size (config.uploads)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    result = models.ForeignKey(InspectionResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    finding = models.ForeignKey(
        "inspections.Finding", null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to=photo_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["inspection", "uploaded_at", "id"]

    def get_additional_data(self):
        return {"inspection_id": self.inspection_id}


def signature_path(instance, filename):
    return f"inspections/{instance.inspection_id}/signature-{instance.sha256[:16]}.png"


class Signature(models.Model):
    """Sign-off of the record by an inspector or the institution's representative (name, time, and an
    optional drawn signature)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="signatures")
    kind = models.CharField(_("signed as"), max_length=20, choices=SignerKind.choices)
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    image = models.FileField(_("drawn signature"), upload_to=signature_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["inspection", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "user"], condition=Q(kind=SignerKind.INSPECTOR), name="signature_inspector_once"
            ),
            models.UniqueConstraint(
                fields=["inspection"], condition=Q(kind=SignerKind.REPRESENTATIVE), name="signature_representative_once"
            ),
        ]

    def get_additional_data(self):
        return {"inspection_id": self.inspection_id}
