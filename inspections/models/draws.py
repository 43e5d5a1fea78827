"""Double-random draws (双随机、一公开): which homes are inspected and by whom, reproducibly."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopePaths
from inspections.choices import DrawStatus


class RandomDraw(models.Model):
    """A draw with everything needed to reproduce it: parameters, seed and both pools as they were."""

    scope = ScopePaths(region="region")

    number = models.CharField(_("number"), max_length=30, unique=True, null=True, blank=True)
    region = models.ForeignKey("institutions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    parameters = models.JSONField(_("parameters"), default=dict)
    seed = models.CharField(_("seed"), max_length=64)
    institution_pool = models.JSONField(_("institution pool"), default=list)  # ids, sorted
    inspector_pool = models.JSONField(_("inspector pool"), default=list)  # user ids, sorted
    status = models.CharField(_("status"), max_length=20, choices=DrawStatus.choices, default=DrawStatus.DRAWN)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("random draw")
        verbose_name_plural = _("random draws")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "period_start"]), models.Index(fields=["updated_at"])]

    def __str__(self):
        return self.number or f"#{self.pk}"


class DrawAssignment(models.Model):
    """One drawn institution and one inspector assigned to it."""

    draw = models.ForeignKey(RandomDraw, on_delete=models.CASCADE, related_name="assignments")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["draw", "institution", "inspector"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "institution", "inspector"], name="draw_assignment_unique"),
        ]
        indexes = [models.Index(fields=["inspector", "draw"])]
