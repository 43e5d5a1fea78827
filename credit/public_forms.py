"""Forms of the public site (complaint) and of the regulators' complaint pages (triage, filters).

Abuse resistance without a captcha: a honeypot field people never see, and a signed timestamp —
a form sent within MIN_SECONDS of being served, or more than MAX_AGE after, is refused."""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from credit.choices import ComplaintCategory, ComplaintStatus
from credit.complaints import DECISIONS, TEXT_MAX, TEXT_MIN
from institutions.models import Institution

TOKEN_SALT = "credit.complaint-form"
MAX_AGE = 2 * 3600


def min_seconds() -> float:
    return getattr(settings, "COMPLAINT_MIN_SECONDS", 3)


def form_token(at: float | None = None) -> str:
    return signing.dumps({"t": time.time() if at is None else at}, salt=TOKEN_SALT)


class ComplaintForm(forms.Form):
    institution = forms.ModelChoiceField(
        queryset=Institution.objects.filter(is_active=True), label=_("Institution"),
        error_messages={"invalid_choice": _("Choose an institution from the search results.")},
    )
    category = forms.ChoiceField(choices=[("", "—"), *ComplaintCategory.choices], label=_("Category"))
    text = forms.CharField(
        label=_("What happened"), min_length=TEXT_MIN, max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": TEXT_MAX}),
        help_text=_("Date, place and what you saw; 20 to 2,000 characters. Please do not write residents' ID numbers."),
    )
    contact_name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    contact_phone = forms.RegexField(
        regex=r"^1[3-9]\d{9}$", label=_("Mobile phone (optional)"), required=False, max_length=11,
        error_messages={"invalid": _("Enter an 11-digit mobile number, e.g. 13800138000.")},
        help_text=_("Only the regulator sees your name and number, to ask you about the complaint."),
    )
    # People never see this field; form-filling robots do.
    website = forms.CharField(required=False, label=_("Leave this empty"))
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, matches=None, **kwargs):
        super().__init__(*args, **kwargs)
        if matches is not None:
            self.fields["institution"].choices = [
                ("", _("— choose from the search results —")),
                *[(home.pk, f"{home.name}（{home.region.full_name or home.region.name}）") for home in matches],
            ]
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        for name, field in self.fields.items():
            if name not in ("token", "website"):
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)

    def clean(self):
        """The robot checks speak above the form: the fields they concern are hidden."""
        cleaned = super().clean()
        problem = None
        if cleaned.get("website"):
            problem = forms.ValidationError(_("The form could not be accepted. Please try again."), code="honeypot")
        else:
            problem = self._token_problem(self.data.get("token", ""))
        if problem is not None:
            raise problem
        return cleaned

    @staticmethod
    def _token_problem(token):
        try:
            served = float(signing.loads(token, salt=TOKEN_SALT, max_age=MAX_AGE)["t"])
        except signing.SignatureExpired:
            served = 0.0
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return forms.ValidationError(_("The form could not be accepted. Please try again."), code="bad_token")
        age = time.time() - served
        if age > MAX_AGE:
            return forms.ValidationError(_("The form has expired. Please send it again."), code="expired")
        if age < min_seconds():
            return forms.ValidationError(_("The form was sent too quickly. Please check it and send it again."),
                                         code="too_fast")
        return None


class TriageForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"), choices=[(s.value, s.label) for s in DECISIONS],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    resolution = forms.CharField(label=_("Finding of the triage"), widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}))


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *ComplaintStatus.choices])
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[("", _("Any")), *ComplaintCategory.choices])
    region = forms.RegexField(label=_("Region code"), required=False, regex=r"^\d{6}$",
                              error_messages={"invalid": _("A region is a 6-digit GB/T 2260 code.")})
    institution = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
