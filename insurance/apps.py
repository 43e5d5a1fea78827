from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuranceConfig(AppConfig):
    name = "insurance"
    verbose_name = _("Liability insurance")

    def ready(self):
        from auditlog.registry import auditlog

        from insurance.models import Insurer

        auditlog.register(Insurer)
