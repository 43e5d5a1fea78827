"""Pages of practitioners' dishonesty records: the list of the reader's region (regulators,
inspectors, administrators; ID numbers masked except for those who see personal data), the form
recording one (the person by ID number, or chosen among the practitioners of a home in scope) and
the button ending one. Writes go through credit.dishonesty."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.scoping import mask, sees_personal_data
from config.errors import ValidationFailed
from credit import dishonesty as services
from credit.choices import DishonestyKind
from inspections.views import refuse
from institutions.models import Person
from institutions.selectors import institutions_for, practitioners_for
from institutions.views import page, paginate


def _id(user, id_number: str) -> str:
    return id_number if sees_personal_data(user) else mask(id_number)


class DishonestyForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=18, required=False)
    person = forms.TypedChoiceField(label=gettext_lazy("Practitioner"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=DishonestyKind.choices)
    description = forms.CharField(label=gettext_lazy("Facts"), widget=forms.Textarea(attrs={"rows": 4}))
    decided_on = forms.DateField(label=gettext_lazy("Decision date"), widget=forms.DateInput(attrs={"type": "date"}))
    document_number = forms.CharField(label=gettext_lazy("Document number"), max_length=60, required=False)
    valid_until = forms.DateField(label=gettext_lazy("Recorded until"), required=False,
                                  help_text=gettext_lazy("Empty: three years after the decision."),
                                  widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "—"), *staff]
        if not staff:
            del self.fields["person"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


@page
def dishonesty_list(request):
    user = request.user
    if user.role not in services.READERS:
        raise PermissionDenied
    page_obj = paginate(request, services.records_for(user).distinct())
    for record in page_obj.object_list:
        record.id_display = _id(user, record.person.id_number)
    return render(request, "credit/dishonesty_list.html", {
        "page_obj": page_obj, "may_write": user.role in services.WRITERS,
    })


@page
def dishonesty_create(request):
    user = request.user
    if user.role not in services.WRITERS:
        raise PermissionDenied
    home = None
    if request.GET.get("institution", "").isdigit():
        home = institutions_for(user).filter(pk=request.GET["institution"]).first()
    staff = []
    if home is not None:
        jobs = practitioners_for(user).filter(institution=home, ended_on__isnull=True).order_by("person__name")
        staff = [(j.person_id, f"{j.person.name} {_id(user, j.person.id_number)}") for j in jobs]
    form = DishonestyForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person_id = data.get("person")
        if not person_id and data["id_number"]:
            person_id = Person.objects.filter(id_number=data["id_number"].strip().upper()).values_list(
                "pk", flat=True).first()
        try:
            services.record_dishonesty(actor=user, person_id=person_id, data={**data, "institution": home})
        except ValidationFailed as exc:
            refuse(form, exc, rename={"person": "person" if staff else "id_number"})
        else:
            messages.success(request, _("The dishonesty record was saved."))
            return redirect("dishonesty-list")
    return render(request, "credit/dishonesty_form.html", {"form": form, "home": home})


@page
@require_POST
def dishonesty_end(request, pk: int):
    services.end_record(actor=request.user, record_id=pk)
    messages.success(request, _("The dishonesty record was ended."))
    return redirect("dishonesty-list")
