from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class InstitutionType(models.TextChoices):
    NURSING_HOME = "nursing_home", _("Nursing home")  # 养老院
    RURAL_HOME = "rural_home", _("Rural home for the elderly")  # 敬老院
    CENTRAL_RURAL_HOME = "central_rural_home", _("Central rural home")  # 中心敬老院
    REGIONAL_CENTER = "regional_center", _("Regional elderly care centre")  # 区域性养老中心
    DAY_CARE = "day_care", _("Community day-care centre")  # 社区日间照料中心
    COMMUNITY_STATION = "community_station", _("Home and community care station")  # 居家和社区养老服务站
    EMBEDDED_SMALL = "embedded_small", _("Embedded small nursing home")  # 嵌入式小型养老院
    RURAL_HAPPINESS = "rural_happiness", _("Rural happiness home")  # 农村幸福院
    MEDICAL_CARE = "medical_care", _("Integrated medical and elderly care")  # 医养结合机构


class Nature(models.TextChoices):
    FOR_PROFIT = "for_profit", _("For-profit")
    NON_PROFIT = "non_profit", _("Non-profit")


class OperationModel(models.TextChoices):
    PUBLIC = "public", _("Publicly built and run")  # 公办公营
    PUBLIC_PRIVATE = "public_private", _("Publicly built, privately run")  # 公建民营
    PRIVATE_SUBSIDISED = "private_subsidised", _("Privately run with public subsidy")  # 民办公助
    PRIVATE = "private", _("Privately built and run")  # 民办


class FilingStatus(models.TextChoices):
    NOT_FILED = "not_filed", _("Not filed")
    FILED = "filed", _("Filed")
    CANCELLED = "cancelled", _("Filing cancelled")


class MedicalLicence(models.TextChoices):
    NONE = "none", _("None")
    LICENCE = "licence", _("Medical institution licence")  # 医疗机构执业许可证
    FILING = "filing", _("Medical unit filing")  # 内设医疗机构备案


class EquipmentKind(models.TextChoices):
    ELEVATOR = "elevator", _("Elevator")
    BOILER = "boiler", _("Boiler")
    PRESSURE_VESSEL = "pressure_vessel", _("Pressure vessel")
    OXYGEN_PIPE = "oxygen_pipe", _("Medical oxygen pipeline")
    OTHER = "other", _("Other special equipment")


class PractitionerRole(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")  # 法定代表人
    PRINCIPAL = "principal", _("Principal")  # 主要负责人
    MANAGER = "manager", _("Manager")  # 管理人员
    CAREGIVER = "caregiver", _("Care worker")  # 养老护理员
    SAFETY_OFFICER = "safety_officer", _("Safety officer")  # 安全员
    OTHER = "other", _("Other")


class CreditGrade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
