from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def carry_region(sender, *, institution_id, to_region, **kwargs):
    """A home moved to another region: its inspections and findings go with it (one UPDATE each,
    no other column touched, so versions and `updated_since` polling see no change of their own)."""
    from inspections.models import Finding, Inspection

    for model in (Inspection, Finding):
        model.objects.filter(institution_id=institution_id).update(region_id=to_region)


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Safety inspections")

    def ready(self):
        from auditlog.registry import auditlog

        from inspections import models
        from institutions.signals import institution_moved

        institution_moved.connect(carry_region, dispatch_uid="inspections.carry_region")

        for model in (models.ChecklistTemplate, models.ChecklistItem, models.Inspection, models.InspectionResult,
                      models.InspectionPhoto, models.Signature, models.Finding, models.Rectification,
                      models.RectificationFile, models.Escalation, models.Penalty):
            auditlog.register(model)
        # A draw's pools and parameters are its own record of itself; the log keeps the rest.
        auditlog.register(models.RandomDraw, exclude_fields=["parameters", "institution_pool", "inspector_pool"])
