"""HTML forms of the incident and claim pages. They shape and pre-check input; every write goes
through insurance.services.claims, whose refusals come back onto the form through
institutions.forms.add_service_errors (a field the service names, else above the form)."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.errors import ValidationFailed
from institutions.forms import DATE, StyledForm, style_widgets
from insurance.forms import ErrorSlot
from insurance.models import (
    CostItem,
    DisputeOutcome,
    DocumentKind,
    FamilyNotice,
    IncidentCategory,
    Outcome,
    PersonKind,
    RejectionReason,
    Responsibility,
)
from insurance.services import claims as claim_services

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01")}
DATETIME = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
NOTE = forms.Textarea(attrs={"rows": 2})
BLANK = [("", _("— choose —"))]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class CheckedFiles(forms.FileField):
    """Several files in one input, each checked by its content now (a PDF that parses, a JPEG or
    PNG that decodes: claim_services.read_attachment), so a bad file is refused before anything
    is written; the services check them again when they store them."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("PDF, JPEG or PNG, at most 10 MB each."))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        items = [item for item in (data if isinstance(data, (list, tuple)) else [data]) if item]
        if not items:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        return [check_file(super(CheckedFiles, self).clean(item, initial)) for item in items]

    def has_changed(self, initial, data):
        return bool(data)  # the widget gives [] for an empty input: an empty formset row is unchanged


def check_file(uploaded):
    try:
        claim_services.read_attachment(uploaded)
    except ValidationFailed as exc:
        raise forms.ValidationError(
            _("%(name)s: %(problem)s") % {"name": uploaded.name, "problem": exc.detail}, code=exc.code
        ) from exc
    uploaded.seek(0)
    return uploaded


class VersionMixin(forms.Form):
    """The claim's (or incident's) version when the page was drawn: a stale form is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# --- incidents -----------------------------------------------------------------------------------


class IncidentForm(StyledForm, forms.Form):
    """An institution reports an accident (事故报告); the persons involved are a formset beside it."""

    category = forms.ChoiceField(label=_("Category"), choices=BLANK + list(IncidentCategory.choices))
    occurred_at = forms.DateTimeField(label=_("Occurred at"), widget=DATETIME)
    place = forms.CharField(label=_("Place"), max_length=200)
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How it happened, what staff saw and did, the state of the person afterwards."),
    )
    first_aid = forms.CharField(label=_("First aid given"), required=False, widget=NOTE)
    hospital_transfer = forms.BooleanField(label=_("Taken to hospital"), required=False)
    hospital = forms.CharField(label=_("Hospital"), max_length=200, required=False)
    family_notified_at = forms.DateTimeField(label=_("Family told at"), required=False, widget=DATETIME)
    family_notified_how = forms.ChoiceField(
        label=_("Family told how"), required=False, choices=[("", "—"), *FamilyNotice.choices]
    )
    attachments = CheckedFiles(label=_("Files"))
    institution = ErrorSlot()
    persons = ErrorSlot()

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in claim_services.INCIDENT_FIELDS}
        data["hospital"] = data["hospital"] if data["hospital_transfer"] else ""
        return data


class PersonForm(StyledForm, forms.Form):
    kind = forms.ChoiceField(label=_("Person type"), choices=BLANK + list(PersonKind.choices))
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=BLANK + list(Outcome.choices))
    injury = forms.CharField(label=_("Nature of the injury"), max_length=200, required=False)


PersonFormSet = forms.formset_factory(PersonForm, extra=3, max_num=50, validate_max=True)


def person_rows(formset) -> list[dict]:
    return [
        {key: form.cleaned_data[key] for key in ("kind", "name", "outcome", "injury")}
        for form in formset
        if form.cleaned_data
    ]


class AttachmentForm(StyledForm, forms.Form):
    files = CheckedFiles(label=_("Files"), required=True)


class ResponsibilityForm(StyledForm, VersionMixin):
    responsibility = forms.ChoiceField(label=_("Institution's responsibility"), choices=BLANK + list(Responsibility.choices))
    note = forms.CharField(label=_("Grounds of the finding"), widget=NOTE)


# --- filing a claim ------------------------------------------------------------------------------


class ClaimForm(StyledForm, forms.Form):
    """A claim against one section of the policy that covered the incident date. Lines (a
    formset) are optional: without them the service makes one for the one person covered."""

    section = forms.ChoiceField(label=_("Section"), widget=forms.RadioSelect)
    claimed_amount = forms.DecimalField(
        label=_("Claimed amount (yuan)"), required=False, **MONEY,
        help_text=_("Leave empty to claim the sum of the lines below."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=NOTE)
    policy = ErrorSlot()
    incident = ErrorSlot()
    lines = ErrorSlot()

    def __init__(self, *args, sections, **kwargs):
        """`sections`: the CoverageSection rows the incident may still be claimed under."""
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [(row.section, row.get_section_display()) for row in sections]
        if len(sections) == 1:
            self.fields["section"].initial = sections[0].section


class LineForm(StyledForm, forms.Form):
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    item = forms.ChoiceField(label=_("Cost item"), choices=BLANK + list(CostItem.choices))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    claimed_amount = forms.DecimalField(label=_("Amount (yuan)"), **MONEY)

    def __init__(self, *args, persons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "—"), *((p.pk, str(p)) for p in persons)]
        style_widgets(self)


LineFormSet = forms.formset_factory(LineForm, extra=2, max_num=50, validate_max=True)


class DocumentForm(StyledForm, forms.Form):
    kind = forms.ChoiceField(label=_("Document kind"), choices=BLANK + list(DocumentKind.choices))
    files = CheckedFiles(label=_("Files"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("files") and not cleaned.get("kind"):
            self.add_error("kind", _("Say what these documents are."))
        return cleaned


DocumentFormSet = forms.formset_factory(DocumentForm, extra=3, max_num=20, validate_max=True)


def line_data(formset) -> list:
    return [
        claim_services.LineData(
            item=form.cleaned_data["item"], claimed_amount=form.cleaned_data["claimed_amount"],
            person_id=form.cleaned_data.get("person"), description=form.cleaned_data.get("description", ""),
        )
        for form in formset
        if form.cleaned_data
    ]


def document_rows(formset) -> list[tuple[str, list]]:
    return [(form.cleaned_data["kind"], form.cleaned_data["files"])
            for form in formset if form.cleaned_data and form.cleaned_data.get("files")]


# --- actions on a claim --------------------------------------------------------------------------


class ActionForm(StyledForm, VersionMixin):
    """Base of the claim detail page's action forms: a note and the version."""

    note = forms.CharField(label=_("Note"), required=False, widget=NOTE)

    action = ""  # the URL's action; ids of the inputs carry it, as one page holds several forms

    def __init__(self, *args, claim, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", claim.version)
        kwargs.setdefault("auto_id", f"id_{type(self).__name__.lower()}_%s")
        super().__init__(*args, **kwargs)
        self.claim = claim
        self.claim_lines = []
        self.setup(claim)
        style_widgets(self)

    def setup(self, claim):
        """Add fields that depend on the claim."""

    def main_fields(self):
        """The visible inputs but the per-line ones (a table of their own), the note last."""
        names = [name for name in self.fields if not name.startswith("line_") and not self[name].is_hidden]
        return [self[name] for name in sorted(names, key=lambda name: name == "note")]


class NoteRequiredForm(ActionForm):
    note_label = _("Note")

    def setup(self, claim):
        self.fields["note"].required = True
        self.fields["note"].label = self.note_label


class RegisterForm(ActionForm):
    reference = forms.CharField(label=_("Insurer's claim number"), max_length=60, required=False)


class RequestDocumentsForm(NoteRequiredForm):
    note_label = _("Documents needed")


class SubmitDocumentsForm(ActionForm):
    kind = forms.ChoiceField(label=_("Document kind"), choices=list(DocumentKind.choices), initial=DocumentKind.OTHER)
    files = CheckedFiles(label=_("Files"))

    def setup(self, claim):
        self.fields["files"].help_text = _("Files sent now, or none if you have uploaded them since the request.")


class LineAmounts:
    """Mixin: approved amounts (and a coded reason) per line, for claims of several lines."""

    def add_line_fields(self, claim, *, required: bool):
        self.claim_lines = list(claim.lines.all())
        if len(self.claim_lines) < 2:
            self.claim_lines = []
        for line in self.claim_lines:
            self.fields[f"line_{line.pk}_approved"] = forms.DecimalField(
                label=_("Approved"), max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False,
                initial=line.approved_amount if line.approved_amount is not None else line.claimed_amount,
            )
            self.fields[f"line_{line.pk}_reason"] = forms.ChoiceField(
                label=_("Reason for any part refused"), required=False, choices=[("", "—"), *RejectionReason.choices],
                initial=line.rejection_reason,
            )
        self.lines_required = required
        self.fields["lines"] = ErrorSlot()

    def bound_lines(self):
        for line in self.claim_lines:
            yield line, self[f"line_{line.pk}_approved"], self[f"line_{line.pk}_reason"]

    def clean_lines_and_amount(self, cleaned) -> None:
        """`cleaned["lines"]`: one entry per line, or None when no line amount was given; a
        blank approved amount is the sum of the lines."""
        given = {line.pk: cleaned.get(f"line_{line.pk}_approved") for line in self.claim_lines}
        if any(value is not None for value in given.values()):
            if any(value is None for value in given.values()):
                self.add_error("lines", _("Give the approved amount of each line, or of none."))
                return
            cleaned["lines"] = [
                {"id": pk, "approved_amount": amount, "rejection_reason": cleaned.get(f"line_{pk}_reason") or ""}
                for pk, amount in given.items()
            ]
            if cleaned.get("approved_amount") is None:
                cleaned["approved_amount"] = sum(given.values(), Decimal("0"))
        else:
            cleaned["lines"] = None
        if cleaned.get("approved_amount") is None and self.lines_required and "approved_amount" not in self.errors:
            self.add_error("approved_amount", _("This field is required."))


class ApproveForm(LineAmounts, ActionForm):
    approved_amount = forms.DecimalField(label=_("Approved amount (yuan)"), required=False, **MONEY)

    def setup(self, claim):
        self.fields["approved_amount"].initial = claim.claimed_amount if claim.approved_amount is None else None
        self.add_line_fields(claim, required=True)
        if self.claim_lines:
            self.fields["approved_amount"].help_text = _("Leave empty to approve the sum of the lines.")

    def clean(self):
        cleaned = super().clean()
        self.clean_lines_and_amount(cleaned)
        return cleaned


class RejectForm(ActionForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=BLANK + list(RejectionReason.choices))


class PayForm(ActionForm):
    paid_amount = forms.DecimalField(label=_("Paid amount (yuan)"), **MONEY)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    reference = forms.CharField(label=_("Payment reference"), max_length=100)

    def setup(self, claim):
        self.fields["paid_amount"].initial = claim.approved_amount
        self.fields["paid_on"].initial = timezone.localdate()


class CloseForm(ActionForm):
    pass


class WithdrawForm(ActionForm):
    pass


class DisputeForm(NoteRequiredForm):
    note_label = _("Grounds of the dispute")


class ResolveForm(LineAmounts, ActionForm):
    outcome = forms.ChoiceField(label=_("Outcome of the mediation"), choices=BLANK + list(DisputeOutcome.choices))
    approved_amount = forms.DecimalField(
        label=_("Approved amount agreed (yuan)"), required=False, **MONEY,
        help_text=_("When approved: leave empty to keep the amount that was disputed."),
    )

    def setup(self, claim):
        self.fields["note"].required = True
        self.fields["note"].label = _("Mediation record")
        self.add_line_fields(claim, required=False)
        for line in self.claim_lines:  # a new agreement is entered, not the disputed one repeated
            self.fields[f"line_{line.pk}_approved"].initial = None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == DisputeOutcome.APPROVED:
            self.clean_lines_and_amount(cleaned)
        else:
            cleaned["lines"], cleaned["approved_amount"] = None, None
        return cleaned


class ReopenForm(NoteRequiredForm):
    note_label = _("Why the claim is reopened")


class UploadForm(ActionForm):
    kind = forms.ChoiceField(label=_("Document kind"), choices=BLANK + list(DocumentKind.choices))
    files = CheckedFiles(label=_("Files"), required=True)

    def setup(self, claim):
        del self.fields["note"]


def year_choices(years) -> list[tuple[str, str]]:
    return [("", _("All years")), *((str(y), str(y)) for y in sorted(set(years), reverse=True))]
