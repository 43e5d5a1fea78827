"""Forms of the blacklist pages: the proposal and one small form per step."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.scoping import mask
from credit.choices import CaseStatus, Criterion
from inspections.forms import EvidenceFiles, VersionForm
from institutions.choosers import ChooserForm, InstitutionChoiceField
from institutions.forms import StyledForm
from institutions.models import Person, Practitioner

TEXT = forms.Textarea(attrs={"rows": 3})


class OptionalFiles(EvidenceFiles):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not [item for item in (data if isinstance(data, (list, tuple)) else [data]) if item]:
            return []
        return super().clean(data, initial)


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # Namesakes at one home are told apart by the end of the ID number, shown masked as in lists.
        return f"{obj.name} {mask(obj.id_number)}"


class ProposeForm(ChooserForm, StyledForm, forms.Form):
    institution = InstitutionChoiceField()
    practitioner = PersonChoice(
        label=_("Practitioner"), queryset=Person.objects.none(), required=False, empty_label=_("— the institution itself —"),
        help_text=_("Leave empty to propose the institution itself."),
        error_messages={"invalid_choice": _("Not a practitioner of this institution.")},
    )
    criterion = forms.TypedChoiceField(label=_("Listing criterion"), coerce=int,
                                       choices=[("", "")] + list(Criterion.choices))
    evidence = forms.CharField(label=_("Facts and evidence"), widget=forms.Textarea(attrs={"rows": 5}))
    files = OptionalFiles(label=_("Evidence files"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The people of the chosen home only (its staff, past and present): none before one is chosen.
        home, field = self.fields["institution"].chosen(), self.fields["practitioner"]
        if home is None:
            field.help_text = _("Choose the institution first: its people are listed then. "
                                "Leave empty to propose the institution itself.")
        else:
            field.queryset = Person.objects.filter(
                pk__in=Practitioner.objects.filter(institution=home).values("person_id")).order_by("name", "pk")


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
