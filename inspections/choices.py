from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ClauseSource(models.TextChoices):
    GB38600 = "gb38600", _("GB 38600-2019 Basic safety requirements of elderly care institutions")
    MAJOR_HAZARD = "major_hazard", _("Major accident hazard criteria (MCA 2023 No. 13)")
    FIRE = "fire", _("Fire safety rules (MCA 2023 No. 37)")
    LOCAL = "local", _("Local rule")


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("checklist status", "Draft")
    PUBLISHED = "published", pgettext_lazy("checklist status", "Published")
    RETIRED = "retired", pgettext_lazy("checklist status", "Retired")


class InspectionType(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SPECIAL = "special", _("Special")
    CASE = "case", _("Case")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    NOTIFIED = "notified", _("Notified")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", pgettext_lazy("inspection status", "Completed")
    CLOSED = "closed", pgettext_lazy("inspection status", "Closed")


class ResultOutcome(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class SignerKind(models.TextChoices):
    INSPECTOR = "inspector", _("Inspector")
    REPRESENTATIVE = "representative", _("Institution's representative")


class FindingScope(models.TextChoices):
    ISOLATED = "isolated", _("Isolated")
    PATTERN = "pattern", _("Pattern")
    WIDESPREAD = "widespread", _("Widespread")


class Severity(models.IntegerChoices):
    POTENTIAL_MINIMAL = 1, _("No harm, potential for minimal harm")
    POTENTIAL_HARM = 2, _("No harm, potential for more than minimal harm")
    ACTUAL_HARM = 3, _("Actual harm")
    IMMEDIATE_JEOPARDY = 4, _("Immediate jeopardy")


class FindingStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("finding status", "Open")
    SUBMITTED = "submitted", _("Rectification submitted")
    CLOSED = "closed", pgettext_lazy("finding status", "Closed")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated")


class RectificationDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", pgettext_lazy("rectification", "Rejected")


class EscalationKind(models.TextChoices):
    PENALTY = "penalty", _("Administrative penalty")
    SUSPENSION = "suspension", _("Suspension order")
    BLACKLIST_REFERRAL = "blacklist_referral", _("Blacklist referral")


class PenaltyKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    FINE = "fine", _("Fine")
    SUSPENSION = "suspension", _("Order to suspend operation")


class PenaltyReason(models.TextChoices):
    """What a penalty punishes. Credit proposes a blacklist case for subsidy fraud and obstruction
    (民发〔2019〕103号 circumstances 6 and 7); `safety` is the default of penalties recorded before."""

    SAFETY = "safety", _("Safety hazard or breach of safety rules")
    SUBSIDY_FRAUD = "subsidy_fraud", _("Fraudulently obtaining subsidies")
    OBSTRUCTION = "obstruction", _("Obstructing or refusing supervision and inspection")
    OTHER = "other", _("Other violation")


class DrawStatus(models.TextChoices):
    DRAWN = "drawn", _("Drawn")
    PUBLISHED = "published", pgettext_lazy("draw status", "Published")
