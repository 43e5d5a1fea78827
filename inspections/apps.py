from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Safety inspections")

    def ready(self):
        from auditlog.registry import auditlog

        from inspections import models
        from institutions.signals import follow_home, institution_moved

        # A home moved to another region: its facts go with it (institutions.signals).
        institution_moved.connect(follow_home(models.Inspection, models.Finding), weak=False,
                                  dispatch_uid="inspections.carry_region")

        for model in (models.ChecklistTemplate, models.ChecklistItem, models.Inspection, models.InspectionResult,
                      models.InspectionPhoto, models.Signature, models.Finding, models.Rectification,
                      models.RectificationFile, models.Escalation, models.Penalty):
            auditlog.register(model)
        # A draw's pools and parameters are its own record of itself; the log keeps the rest.
        auditlog.register(models.RandomDraw, exclude_fields=["parameters", "institution_pool", "inspector_pool"])
