"""Forms of the blacklist pages: the proposal and one small form per step."""

from django import forms
from django.utils.translation import gettext_lazy as _

from credit.choices import CaseStatus, Criterion
from inspections.forms import EvidenceFiles, VersionForm
from institutions.forms import StyledForm
from institutions.models import Person

TEXT = forms.Textarea(attrs={"rows": 3})


class OptionalFiles(EvidenceFiles):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not [item for item in (data if isinstance(data, (list, tuple)) else [data]) if item]:
            return []
        return super().clean(data, initial)


class ProposeForm(StyledForm, forms.Form):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=None)
    practitioner = forms.ModelChoiceField(
        label=_("Practitioner"), queryset=Person.objects.none(), required=False,
        help_text=_("Leave empty to propose the institution itself."),
    )
    criterion = forms.TypedChoiceField(label=_("Listing criterion"), coerce=int,
                                       choices=[("", "")] + list(Criterion.choices))
    evidence = forms.CharField(label=_("Facts and evidence"), widget=forms.Textarea(attrs={"rows": 5}))
    files = OptionalFiles(label=_("Evidence files"))

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        people = Person.objects.filter(jobs__institution__in=institutions.values("pk")).distinct()
        self.fields["practitioner"].queryset = people.order_by("name", "pk")


class NoteForm(StyledForm, VersionForm):
    note = forms.CharField(label=_("Note"), required=False, widget=TEXT)


class ObjectForm(StyledForm, VersionForm):
    statement = forms.CharField(label=_("Statement of objection"), widget=TEXT)
    files = OptionalFiles(label=_("Supporting files"))


class ReviewForm(StyledForm, VersionForm):
    conclusion = forms.CharField(label=_("Review conclusion"), widget=TEXT)


class DecideForm(StyledForm, VersionForm):
    outcome = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        (CaseStatus.LISTED.value, _("List the party")), (CaseStatus.DISMISSED.value, _("Dismiss the case"))])
    note = forms.CharField(label=_("Reasons"), required=False, widget=TEXT)


class RequestRemovalForm(StyledForm, VersionForm):
    grounds = forms.CharField(label=_("Grounds for early removal"), widget=TEXT)
    files = OptionalFiles(label=_("Supporting files"))


class RemoveForm(StyledForm, VersionForm):
    granted = forms.TypedChoiceField(
        label=_("Decision"), widget=forms.RadioSelect, coerce=lambda v: v == "yes",
        choices=[("yes", _("Remove from the list")), ("no", _("Refuse: stays listed"))])
    note = forms.CharField(label=_("Reasons"), widget=TEXT)


class RevokeForm(StyledForm, VersionForm):
    reason = forms.CharField(label=_("Why the listing was wrongful"), widget=TEXT)
