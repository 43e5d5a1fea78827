"""Checklist templates, versioned: a published version is never edited — a change is a new version."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.choices import Department
from accounts.scoping import ScopePaths
from inspections.choices import ClauseSource, TemplateStatus


class ChecklistTemplate(models.Model):
    """A versioned checklist. `region` empty: the national default every region may use; otherwise a
    local version kept by that region's regulators (copied from another and edited)."""

    scope = ScopePaths(region="region")

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    region = models.ForeignKey(
        "institutions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT)
    based_on = models.ForeignKey(
        "self", verbose_name=_("based on"), null=True, blank=True, on_delete=models.PROTECT, related_name="copies"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="checklist_code_version_unique"),
            models.CheckConstraint(
                condition=~Q(status=TemplateStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="checklist_published_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


class ChecklistItem(models.Model):
    """One question of a checklist, with the clause it comes from and the department that owns it."""

    scope = ScopePaths(region="template__region")

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=40)
    section = models.CharField(_("section"), max_length=100)
    order = models.PositiveIntegerField(_("order"))
    text = models.TextField(_("requirement"))
    guidance = models.TextField(_("how to check"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=ClauseSource.choices)
    clause = models.CharField(_("clause"), max_length=200)
    department = models.CharField(_("department"), max_length=30, choices=Department.choices)
    is_major_hazard = models.BooleanField(_("major accident hazard"), default=False)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="checklist_item_code_unique")]

    def __str__(self):
        return f"{self.code} {self.text[:40]}"
