"""HTML forms for the registry. They shape and pre-check input; every write still goes through
institutions.services, whose refusals `add_service_errors` puts back on the form."""

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import Role
from accounts.scoping import region_q
from config.errors import Conflict, PreconditionFailed, ValidationFailed
from institutions.models import Institution, Practitioner, Region
from institutions.services import PRACTITIONER_FIELDS
from institutions.validators import validate_id_number

# Refusals a person can fix by changing the form; NotAllowed and NotFound become 403/404 pages.
FIXABLE_ERRORS = (ValidationFailed, PreconditionFailed, Conflict, DjangoValidationError)


def add_service_errors(form, exc) -> None:
    """Show a service's refusal inline: on the fields it names, otherwise above the form."""
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    else:
        fields = exc.fields
    placed = False
    for name, messages in fields.items():
        target = name if name in form.fields and not form.fields[name].disabled else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, str(exc.detail))


def style_widgets(form, invalid=()) -> None:
    """Bootstrap classes on every widget, plus `is-invalid` on the fields named in `invalid`."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, (forms.HiddenInput, ReadOnlyText)):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        classes = set(widget.attrs.get("class", "").split()) | {css}
        classes.discard("is-invalid")
        if name in invalid:
            classes.add("is-invalid")
        widget.attrs["class"] = " ".join(sorted(classes))


class StyledForm:
    """Mixin: widgets styled on creation and re-marked whenever an error is added (every
    validation error, the form's own or a service's, passes through add_error)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # Django's blank choice reads "---------"; say what it means.
            if type(field) in (forms.ChoiceField, forms.TypedChoiceField) and field.choices and field.choices[0][0] == "":
                field.choices = [("", _("— choose —")), *field.choices[1:]]
        style_widgets(self)

    def add_error(self, field, error):
        super().add_error(field, error)
        style_widgets(self, self.errors)


class ReadOnlyText(forms.Widget):
    """A value the user sees but may not change. Used with `disabled=True`, so Django ignores
    anything posted for it and keeps the stored value."""

    def __init__(self, text):
        super().__init__()
        self.text = text

    def render(self, name, value, attrs=None, renderer=None):
        return format_html('<div class="form-control-plaintext" id="{}">{}</div>', (attrs or {}).get("id", ""), self.text)


class RegionPicker(forms.TextInput):
    """A 6-digit code input; static/js/region-picker.js turns it into province → city → county
    selects fed by the regions API, starting below `root` (the user's own region)."""

    def __init__(self, *, root: str = "", empty_label=""):
        super().__init__(
            attrs={
                "data-region-picker": "",
                "data-root": root,
                "data-empty-label": empty_label,
                "inputmode": "numeric",
                "pattern": r"\d{6}",
                "maxlength": 6,
                "placeholder": _("6-digit code"),
            }
        )


def region_root(user) -> str:
    """Where the region picker starts: the user's region, or the whole country."""
    return user.region_id if user.role in (Role.REGULATOR, Role.INSPECTOR) and user.region_id else ""


def style_filter_form(filterset, user) -> None:
    """The shared FilterSet's form, made friendly for people (the API uses the same FilterSet)."""
    form = filterset.form
    root = region_root(user)
    if "region" in form.fields:
        if root and not Region.objects.filter(parent_id=root).exists():
            del form.fields["region"]  # a county's staff have nothing narrower to pick
        else:
            form.fields["region"].widget = RegionPicker(root=root, empty_label=_("— all —"))
    for field in form.fields.values():
        if isinstance(field.widget, forms.NullBooleanSelect):
            field.widget.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]
        elif isinstance(field.widget, forms.Select) and field.widget.choices and field.widget.choices[0][0] == "":
            field.widget.choices = [("", _("Any")), *field.widget.choices[1:]]
    style_widgets(form, form.errors)


DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
LEVELS = [("", _("Not rated")), *((n, str(n)) for n in range(1, 6))]


INSTITUTION_FIELDSETS = [
    (_("Identity"), ["uscc", "name", "region", "type", "nature", "operation_model"]),
    (_("Filing and level"), ["filing_status", "filed_on", "residents_since", "level", "level_rated_on"]),
    (_("Contact"), ["address", "contact_person", "contact_phone", "email"]),
    (_("Size"), ["beds_total", "beds_nursing", "beds_in_use", "residents", "building_area"]),
    (
        _("Licences"),
        ["medical_licence", "medical_licence_no", "medical_licence_valid_until", "canteen_licence_no",
         "canteen_licence_valid_until"],
    ),
]


class InstitutionForm(StyledForm, forms.ModelForm):
    """Register or edit an institution. Fields the user may not change are shown, not submitted."""

    class Meta:
        model = Institution
        fields = [name for _title, names in INSTITUTION_FIELDSETS for name in names]
        widgets = {
            "filed_on": DATE,
            "residents_since": DATE,
            "level_rated_on": DATE,
            "medical_licence_valid_until": DATE,
            "canteen_licence_valid_until": DATE,
            "level": forms.Select(choices=LEVELS),
        }

    def __init__(self, *args, user, editable: frozenset[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.editable = editable
        region = self.fields["region"]
        region.queryset = Region.objects.filter(region_q("code", user.region_id)) if region_root(user) else Region.objects.all()
        region.widget = RegionPicker(root=region_root(user), empty_label=_("— choose —"))
        region.error_messages["invalid_choice"] = _("Choose a division within your jurisdiction (6-digit code).")
        if self.instance.pk:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, initial=self.instance.version)
        elif region_root(user) and not user.region.children.exists():
            self.initial.setdefault("region", user.region_id)  # a county's staff register in their county
        for name in self.Meta.fields:
            if name not in editable:
                self.fields[name].disabled = True
                self.fields[name].widget = ReadOnlyText(self._shown(name))
        style_widgets(self)

    def _shown(self, name: str) -> str:
        value = getattr(self.instance, name, None)
        if self.instance._meta.get_field(name).choices:
            return getattr(self.instance, f"get_{name}_display")() or "—"
        return "—" if value in (None, "") else localize(value)

    def clean_uscc(self):
        return (self.cleaned_data.get("uscc") or "").strip().upper()

    def bound_fieldsets(self):
        for title, names in INSTITUTION_FIELDSETS:
            yield title, [self[name] for name in names]

    def service_data(self) -> dict:
        """Only what this user may change goes to the service."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.editable}


class ActiveForm(StyledForm, forms.Form):
    """Deactivate (with a reason) or reactivate an institution."""

    reason = forms.CharField(label=_("Reason"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PractitionerForm(StyledForm, forms.ModelForm):
    """A job at an institution. Name and ID number identify the person and are set on creation."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=18, validators=[validate_id_number])
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)

    class Meta:
        model = Practitioner
        fields = ["role", "qualification", "certificate_no", "trained_on", "training_hours", "started_on", "ended_on"]
        widgets = {"trained_on": DATE, "started_on": DATE, "ended_on": DATE}

    field_order = ["name", "id_number", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["name"], self.fields["id_number"]
            self.initial.setdefault("phone", self.instance.person.phone)

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in PRACTITIONER_FIELDS}


class ImportUploadForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"})
    )
