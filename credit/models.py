"""Credit: scoring rule sets and score snapshots, practitioners' dishonesty records, public
complaints and the blacklist procedure (失信联合惩戒对象名单). Credit reads the other rooms' facts;
nothing outside credit/ imports it (design.md)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopePaths
from credit.choices import (
    CaseSource,
    CaseStatus,
    ComplaintCategory,
    ComplaintStatus,
    Criterion,
    DishonestyKind,
    RuleSetStatus,
    SubjectType,
)
from institutions.choices import CreditGrade


class ScoringRuleSet(models.Model):
    """A versioned credit model (Shanghai's public practice by default: start at 80, weighted
    deductions and additions, grades by cut-offs). `region` empty: the national default; a province's
    regulators keep their own versions. Published versions are never edited."""

    scope = ScopePaths(region="region")

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        "institutions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    base_score = models.DecimalField(_("base score"), max_digits=5, decimal_places=2, default=80)
    # {rule code: {"points": "-5", "cap": "-20", "window_days": 730, ...}}: see credit/scoring.py
    rules = models.JSONField(_("rules"), default=dict)
    # {"A": "90", "B": "75", "C": "60"}: at or above the cut-off; below the last one is D
    grade_cutoffs = models.JSONField(_("grade cut-offs"), default=dict)
    status = models.CharField(_("status"), max_length=20, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("scoring rule set")
        verbose_name_plural = _("scoring rule sets")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="ruleset_code_version_unique")]

    def __str__(self):
        return f"{self.name} v{self.version}"


class CreditScore(models.Model):
    """A score snapshot: the same facts give the same score; the breakdown says why, rule by rule,
    with links to the facts. The latest per institution has `is_latest`."""

    scope = ScopePaths(region="institution__region", institution="institution")

    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.CASCADE, related_name="credit_scores"
    )
    rule_set = models.ForeignKey(ScoringRuleSet, verbose_name=_("rule set"), on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=1, choices=CreditGrade.choices)
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed at"))
    # [{"rule": code, "label": "...", "points": "-5.00", "facts": [{"type", "id", "label", "date"}]}]
    breakdown = models.JSONField(_("breakdown"), default=list)
    is_latest = models.BooleanField(default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("credit score")
        verbose_name_plural = _("credit scores")
        ordering = ["-computed_at", "-id"]
        indexes = [
            models.Index(fields=["institution", "as_of"]), models.Index(fields=["updated_at"]),
            # The score list: the latest score of each home, lowest first (its count reads this index only).
            models.Index(fields=["score"], condition=Q(is_latest=True), name="credit_latest_by_score"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["institution"], condition=Q(is_latest=True), name="credit_score_one_latest"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="credit_score_0_to_100"),
        ]

    def __str__(self):
        return f"{self.institution_id} {self.score} {self.grade}"


class DishonestyRecord(models.Model):
    """A practitioner's serious dishonesty (从业人员失信记录), shown on every home the person works for."""

    scope = ScopePaths(region="person__jobs__institution__region", institution="person__jobs__institution")

    person = models.ForeignKey("institutions.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="dishonesty_records")
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("where it happened"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DishonestyKind.choices)
    description = models.TextField(_("facts"))
    decided_on = models.DateField(_("decision date"))
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    valid_until = models.DateField(_("recorded until"))
    recorded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("dishonesty record")
        verbose_name_plural = _("dishonesty records")
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["person", "valid_until"])]


class Complaint(models.Model):
    """A public complaint about a home (no login). Contact details are personal data: regulators
    only. Substantiated complaints count in credit."""

    scope = ScopePaths(region="institution__region", institution="institution")

    number = models.CharField(_("number"), max_length=30, unique=True, null=True, blank=True)
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="complaints"
    )
    category = models.CharField(_("category"), max_length=20, choices=ComplaintCategory.choices)
    text = models.TextField(_("complaint"))
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.RECEIVED)
    resolution = models.TextField(_("finding of the triage"), blank=True)
    triaged_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    source_hash = models.CharField(max_length=64, blank=True)  # hash of the sender's address: abuse control only
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["institution", "status"]),
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["source_hash", "submitted_at"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self):
        return self.number or f"#{self.pk}"


class BlacklistCase(models.Model):
    """A case of the blacklist procedure (api.md state machine). A trigger only proposes; people decide."""

    scope = ScopePaths(region="institution__region", institution="institution")

    number = models.CharField(_("number"), max_length=30, unique=True, null=True, blank=True)
    subject_type = models.CharField(_("subject"), max_length=20, choices=SubjectType.choices)
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT,
        related_name="blacklist_cases",
    )  # the home listed, or the home a listed practitioner worked for
    practitioner = models.ForeignKey(
        "institutions.Person", verbose_name=_("practitioner"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="blacklist_cases",
    )
    criterion = models.PositiveSmallIntegerField(_("criterion"), choices=Criterion.choices)
    evidence = models.TextField(_("facts and evidence"))
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=CaseSource.choices, default=CaseSource.MANUAL)
    source_id = models.PositiveBigIntegerField(_("source record"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.PROPOSED)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    objection_deadline = models.DateField(_("objection deadline"), null=True, blank=True)
    objection = models.TextField(_("statement of objection"), blank=True)
    review_conclusion = models.TextField(_("review conclusion"), blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    listed_at = models.DateField(_("listed on"), null=True, blank=True)
    expected_exit_date = models.DateField(_("expected exit date"), null=True, blank=True)
    removal_grounds = models.TextField(_("grounds for removal"), blank=True)
    removed_at = models.DateField(_("removed on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("blacklist case")
        verbose_name_plural = _("blacklist cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expected_exit_date"]),
            models.Index(fields=["institution", "status"]),
            models.Index(fields=["updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(subject_type=SubjectType.INSTITUTION, practitioner__isnull=True)
                | Q(subject_type=SubjectType.PRACTITIONER, practitioner__isnull=False),
                name="blacklist_subject_matches",
            ),
            # One live case per subject and source record: a trigger firing twice proposes once.
            models.UniqueConstraint(
                fields=["source", "source_id", "subject_type"], condition=Q(source_id__isnull=False),
                name="blacklist_one_case_per_source",
            ),
        ]

    def __str__(self):
        return self.number or f"#{self.pk}"


class BlacklistEvent(models.Model):
    case = models.ForeignKey(BlacklistCase, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["case", "at", "id"]


def blacklist_file_path(instance, filename):
    return f"blacklist/{instance.case_id}/{instance.sha256[:16]}.{instance.extension}"


class BlacklistFile(models.Model):
    """Evidence, an objection's attachments or a decision document, checked by content."""

    case = models.ForeignKey(BlacklistCase, on_delete=models.CASCADE, related_name="files")
    purpose = models.CharField(_("purpose"), max_length=20)  # evidence | objection | removal | decision
    file = models.FileField(_("file"), upload_to=blacklist_file_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["case", "uploaded_at", "id"]

    def get_additional_data(self):
        return {"case_id": self.case_id}
