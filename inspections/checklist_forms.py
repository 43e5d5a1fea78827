"""HTML forms of the checklist pages. They shape input; inspections.checklists decides and its
refusals come back onto the form (institutions.forms.add_service_errors)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Department
from institutions.forms import StyledForm, style_widgets
from inspections.choices import ClauseSource, TemplateStatus
from inspections.models import ChecklistItem


class TemplateFilterForm(forms.Form):
    """The list's filters: text, status, department owning items. Not a StyledForm: its blank
    choice means "any", not "choose one"."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *TemplateStatus.choices])
    department = forms.ChoiceField(
        label=_("Department"), required=False, choices=[("", _("Any")), *Department.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class DepartmentsForm(forms.Form):
    """Which departments take part: the template page shows their joint list (一表通查)."""

    department = forms.MultipleChoiceField(
        label=_("Departments"), required=False, choices=Department.choices, widget=forms.CheckboxSelectMultiple
    )


class CopyForm(StyledForm, forms.Form):
    name = forms.CharField(
        label=_("Name of the new version"), required=False, max_length=200,
        help_text=_("Leave blank to keep the name of the version you copy."),
    )


class TemplateForm(StyledForm, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ItemForm(StyledForm, forms.Form):
    """One item of a draft: add (order may be blank: last) or edit."""

    code = forms.CharField(
        label=_("Code"), max_length=ChecklistItem._meta.get_field("code").max_length,
        help_text=_("Stable and unique within the checklist, e.g. GB-6.6-1 or LOC-1."),
    )
    section = forms.CharField(label=_("Section"), max_length=ChecklistItem._meta.get_field("section").max_length)
    order = forms.IntegerField(
        label=_("Order"), min_value=0, max_value=2_147_483_647, required=False,
        help_text=_("Items are listed by this number; leave blank to add at the end."),
    )
    text = forms.CharField(label=_("Requirement"), widget=forms.Textarea(attrs={"rows": 2}))
    guidance = forms.CharField(label=_("How to check"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.ChoiceField(label=_("Source"), choices=ClauseSource.choices, initial=ClauseSource.LOCAL)
    clause = forms.CharField(
        label=_("Clause"), max_length=ChecklistItem._meta.get_field("clause").max_length,
        help_text=_("The rule it checks, as precisely as possible, e.g. GB 38600-2019 第6.6条."),
    )
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices)
    is_major_hazard = forms.BooleanField(label=_("Major accident hazard"), required=False)

    def __init__(self, *args, sections=(), require_order=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = list(sections)
        # The sections already used, offered as suggestions (a <datalist>), new ones still allowed.
        self.fields["section"].widget.attrs["list"] = "section-options"
        self.fields["order"].required = require_order

    @classmethod
    def initial_for(cls, item: ChecklistItem) -> dict:
        return {name: getattr(item, name) for name in cls.base_fields}

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)
