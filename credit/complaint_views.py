"""Complaint pages of signed-in users: regulators list, filter, export and triage the complaints of
their region; an institution reads its own, without the complainant's contact details."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import region_q
from config.errors import Conflict, ValidationFailed
from credit import complaints
from credit.choices import ComplaintStatus
from credit.public_forms import ComplaintFilterForm, TriageForm
from institutions.importing import csv_bytes
from institutions.views import page, paginate


def _filtered(request):
    if request.user.role not in complaints.READERS:
        raise PermissionDenied
    form = ComplaintFilterForm(request.GET)
    queryset = complaints.complaints_for(request.user)
    if not form.is_valid():
        return form, queryset.none()
    data = form.cleaned_data
    if data["status"]:
        queryset = queryset.filter(status=data["status"])
    if data["category"]:
        queryset = queryset.filter(category=data["category"])
    if data["region"]:
        queryset = queryset.filter(region_q("institution__region", data["region"]))
    if data["institution"]:
        queryset = queryset.filter(institution_id=data["institution"])
    return form, queryset


@page
def complaint_list(request):
    form, queryset = _filtered(request)
    return render(request, "credit/complaint_list.html", {
        "form": form, "page_obj": paginate(request, queryset),
        "sees_contact": complaints.sees_contact(request.user), "export_query": request.GET.urlencode(),
        "filtered": any(request.GET.get(n) for n in ("status", "category", "region", "institution")),
    })


@page
def complaint_export(request):
    if not complaints.sees_contact(request.user):
        raise PermissionDenied
    _form, queryset = _filtered(request)
    headers = [_("Number"), _("Submitted at"), _("Institution"), _("USCC"), _("Region"), _("Category"), _("Status"),
               _("Complaint"), _("Contact name"), _("Contact phone"), _("Finding of the triage")]
    rows = (
        [c.number, timezone.localtime(c.submitted_at).strftime("%Y-%m-%d %H:%M"), c.institution.name,
         c.institution.uscc, c.institution.region.full_name, c.get_category_display(), c.get_status_display(),
         c.text, c.contact_name, c.contact_phone, c.resolution]
        for c in queryset.iterator(chunk_size=2000)
    )
    response = HttpResponse(csv_bytes([headers], rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="complaints.csv"'
    return response


@page
def complaint_detail(request, pk):
    if request.user.role not in complaints.READERS:
        raise PermissionDenied
    complaint = complaints.complaints_for(request.user).filter(pk=pk).first()
    if complaint is None:
        raise Http404
    may_triage = complaints.sees_contact(request.user) and complaint.status == ComplaintStatus.RECEIVED
    form = TriageForm(request.POST or None) if may_triage else None
    if request.method == "POST":
        if not complaints.sees_contact(request.user):
            raise PermissionDenied
        if form is not None and form.is_valid():
            try:
                complaints.triage(actor=request.user, complaint_id=complaint.pk, **form.cleaned_data)
            except (ValidationFailed, Conflict) as exc:
                form.add_error(None, str(exc.detail))
            else:
                messages.success(request, _("The complaint was triaged."))
                return redirect("complaint-detail", pk=complaint.pk)
        elif form is None:
            messages.error(request, _("This complaint was already triaged."))
            return redirect("complaint-detail", pk=complaint.pk)
    return render(request, "credit/complaint_detail.html", {
        "complaint": complaint, "form": form, "sees_contact": complaints.sees_contact(request.user),
    }, status=400 if form is not None and form.errors else 200)
