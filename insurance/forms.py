"""HTML forms of the insurance pages. They shape and pre-check input; the services rate, check and
write, and their refusals come back onto the form through institutions.forms.add_service_errors."""

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.scoping import region_q
from institutions.choices import RegionLevel
from institutions.forms import DATE, StyledForm, style_widgets
from institutions.selectors import regions_for
from insurance import rating
from insurance.choices import Payer, Section
from insurance.models import CoverageSection
from insurance.selectors import insurers_for
from insurance.services import SECTION_FIELDS, PolicyTerms

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}
FACTOR = {"max_digits": 6, "decimal_places": 4, "min_value": Decimal("0.0001")}
CO_INSURER_SLOTS = 2
SMALL_NUMBER = forms.NumberInput(attrs={"class": "form-control-sm"})  # inputs in table cells
SECTION_LABELS = {
    "per_person_limit": _("Per person"),
    "per_accident_limit": _("Per accident"),
    "aggregate_limit": _("Aggregate"),
    "deductible": _("Deductible"),
}


def plain(amount: Decimal | None):
    """200000.00 → 200000: limits are whole yuan as a rule, and narrow inputs show them whole."""
    return int(amount) if amount is not None and amount == amount.to_integral_value() else amount


class ErrorSlot(forms.Field):
    """Not an input: where a service's error about something spread over several inputs (the
    sections table, the funding lines) lands, so the template can show it next to them."""

    widget = forms.HiddenInput

    def __init__(self):
        super().__init__(required=False)


def end_of_term(start: date, years: int) -> date:
    """The last day of a policy of `years` policy years: 2026-03-01 → 2027-02-28 (the services'
    rule, so a 29 February start ends on 28 February)."""
    try:
        return start.replace(year=start.year + years) - timedelta(days=1)
    except ValueError:
        return date(start.year + years, 2, 28)


class SectionTable:
    """Mixin: the four coverage sections as a table of inputs, `<section>_<limit>` plus
    `<section>_included`. General liability is always included (the services require it)."""

    sections_required = True  # False: a blank value means "the scheme's default"

    def add_section_fields(self):
        for value, label in Section.choices:
            self.fields[f"{value}_included"] = forms.BooleanField(label=label, required=False)
            for name in SECTION_FIELDS:
                self.fields[f"{value}_{name}"] = forms.DecimalField(
                    label=f"{label} · {SECTION_LABELS[name]}", required=False, widget=SMALL_NUMBER, **MONEY
                )
        self.fields[f"{Section.GENERAL}_included"].disabled = True
        self.fields[f"{Section.GENERAL}_included"].initial = True
        self.fields["sections"] = ErrorSlot()

    @staticmethod
    def section_initial(rows) -> dict:
        """Initial values from scheme or policy sections (model instances)."""
        initial = {f"{value}_included": False for value in Section.values}
        for row in rows:
            initial[f"{row.section}_included"] = True
            for name in SECTION_FIELDS:
                initial[f"{row.section}_{name}"] = plain(getattr(row, name))
        initial[f"{Section.GENERAL}_included"] = True
        return initial

    def check_section_limits(self, cleaned):
        """Limits in order within each section, by the model's own rule."""
        for value in Section.values:
            if not cleaned.get(f"{value}_included"):
                continue
            values = {name: cleaned.get(f"{value}_{name}") for name in SECTION_FIELDS}
            if self.sections_required:
                for name, amount in values.items():
                    if amount is None and f"{value}_{name}" not in self.errors:
                        self.add_error(f"{value}_{name}", _("This field is required."))
            if None in values.values():
                continue
            try:
                CoverageSection(section=value, **values).clean()
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        self.add_error(f"{value}_{name}" if name in SECTION_FIELDS else "sections", message)

    def section_rows(self, defaults=()) -> list[dict]:
        """The included sections; blank limits take the scheme's defaults (`defaults`: its sections)."""
        by_section = {row.section: row for row in defaults}
        rows = []
        for value in Section.values:
            if not self.cleaned_data.get(f"{value}_included"):
                continue
            row = {"section": value}
            for name in SECTION_FIELDS:
                amount = self.cleaned_data.get(f"{value}_{name}")
                if amount is None and value in by_section:
                    amount = getattr(by_section[value], name)
                if amount is None:
                    raise ValidationError({f"{value}_{name}": _("The scheme has no default for this section: enter the limits.")})
                row[name] = amount
            rows.append(row)
        return rows

    def bound_sections(self):
        """(label, included field, [limit fields]) per section, for the template's table."""
        for value, label in Section.choices:
            yield label, self[f"{value}_included"], [self[f"{value}_{name}"] for name in SECTION_FIELDS]

    def section_headers(self):
        return [SECTION_LABELS[name] for name in SECTION_FIELDS]


class PolicyForm(SectionTable, StyledForm, forms.Form):
    """A draft policy's terms. Who the institution and insurer are depends on the user: an
    institution insures itself, an insurer underwrites its own policies and finds a new client by
    USCC, an administrator chooses both. The premium is never entered: the service rates it."""

    sections_required = False

    institution_uscc = forms.CharField(
        label=_("Institution (USCC)"), max_length=18, required=False,
        help_text=_("The 18-character unified social credit code of the institution."),
    )
    institution = ErrorSlot()
    insurer = forms.ModelChoiceField(
        label=_("Insurer"), queryset=None, to_field_name="code", required=False, empty_label=_("— choose —")
    )
    number = forms.CharField(label=_("Policy number"), max_length=60, required=False)
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    term = forms.TypedChoiceField(label=_("Term"), choices=[(1, _("1 year")), (2, _("2 years"))], coerce=int, initial=1)
    end_date = ErrorSlot()
    insured_beds = forms.IntegerField(label=_("Insured beds"), min_value=1)
    accident_rider = forms.BooleanField(label=_("Residents' personal-accident rider"), required=False)
    rider_sum_insured = forms.DecimalField(label=_("Rider sum insured per resident"), required=False, **MONEY)
    rider_premium = forms.DecimalField(label=_("Rider premium"), required=False, **MONEY)
    co_insurers = ErrorSlot()
    funding = ErrorSlot()

    def __init__(self, *args, user, policy=None, institution=None, **kwargs):
        """`institution`: known in advance (the user's own, a preselected one, the draft's); when
        None the user types its USCC."""
        super().__init__(*args, **kwargs)
        self.user, self.policy, self.institution = user, policy, institution
        if institution is not None:
            del self.fields["institution_uscc"]
        else:
            self.fields["institution_uscc"].required = True
        insurers = insurers_for(user).order_by("name")
        if user.role == Role.INSURER or policy is not None:
            del self.fields["insurer"]  # an insurer underwrites its own; a draft keeps its insurer
        else:
            self.fields["insurer"].queryset = insurers
            self.fields["insurer"].required = True
        if user.role == Role.INSTITUTION:
            del self.fields["number"]  # the insurer gives the number when it binds the policy
        for slot in range(1, CO_INSURER_SLOTS + 1):
            self.fields[f"co{slot}_insurer"] = forms.ModelChoiceField(
                label=_("Co-insurer"), queryset=insurers, to_field_name="code", required=False, empty_label="—"
            )
            self.fields[f"co{slot}_share"] = forms.DecimalField(
                label=_("Share (%)"), max_digits=5, decimal_places=2, min_value=Decimal("0.01"),
                max_value=Decimal("99.99"), required=False,
            )
        for payer, label in Payer.choices:
            self.fields[f"pct_{payer}"] = forms.DecimalField(
                label=f"{label} %", max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100"),
                required=False, widget=SMALL_NUMBER,
            )
            self.fields[f"amount_{payer}"] = forms.DecimalField(label=label, required=False, widget=SMALL_NUMBER, **MONEY)
        self.add_section_fields()
        if policy is not None:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, initial=policy.version)
        style_widgets(self)  # StyledForm styled the declared fields; these were added since

    @classmethod
    def initial_for(cls, *, policy=None, institution=None, scheme=None, start: date, previous=None) -> dict:
        """What the form shows first: a draft's terms, or a new policy from `start` for all beds
        with the scheme's section defaults and the insurer of the `previous` policy."""
        if policy is not None:
            initial = {
                "number": policy.number, "start_date": policy.start_date, "insured_beds": policy.insured_beds,
                "term": 2 if policy.end_date >= end_of_term(policy.start_date, 2) else 1,
                "accident_rider": policy.accident_rider, "rider_sum_insured": policy.rider_sum_insured or None,
                "rider_premium": policy.rider_premium or None,
            }
            for slot, line in enumerate(policy.co_insurers.all()[:CO_INSURER_SLOTS], start=1):
                initial[f"co{slot}_insurer"], initial[f"co{slot}_share"] = line.insurer.code, line.share
            for line in policy.funding.all():
                initial[f"amount_{line.payer}"] = line.amount
            return initial | cls.section_initial(policy.sections.all())
        initial = {"start_date": start, "term": 1}
        if previous is not None:
            initial["insurer"] = previous.insurer.code
        if institution is not None:
            initial["insured_beds"] = institution.beds_total
        if scheme is not None:
            initial |= cls.section_initial(scheme.sections.all())
        else:  # the scheme is known once the institution is: cover every section it offers
            initial |= {f"{value}_included": True for value in Section.values}
        return initial

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start_date") and cleaned.get("term"):
            cleaned["end_date"] = end_of_term(cleaned["start_date"], cleaned["term"])
        if cleaned.get("accident_rider") and not cleaned.get("rider_premium"):
            self.add_error("rider_premium", _("Enter the rider premium, or untick the rider."))
        for slot in range(1, CO_INSURER_SLOTS + 1):
            insurer, share = cleaned.get(f"co{slot}_insurer"), cleaned.get(f"co{slot}_share")
            if insurer and share is None:
                self.add_error(f"co{slot}_share", _("Enter the co-insurer's share."))
            elif share is not None and not insurer:
                self.add_error(f"co{slot}_insurer", _("Choose the co-insurer."))
        self.check_section_limits(cleaned)
        return cleaned

    def clean_institution_uscc(self):
        return (self.cleaned_data.get("institution_uscc") or "").strip().upper()

    # --- what goes to the services ----------------------------------------------------------

    def rider_total(self) -> Decimal:
        return (self.cleaned_data.get("rider_premium") or Decimal("0")) if self.cleaned_data.get("accident_rider") else Decimal("0")

    def funding_lines(self) -> list[dict] | None:
        """The payers given an amount; None (no amount at all) lets the service decide: the
        institution pays a new policy, a re-rated draft keeps its payers' proportions."""
        lines = [
            {"payer": payer, "amount": self.cleaned_data[f"amount_{payer}"]}
            for payer in Payer.values
            if self.cleaned_data.get(f"amount_{payer}")
        ]
        return lines or None

    def funding_total(self) -> Decimal | None:
        lines = self.funding_lines()
        return None if lines is None else sum((line["amount"] for line in lines), Decimal("0"))

    def terms(self, scheme) -> PolicyTerms:
        data = self.cleaned_data
        return PolicyTerms(
            start_date=data["start_date"],
            end_date=data["end_date"],
            insured_beds=data["insured_beds"],
            sections=self.section_rows(scheme.sections.all()),
            co_insurers=[
                {"insurer": data[f"co{slot}_insurer"], "share": data[f"co{slot}_share"]}
                for slot in range(1, CO_INSURER_SLOTS + 1)
                if data.get(f"co{slot}_insurer")
            ],
            funding=self.funding_lines(),
            number=data.get("number") or (self.policy.number if self.policy else ""),
            broker=self.policy.broker if self.policy else None,
            accident_rider=data["accident_rider"],
            rider_sum_insured=data.get("rider_sum_insured") or Decimal("0"),
            rider_premium=data.get("rider_premium") or Decimal("0"),
        )

    # --- the quote step writes back into the form what it worked out -------------------------

    def _show(self, name: str, value) -> None:
        # The bound form renders self.data; the view passes a mutable copy of request.POST.
        self.data[self.add_prefix(name)] = "" if value is None else str(value)

    def fill_section_defaults(self, scheme) -> None:
        """Blank limits of included sections show the scheme's defaults."""
        by_section = {row.section: row for row in scheme.sections.all()}
        for value in Section.values:
            if self.cleaned_data.get(f"{value}_included") and value in by_section:
                for name in SECTION_FIELDS:
                    if self.cleaned_data.get(f"{value}_{name}") is None:
                        self._show(f"{value}_{name}", plain(getattr(by_section[value], name)))

    def split_by_percentage(self, total: Decimal) -> bool:
        """Fill the amounts from the percentages so they add up to `total` to the cent
        (insurance.rating.split_premium). False when no percentage was given."""
        weights = {p: self.cleaned_data[f"pct_{p}"] for p in Payer.values if self.cleaned_data.get(f"pct_{p}")}
        if not weights:
            self.add_error("funding", _("Enter the percentage each payer bears."))
            return False
        if sum(weights.values()) != 100:
            self.add_error("funding", _("The percentages add up to %(sum)s, not 100.") % {"sum": sum(weights.values())})
            return False
        amounts = rating.split_premium(total, weights)
        for payer in Payer.values:
            self._show(f"amount_{payer}", amounts.get(payer))
            self.cleaned_data[f"amount_{payer}"] = amounts.get(payer)
        return True

    def bound_co_insurers(self):
        for slot in range(1, CO_INSURER_SLOTS + 1):
            yield self[f"co{slot}_insurer"], self[f"co{slot}_share"]

    def bound_funding(self):
        for payer, label in Payer.choices:
            yield label, self[f"pct_{payer}"], self[f"amount_{payer}"]


class ActivateForm(StyledForm, forms.Form):
    number = forms.CharField(label=_("Policy number"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CancelForm(StyledForm, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VersionForm(StyledForm, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class UploadForm(StyledForm, forms.Form):
    file = forms.FileField(label=_("Policy document (PDF)"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}))


# --- rating schemes ------------------------------------------------------------------------------

LEVEL_KEYS = ["1", "2", "3", "4", "5"]
GRADE_KEYS = ["A", "B", "C", "D"]
BRACKET_SLOTS = {"inspection_factors": 5, "loss_ratio_factors": 6}
KEYED_TABLES = {"level_factors": LEVEL_KEYS, "grade_factors": GRADE_KEYS}
TABLE_TITLES = {
    "level_factors": _("Level"),
    "grade_factors": _("Credit grade"),
    "inspection_factors": _("Inspection record (major hazards, 12 months)"),
    "loss_ratio_factors": _("Loss ratio (3 years)"),
}


class SchemeForm(SectionTable, StyledForm, forms.Form):
    """A new version of a unified base rate. Factor tables are plain inputs: a factor per level and
    per credit grade, and brackets (upper bound, factor) for the inspection record and loss ratio."""

    region = forms.ModelChoiceField(label=_("Region"), queryset=None, empty_label=_("— choose —"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("Name"), max_length=200)
    base_rate_per_bed = forms.DecimalField(label=_("Base rate per bed per year"), **MONEY)
    min_factor = forms.DecimalField(label=_("Lowest rate factor"), max_digits=5, decimal_places=4, min_value=Decimal("0.0001"))
    max_factor = forms.DecimalField(label=_("Highest rate factor"), max_digits=5, decimal_places=4, min_value=Decimal("1"))
    fast_track_limit = forms.DecimalField(label=_("Fast-track claim limit"), **MONEY)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        regions = regions_for(user).filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY])
        if user.role == Role.REGULATOR:
            regions = regions.filter(region_q("code", user.region_id))
        self.fields["region"].queryset = regions.order_by("code")
        self.fields["region"].label_from_instance = lambda region: region.full_name or region.name
        for table, keys in KEYED_TABLES.items():
            for key in ["none", *keys]:
                self.fields[f"{table}_{key}"] = forms.DecimalField(label=key, widget=SMALL_NUMBER, **FACTOR)
        for table, slots in BRACKET_SLOTS.items():
            self.fields[f"{table}_none"] = forms.DecimalField(label=_("No data"), widget=SMALL_NUMBER, **FACTOR)
            for i in range(slots):
                # Major hazards are counted; a loss ratio is a fraction (0.30 = 30 %).
                if table == "inspection_factors":
                    bound = forms.IntegerField(label=_("Up to"), min_value=0, required=False, widget=SMALL_NUMBER)
                else:
                    bound = forms.DecimalField(
                        label=_("Up to"), max_digits=6, decimal_places=2, min_value=0, required=False, widget=SMALL_NUMBER
                    )
                self.fields[f"{table}_max_{i}"] = bound
                self.fields[f"{table}_factor_{i}"] = forms.DecimalField(
                    label=_("Factor"), required=False, widget=SMALL_NUMBER, **FACTOR
                )
        for table in TABLE_TITLES:
            self.fields[table] = ErrorSlot()
        self.add_section_fields()
        style_widgets(self)  # StyledForm styled the declared fields; these were added since

    @classmethod
    def initial_for(cls, *, source=None, region=None, year: int) -> dict:
        """Prefilled from `source` (the latest version for the region) or the default tables."""
        tables = {
            "level_factors": source.level_factors if source else rating.DEFAULT_LEVEL_FACTORS,
            "grade_factors": source.grade_factors if source else rating.DEFAULT_GRADE_FACTORS,
            "inspection_factors": source.inspection_factors if source else rating.DEFAULT_INSPECTION_FACTORS,
            "loss_ratio_factors": source.loss_ratio_factors if source else rating.DEFAULT_LOSS_RATIO_FACTORS,
        }
        initial = {"region": region.code if region else None, "year": year}
        if source is not None:
            initial |= {
                "name": source.name, "base_rate_per_bed": source.base_rate_per_bed, "min_factor": source.min_factor,
                "max_factor": source.max_factor, "fast_track_limit": source.fast_track_limit,
            }
            initial |= cls.section_initial(source.sections.all())
        else:
            initial |= {"min_factor": Decimal("0.70"), "max_factor": Decimal("1.30"), "fast_track_limit": Decimal("5000.00")}
            initial |= cls.section_initial([])
            initial |= {f"{value}_included": True for value in Section.values}
        for table, keys in KEYED_TABLES.items():
            for key in ["none", *keys]:
                initial[f"{table}_{key}"] = tables[table].get(key)
        for table in BRACKET_SLOTS:
            initial[f"{table}_none"] = tables[table].get("none")
            for i, bracket in enumerate(tables[table].get("brackets", [])[: BRACKET_SLOTS[table]]):
                initial[f"{table}_max_{i}"] = bracket.get("max")
                initial[f"{table}_factor_{i}"] = bracket.get("factor")
        return initial

    def clean(self):
        cleaned = super().clean()
        self.check_section_limits(cleaned)
        if cleaned.get("min_factor") is not None and cleaned["min_factor"] > 1:
            self.add_error("min_factor", _("The lowest factor is at most 1."))
        return cleaned

    def tables(self) -> dict:
        """The factor tables in the stored shape (insurance.rating): numbers as strings."""
        data = self.cleaned_data
        out = {table: {key: str(data[f"{table}_{key}"]) for key in ["none", *keys]} for table, keys in KEYED_TABLES.items()}
        for table, slots in BRACKET_SLOTS.items():
            brackets = []
            for i in range(slots):
                factor = data.get(f"{table}_factor_{i}")
                if factor is None:
                    continue
                upper = data.get(f"{table}_max_{i}")
                brackets.append({"max": None if upper is None else (upper if isinstance(upper, int) else str(upper)), "factor": str(factor)})
            out[table] = {"none": str(data[f"{table}_none"]), "brackets": brackets}
        return out

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "region": data["region"], "year": data["year"], "name": data["name"],
            "base_rate_per_bed": data["base_rate_per_bed"], "min_factor": data["min_factor"],
            "max_factor": data["max_factor"], "fast_track_limit": data["fast_track_limit"],
            "sections": self.section_rows(), **self.tables(),
        }

    def bound_keyed(self, table: str):
        labels = {"none": _("Not rated") if table == "level_factors" else _("No grade")}
        return [(labels.get(key, key), self[f"{table}_{key}"]) for key in ["none", *KEYED_TABLES[table]]]

    def bound_brackets(self, table: str):
        return [(self[f"{table}_max_{i}"], self[f"{table}_factor_{i}"]) for i in range(BRACKET_SLOTS[table])]

    def factor_tables(self):
        """Per table: its inputs (keyed rows, or bracket rows and the "none" input) and the
        errors the service raised about it as a whole."""
        for table, title in TABLE_TITLES.items():
            keyed = table in KEYED_TABLES
            yield {
                "name": table, "title": title, "errors": self[table].errors,
                "keyed": self.bound_keyed(table) if keyed else None,
                "brackets": None if keyed else self.bound_brackets(table),
                "none": None if keyed else self[f"{table}_none"],
            }

