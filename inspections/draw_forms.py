"""The random-draw form. It shapes and pre-checks input; inspections.draws.create_draw decides, and
its refusals come back onto these fields (institutions.forms.add_service_errors)."""

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.choices import Department, Role
from accounts.scoping import region_q
from inspections.choices import TemplateStatus
from inspections.draws import MAX_TEAM, min_team
from inspections.models import ChecklistTemplate
from institutions.filters import REGION_CODE
from institutions.forms import DATE, RegionPicker, StyledForm, region_root

MODES = [
    ("grade_rates", _("By credit grade (rates below)")),
    ("rate", _("The same share of every home")),
    ("count", _("A fixed number of homes")),
]


def usable_checklists(user):
    """Published templates worth offering: national ones, and local ones of the user's region, above
    or below it (the service checks that the one chosen covers the draw's region)."""
    published = ChecklistTemplate.objects.filter(status=TemplateStatus.PUBLISHED).order_by("name", "-version")
    if user.role == Role.ADMIN or not user.region_id:
        return published
    code = user.region_id
    return published.filter(
        Q(region__isnull=True) | Q(region_id__in={code[:2] + "0000", code[:4] + "00"}) | region_q("region", code)
    )


def _next_month(today: date) -> tuple[date, date]:
    start = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


class DrawForm(StyledForm, forms.Form):
    region = forms.CharField(label=_("Region"), max_length=6, validators=[REGION_CODE])
    period_start = forms.DateField(label=_("Period start"), widget=DATE)
    period_end = forms.DateField(label=_("Period end"), widget=DATE)
    mode = forms.ChoiceField(label=_("Which homes"), choices=MODES, initial="grade_rates", widget=forms.RadioSelect)
    sample_count = forms.IntegerField(label=_("Number of homes"), min_value=1, max_value=100_000, required=False)
    rate = forms.DecimalField(label=_("Sampling rate (%)"), min_value=Decimal("0.01"), max_value=Decimal("100"),
                              decimal_places=2, required=False)
    inspectors_per_institution = forms.IntegerField(label=_("Inspectors per home"), max_value=MAX_TEAM)
    departments = forms.MultipleChoiceField(
        label=_("Departments taking part"), choices=Department.choices, widget=forms.CheckboxSelectMultiple,
        initial=[Department.CIVIL_AFFAIRS, Department.FIRE_RESCUE],
    )
    checklist = forms.ModelChoiceField(
        label=_("Checklist"), queryset=ChecklistTemplate.objects.none(), required=False,
        empty_label=_("The checklist that applies in each home's region"),
    )
    scheduled_for = forms.DateField(label=_("Visit date"), widget=DATE, required=False,
                                    help_text=_("Leave empty to spread the visits over the period."))
    seed = forms.CharField(label=_("Seed"), max_length=64, required=False,
                           help_text=_("Leave empty for a random one. A seed fixed in public beforehand lets anyone "
                                       "re-run the draw and check it."))

    def __init__(self, *args, user, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        root = region_root(user)
        self.fields["region"].widget = RegionPicker(root=root, empty_label=_("— choose —"))
        self.fields["inspectors_per_institution"].min_value = min_team()
        self.fields["inspectors_per_institution"].widget.attrs["min"] = min_team()
        self.fields["checklist"].queryset = usable_checklists(user)
        start, end = _next_month(today)
        self.initial.setdefault("region", user.region_id or "")
        self.initial.setdefault("period_start", start)
        self.initial.setdefault("period_end", end)
        self.initial.setdefault("inspectors_per_institution", max(2, min_team()))
        self.fields["inspectors_per_institution"].help_text = _(
            "At least %(min)s, and at least one per department taking part."
        ) % {"min": min_team()}

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == "count" and data.get("sample_count") is None:
            self.add_error("sample_count", _("Say how many homes to draw."))
        if mode == "rate" and data.get("rate") is None:
            self.add_error("rate", _("Give the share of homes to draw."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        mode = data["mode"]
        return {
            "region_code": data["region"],
            "period_start": data["period_start"],
            "period_end": data["period_end"],
            "sample_count": data["sample_count"] if mode == "count" else None,
            "rate": data["rate"] / 100 if mode == "rate" else None,
            "use_grade_rates": mode == "grade_rates",
            "inspectors_per_institution": data["inspectors_per_institution"],
            "departments": data["departments"],
            "seed": data["seed"] or None,
            "checklist_id": data["checklist"].pk if data["checklist"] else None,
            "scheduled_for": data["scheduled_for"],
        }

