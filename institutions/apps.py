from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "institutions"
    verbose_name = _("Institutions")

    def ready(self):
        from auditlog.registry import auditlog

        from institutions.models import Institution, Person, Practitioner, SpecialEquipment

        auditlog.register(Institution)
        auditlog.register(SpecialEquipment)
        auditlog.register(Practitioner)
        # ID and phone numbers never reach the change log in clear.
        auditlog.register(Person, mask_fields=["id_number", "phone"])
