from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Section(models.TextChoices):
    """The four coverage sections of 粤民发〔2016〕54号."""

    GENERAL = "general", _("General liability")  # 一般责任
    OTHER = "other", _("Other liability")  # 其他责任
    THIRD_PARTY = "third_party", _("Third-party liability")  # 扩展责任（第三者责任）
    LEGAL_COSTS = "legal_costs", _("Legal costs")  # 法律费用


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", pgettext_lazy("policy status", "Active")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class Payer(models.TextChoices):
    INSTITUTION = "institution", _("Institution")
    COUNTY = "county", _("County government")
    CITY = "city", _("City government")
    PROVINCE = "province", _("Province government")
    OTHER = "other", _("Other (donations etc.)")
