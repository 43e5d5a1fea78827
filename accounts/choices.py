from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    REGULATOR = "regulator", _("Regulator")
    INSPECTOR = "inspector", _("Inspector")
    INSTITUTION = "institution", _("Institution")
    INSURER = "insurer", _("Insurer")


class Department(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    FIRE_RESCUE = "fire_rescue", _("Fire rescue")
    MARKET_REGULATION = "market_regulation", _("Market regulation")
    HEALTH = "health", _("Health")
    HOUSING = "housing", _("Housing and construction")


REGION_ROLES = {Role.REGULATOR, Role.INSPECTOR}
