"""The key-supervision page (重点监管): homes in scope with the reason(s) each is on the list,
filtered by region, and its CSV export. Regulators and inspectors (their region), administrators."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scoping import region_q
from credit.supervision import READERS, key_supervision, reasons
from institutions.importing import csv_bytes
from institutions.views import page, paginate


class SupervisionFilterForm(forms.Form):
    region = forms.RegexField(label=gettext_lazy("Region code"), required=False, regex=r"^\d{6}$",
                              error_messages={"invalid": gettext_lazy("A region is a 6-digit GB/T 2260 code.")},
                              widget=forms.TextInput(attrs={"class": "form-control"}))


def _filtered(request):
    if request.user.role not in READERS:
        raise PermissionDenied
    form = SupervisionFilterForm(request.GET)
    homes = key_supervision(request.user)
    if not form.is_valid():
        return form, homes.none()
    if form.cleaned_data["region"]:
        homes = homes.filter(region_q("region", form.cleaned_data["region"]))
    return form, homes


@page
def key_supervision_list(request):
    form, homes = _filtered(request)
    page_obj = paginate(request, homes)
    for home in page_obj.object_list:
        home.reasons = reasons(home)
    return render(request, "credit/key_supervision.html", {
        "form": form, "page_obj": page_obj, "export_query": request.GET.urlencode(),
    })


@page
def key_supervision_export(request):
    _form, homes = _filtered(request)
    headers = [_("Institution"), _("USCC"), _("Region"), _("Credit grade"), _("Reasons")]
    rows = ([h.name, h.uscc, h.region.full_name, h.credit_grade or "", "；".join(reasons(h))]
            for h in homes.iterator(chunk_size=2000))
    response = HttpResponse(csv_bytes([headers], rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="key-supervision.csv"'
    return response
