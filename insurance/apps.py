from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def carry_region(sender, *, institution_id, to_region, **kwargs):
    """A home moved to another region: its policies and claims go with it (one UPDATE each, no
    other column touched, so versions and `updated_since` polling see no change of their own)."""
    from insurance.models import Claim, Policy

    for model in (Policy, Claim):
        model.objects.filter(institution_id=institution_id).update(region_id=to_region)


class InsuranceConfig(AppConfig):
    name = "insurance"
    verbose_name = _("Liability insurance")

    def ready(self):
        from auditlog.registry import auditlog

        from institutions.signals import institution_moved
        from insurance import models

        institution_moved.connect(carry_region, dispatch_uid="insurance.carry_region")

        for model in (models.Insurer, models.Broker, models.RatingScheme, models.SchemeSection, models.Policy,
                      models.CoverageSection, models.CoInsurance, models.FundingShare, models.PolicyDocument):
            auditlog.register(model)
        # Incidents and claims (insurance/models/claims.py). Transitions have their own event rows.
        for model in (models.Incident, models.IncidentPerson, models.IncidentAttachment, models.Claim,
                      models.ClaimLine, models.ClaimDocument, models.Payment, models.Dispute):
            auditlog.register(model)
