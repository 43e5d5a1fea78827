from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("rule set status", "Draft")
    PUBLISHED = "published", pgettext_lazy("rule set status", "Published")
    RETIRED = "retired", pgettext_lazy("rule set status", "Retired")


class SubjectType(models.TextChoices):
    INSTITUTION = "institution", _("Institution")
    PRACTITIONER = "practitioner", _("Practitioner")


class Criterion(models.IntegerChoices):
    """Listing criteria of 民发〔2019〕103号 (domain.md §5)."""

    BEYOND_SCOPE = 1, _("Activities beyond the articles' purpose and scope")
    RIGHTS = 2, _("Infringing residents' rights")
    FRAUD = 3, _("Defrauding older people (illegal fund-raising, health products)")
    FIRE_HAZARD = 4, _("Major fire hazard not rectified by its deadline")
    ACCIDENT = 5, _("Main or direct responsibility for a safety accident")
    SUBSIDY_FRAUD = 6, _("Fraudulently obtaining subsidies")
    OBSTRUCTION = 7, _("Refusing or obstructing inspection, concealing or falsifying")
    NO_DISCLOSURE = 8, _("No annual report or information disclosure")
    OTHER = 9, _("Other serious violations")
    JUDGMENT_DEBTOR = 10, _("Dishonest judgment debtor designated by a court")


class CaseStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    NOTIFIED = "notified", pgettext_lazy("blacklist case", "Notified")
    OBJECTION = "objection", _("Objection raised")
    REVIEWED = "reviewed", _("Reviewed")
    LISTED = "listed", _("Listed")
    DISMISSED = "dismissed", _("Dismissed")
    REMOVAL_REQUESTED = "removal_requested", _("Removal requested")
    REMOVED = "removed", _("Removed")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class CaseSource(models.TextChoices):
    MANUAL = "manual", _("Proposed by a regulator")
    INSPECTION = "inspection", _("Escalated finding")
    INCIDENT = "incident", _("Accident responsibility")
    PENALTY = "penalty", _("Penalty")


class ComplaintCategory(models.TextChoices):
    CARE = "care", _("Care and services")
    SAFETY = "safety", _("Safety hazard")
    ABUSE = "abuse", _("Abuse or neglect")
    FEES = "fees", _("Fees and charges")
    FOOD = "food", _("Food and hygiene")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    SUBSTANTIATED = "substantiated", _("Substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Unsubstantiated")
    REJECTED = "rejected", pgettext_lazy("complaint", "Rejected")  # abusive, duplicate, out of scope


class DishonestyKind(models.TextChoices):
    ABUSE = "abuse", _("Abuse of an older person")
    FRAUD = "fraud", _("Fraud against older people")
    FALSIFICATION = "falsification", _("Falsified records or certificates")
    CRIMINAL = "criminal", _("Criminal conviction related to the work")
    OTHER = "other", _("Other serious dishonesty")
