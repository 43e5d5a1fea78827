from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuranceConfig(AppConfig):
    name = "insurance"
    verbose_name = _("Liability insurance")

    def ready(self):
        from auditlog.registry import auditlog

        from institutions.signals import follow_home, institution_moved
        from insurance import models

        # A home moved to another region: its facts go with it (institutions.signals).
        institution_moved.connect(follow_home(models.Policy, models.Claim), weak=False,
                                  dispatch_uid="insurance.carry_region")

        for model in (models.Insurer, models.Broker, models.RatingScheme, models.SchemeSection, models.Policy,
                      models.CoverageSection, models.CoInsurance, models.FundingShare, models.PolicyDocument):
            auditlog.register(model)
        # Incidents and claims (insurance/models/claims.py). Transitions have their own event rows.
        for model in (models.Incident, models.IncidentPerson, models.IncidentAttachment, models.Claim,
                      models.ClaimLine, models.ClaimDocument, models.Payment, models.Dispute):
            auditlog.register(model)
