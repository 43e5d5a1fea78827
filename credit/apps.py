from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Credit and public supervision")

    def ready(self):
        from auditlog.registry import auditlog

        from credit import models

        for model in (models.ScoringRuleSet, models.DishonestyRecord, models.Complaint, models.BlacklistCase,
                      models.BlacklistFile):
            auditlog.register(model)
        # Scores are computed (a snapshot with its breakdown), not edited: their history is the log.
