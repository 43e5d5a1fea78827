"""HTML forms and list filters of the inspection and finding pages. They shape and pre-check input;
every write goes through inspections.services, whose refusals come back onto the form through
institutions.forms.add_service_errors (insurance.views.show_refusal's pattern, see views.refuse)."""

import base64
import binascii

import django_filters
from django import forms
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import Department, Role
from accounts.models import User
from accounts.scoping import region_q
from config import uploads
from config.errors import ValidationFailed
from inspections import services
from inspections.choices import (
    EscalationKind,
    FindingScope,
    InspectionType,
    PenaltyKind,
    PenaltyReason,
    ResultOutcome,
    Severity,
    SignerKind,
    TemplateStatus,
)
from inspections.filters import FindingFilter, InspectionFilter, PenaltyFilter
from inspections.models import ChecklistTemplate, Inspection
from inspections.selectors import OPEN_FINDING_STATUSES
from institutions.choosers import ChooserForm, InstitutionChoiceField
from institutions.forms import DATE, StyledForm

NOTE = forms.Textarea(attrs={"rows": 2})
EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
INSPECTORS_SHOWN = 50  # the plan form's checkboxes before a home is chosen


# --- list filters ---------------------------------------------------------------------------------
# The shared FilterSets (inspections.filters, the API's too), plus what only the pages offer.


class InspectionPageFilter(InspectionFilter):
    mine = django_filters.BooleanFilter(method="assigned_to_me", label=_("Assigned to me"))

    def assigned_to_me(self, qs, name, value):
        if value is None:
            return qs
        mine = Q(pk__in=Inspection.inspectors.through.objects.filter(user_id=self.request.user.pk).values("inspection_id"))
        return qs.filter(mine) if value else qs.exclude(mine)


class FindingPageFilter(FindingFilter):
    open = django_filters.BooleanFilter(method="filter_open", label=pgettext_lazy("finding", "Open"))

    def filter_open(self, qs, name, value):
        if value is None:
            return qs
        wanted = Q(status__in=OPEN_FINDING_STATUSES)
        return qs.filter(wanted) if value else qs.exclude(wanted)


class PenaltyPageFilter(PenaltyFilter):
    q = django_filters.CharFilter(method="search", label=_("Search"))

    def search(self, qs, name, value):
        return qs.filter(Q(document_number__icontains=value) | Q(institution__name__icontains=value))


# --- planning -------------------------------------------------------------------------------------


def usable_checklists(user):
    """Published templates: national ones, and local ones of the user's region, above or below it
    (services._checklist decides whether one applies to the chosen home; this keeps the list short)."""
    published = ChecklistTemplate.objects.filter(status=TemplateStatus.PUBLISHED).select_related("region")
    if user.role == Role.ADMIN:
        return published.order_by("code", "-version")
    code = user.region_id or ""
    if not code:
        return published.filter(region__isnull=True).order_by("code", "-version")
    above = {code[:2] + "0000", code[:4] + "00"}
    return published.filter(Q(region__isnull=True) | Q(region_id__in=above) | region_q("region", code)).order_by(
        "code", "-version")


def team_candidates(user):
    """Inspectors who may work where `user` plans: in the user's region, below it or above it
    (a city inspector may check a county's home; services._team checks the home's region)."""
    inspectors = User.objects.filter(role=Role.INSPECTOR, is_active=True).select_related("region")
    if user.role != Role.ADMIN:
        code = user.region_id or ""
        above = {code[:2] + "0000", code[:4] + "00"}
        inspectors = inspectors.filter(region_q("region", code) | Q(region_id__in=above))
    return inspectors.order_by("department", "region_id", "full_name", "username")


class InspectorChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} · {obj.get_department_display()} · {obj.region.name if obj.region else ''}"


def may_inspect_q(region_code: str) -> Q:
    """Inspectors who may work at a home of `region_code`: of its county, its city or its province
    (services._team's rule, accounts.scoping.region_in_scope, as a filter)."""
    return Q(region_id__in={region_code, region_code[:4] + "00", region_code[:2] + "0000"})


class PlanForm(ChooserForm, StyledForm, forms.Form):
    institution = InstitutionChoiceField(active_only=True)
    type = forms.ChoiceField(label=pgettext_lazy("inspection", "Type"), choices=InspectionType.choices, widget=forms.RadioSelect,
                             initial=InspectionType.ROUTINE)
    scheduled_for = forms.DateField(label=_("Date"), widget=DATE)
    departments = forms.MultipleChoiceField(
        label=_("Departments"), choices=Department.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("Several departments make a joint inspection with one combined checklist."),
    )
    inspectors = InspectorChoice(label=_("Inspectors"), queryset=None, widget=forms.CheckboxSelectMultiple)
    checklist = forms.ModelChoiceField(label=_("Checklist"), queryset=None, required=False,
                                       empty_label=_("The one that applies in the institution's region"))
    reason = forms.CharField(label=_("Reason for the inspection"), required=False, widget=NOTE,
                             help_text=_("Required for a case inspection: the complaint or accident behind it."))
    inspectors_wait_for_home = False  # too many candidates to list before the home is known

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["inspectors"].queryset = self._inspectors(user)
        self.fields["checklist"].queryset = usable_checklists(user)

    def _inspectors(self, user):
        """Who may inspect the chosen home (and whoever was ticked, so the service can say why not).
        With no home chosen yet, the planner's candidates if they are few (a county's team), else
        none: a province or the country has thousands of inspectors, of whom a home may have four."""
        candidates = team_candidates(user)
        home = self.fields["institution"].chosen()
        if home is not None:
            ticked = [pk for pk in (self["inspectors"].value() or []) if str(pk).isdigit()][:INSPECTORS_SHOWN]
            return candidates.filter(may_inspect_q(home.region_id) | Q(pk__in=ticked))
        few = list(candidates.values_list("pk", flat=True)[:INSPECTORS_SHOWN + 1])
        self.inspectors_wait_for_home = len(few) > INSPECTORS_SHOWN
        return candidates.none() if self.inspectors_wait_for_home else candidates.filter(pk__in=few)

    def plan(self) -> services.Plan:
        data = self.cleaned_data
        return services.Plan(
            institution_id=data["institution"].pk, type=data["type"], scheduled_for=data["scheduled_for"],
            departments=list(data["departments"]), inspector_ids=[u.pk for u in data["inspectors"]],
            checklist_id=data["checklist"].pk if data.get("checklist") else None, reason=data.get("reason", ""),
        )


# --- inspection steps -----------------------------------------------------------------------------


class VersionForm(forms.Form):
    """The record's version when the page was drawn: a stale form is refused (412)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class StepForm(StyledForm, VersionForm):
    note = forms.CharField(label=_("Note"), required=False, widget=NOTE)


class CompleteForm(StyledForm, VersionForm):
    conclusion = forms.CharField(label=_("Conclusion"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


# --- on site --------------------------------------------------------------------------------------


class ResultForm(forms.Form):
    item = forms.IntegerField(min_value=1)
    outcome = forms.ChoiceField(choices=ResultOutcome.choices)
    note = forms.CharField(required=False, max_length=2000)


class FindingForm(StyledForm, forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    description = forms.CharField(label=_("What was found"), widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.TypedChoiceField(label=_("Severity"), choices=Severity.choices, coerce=int,
                                      widget=forms.RadioSelect, initial=Severity.POTENTIAL_HARM)
    scope = forms.ChoiceField(label=_("Scope"), choices=FindingScope.choices, widget=forms.RadioSelect,
                              initial=FindingScope.ISOLATED)
    deadline = forms.DateField(label=_("Rectification deadline"), widget=DATE, required=False,
                               help_text=_("Set by severity; at most six months."))
    is_major_hazard = forms.BooleanField(label=_("Major accident hazard"), required=False)
    legal_basis = forms.CharField(label=_("Legal basis"), required=False, max_length=300)

    def finding_data(self) -> services.FindingData:
        data = self.cleaned_data
        return services.FindingData(
            description=data["description"], severity=data["severity"], scope=data["scope"], item_id=data.get("item"),
            is_major_hazard=data["is_major_hazard"], deadline=data.get("deadline"), legal_basis=data["legal_basis"],
        )


class PhotoForm(forms.Form):
    item = forms.IntegerField(required=False, min_value=1)
    finding = forms.IntegerField(required=False, min_value=1)
    photo = forms.FileField(label=_("Photo"))
    caption = forms.CharField(required=False, max_length=200)


class SignForm(forms.Form):
    kind = forms.ChoiceField(choices=SignerKind.choices)
    name = forms.CharField(label=_("Representative's name"), required=False, max_length=50)
    # The drawn signature as a PNG data URL (static/js/signature-pad.js); empty when nothing is drawn.
    image_data = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_image_data(self):
        value = self.cleaned_data["image_data"].strip()
        if not value:
            return None
        prefix = "data:image/png;base64,"
        if not value.startswith(prefix) or len(value) > services.SIGNATURE_MAX_BYTES * 4 // 3 + len(prefix) + 4:
            raise forms.ValidationError(_("A drawn signature is a PNG image."))
        try:
            data = base64.b64decode(value[len(prefix):], validate=True)
        except (binascii.Error, ValueError):
            raise forms.ValidationError(_("A drawn signature is a PNG image.")) from None
        return ContentFile(data, name="signature.png")


# --- findings -------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceFiles(forms.FileField):
    """Several photos or PDFs, each checked by content now (config.uploads, as the service will
    again), so one bad file is named before anything is stored."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}))
        kwargs.setdefault("help_text", _("PDF, JPEG or PNG, at most 10 MB each."))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        items = [item for item in (data if isinstance(data, (list, tuple)) else [data]) if item]
        if not items:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        checked = []
        for item in items:
            uploaded = super().clean(item, initial)
            try:
                uploads.read_attachment(uploaded, max_bytes=services.EVIDENCE_MAX_BYTES)
            except ValidationFailed as exc:
                raise forms.ValidationError(
                    _("%(name)s: %(problem)s") % {"name": uploaded.name, "problem": exc.detail}, code=exc.code
                ) from exc
            uploaded.seek(0)
            checked.append(uploaded)
        return checked


class RectificationForm(StyledForm, VersionForm):
    plan = forms.CharField(label=_("Rectification plan"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence_note = forms.CharField(label=_("What was done"), required=False, widget=NOTE)
    files = EvidenceFiles(label=_("Evidence"))


class VerifyForm(StyledForm, VersionForm):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("accept", _("Accept: the hazard is removed")), ("reject", _("Reject: still not rectified"))],
    )
    note = forms.CharField(label=_("Note"), required=False, widget=NOTE,
                           help_text=_("Required when rejecting: say what is still wrong."))


class PenaltyFields(forms.Form):
    """The penalty decision (行政处罚决定) shared by the escalation and the penalty forms."""

    penalty_kind = forms.ChoiceField(label=_("Penalty"), choices=[("", _("— choose —")), *PenaltyKind.choices],
                                     required=False)
    reason_code = forms.ChoiceField(label=_("Violation"), choices=PenaltyReason.choices, initial=PenaltyReason.SAFETY,
                                    required=False,
                                    help_text=_("Subsidy fraud or obstruction proposes a blacklist case."))
    amount = forms.DecimalField(label=_("Fine (yuan)"), required=False, max_digits=14, decimal_places=2, min_value=0)
    reason = forms.CharField(label=_("Facts and reason"), required=False, widget=NOTE)
    legal_basis = forms.CharField(label=_("Legal basis"), required=False, max_length=300)
    decided_on = forms.DateField(label=_("Decision date"), required=False, widget=DATE)
    document_number = forms.CharField(label=_("Decision document number"), required=False, max_length=60)
    document = forms.FileField(label=_("Decision document (PDF)"), required=False,
                               widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}))

    def penalty_data(self) -> services.PenaltyData:
        data = self.cleaned_data
        return services.PenaltyData(
            kind=data["penalty_kind"], reason=data["reason"], legal_basis=data["legal_basis"],
            decided_on=data["decided_on"] or timezone.localdate(), document_number=data["document_number"],
            amount=data["amount"], reason_code=data["reason_code"] or PenaltyReason.SAFETY,
        )


# The services name these fields after PenaltyData; the forms prefix the kind (the escalation has a
# kind of its own).
PENALTY_FIELD_NAMES = {"kind": "penalty_kind", "penalty": "penalty_kind"}


class EscalateForm(StyledForm, VersionForm, PenaltyFields):
    kind = forms.ChoiceField(label=_("Escalate to"), choices=EscalationKind.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Why"), widget=NOTE)
    blacklist_criterion = forms.IntegerField(
        label=_("Blacklist criterion (1–10)"), required=False, min_value=1, max_value=10,
        help_text=_("Leave empty: 4 for a major fire hazard, otherwise 9."),
    )

    def penalty_or_none(self):
        if self.cleaned_data["kind"] == EscalationKind.BLACKLIST_REFERRAL:
            return None
        data = self.penalty_data()
        if not data.kind and self.cleaned_data["kind"] == EscalationKind.SUSPENSION:
            data = services.PenaltyData(**{**data.__dict__, "kind": PenaltyKind.SUSPENSION})
        return data


class PenaltyForm(ChooserForm, StyledForm, PenaltyFields):
    institution = InstitutionChoiceField()

    field_order = ["institution", "penalty_kind", "reason_code", "amount", "decided_on", "document_number",
                   "legal_basis", "reason", "document"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["penalty_kind"].required = True
