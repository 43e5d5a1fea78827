"""The public site (no login): institution search and profile, the published blacklist, open-data
downloads and the complaint form. Pages are cacheable for five minutes; the form never is.

Reads come from credit.public (nothing personal leaves it); the complaint goes through
credit.complaints.submit_complaint, behind a per-address rate limit, a honeypot and a time trap."""

import csv
import io
import json

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django_ratelimit.decorators import ratelimit

from config.errors import ValidationFailed
from credit import public
from credit.complaints import submit_complaint
from credit.public_forms import ComplaintForm, form_token
from institutions.choices import RegionLevel
from institutions.models import Institution, Region

PAGE_SIZE = 20
SEARCH_RESULTS = 30  # institutions offered in the complaint form's select
CHUNK = 2000
cacheable = cache_control(public=True, max_age=300)


def _region_choices():
    key = f"public-region-choices:{get_language()}"
    choices = cache.get(key)
    if choices is None:
        rows = Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY]).order_by("code")
        choices = [(r.code, r.full_name or r.name) for r in rows.only("code", "name", "full_name")]
        cache.set(key, choices, 3600)
    return [("", _("— all —")), *choices]


def _style(form) -> None:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


@cacheable
def institution_search(request):
    filterset = public.PublicInstitutionFilter(request.GET, queryset=public.public_institutions())
    filterset.form.fields["region"].widget = forms.Select(choices=_region_choices())
    _style(filterset.form)
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page_obj = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(request.GET.get(name) for name in ("q", "region", "type", "credit_grade"))
    return render(request, "credit/public_institutions.html",
                  {"filter": filterset, "page_obj": page_obj, "filtered": filtered})


@cacheable
def institution_profile(request, pk):
    home = public.public_institution(pk)
    if home is None:
        raise Http404
    return render(request, "credit/public_institution.html", {"home": home})


@cacheable
def blacklist(request):
    filterset = public.PublicBlacklistFilter(request.GET, queryset=public.published_blacklist())
    filterset.form.fields["region"].widget = forms.Select(choices=_region_choices())
    _style(filterset.form)
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page_obj = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(request, "credit/public_blacklist.html", {"filter": filterset, "page_obj": page_obj})


@cacheable
def open_data(request):
    return render(request, "credit/public_data.html", {
        "institution_columns": public.INSTITUTION_COLUMNS, "blacklist_columns": public.BLACKLIST_COLUMNS,
    })


# --- downloads -----------------------------------------------------------------------------------

DATASETS = {
    "institutions": (public.public_institutions, public.institution_row, public.INSTITUTION_COLUMNS),
    "blacklist": (public.published_blacklist, public.blacklist_row, public.BLACKLIST_COLUMNS),
}


def _csv_stream(rows, columns):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"  # the BOM makes Excel read UTF-8
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_stream(rows):
    yield "["
    for index, row in enumerate(rows):
        yield ("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"


@cacheable
def download(request, dataset, fmt):
    """All rows, streamed: 40,000 homes never sit in memory at once."""
    if dataset not in DATASETS or fmt not in ("csv", "json"):
        raise Http404
    selector, to_row, columns = DATASETS[dataset]
    rows = (to_row(record) for record in selector().iterator(chunk_size=CHUNK))
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(rows, columns), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_json_stream(rows), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{dataset}.{fmt}"'
    return response


# --- complaints ----------------------------------------------------------------------------------


def _complaint_rate(group, request):
    return getattr(settings, "COMPLAINT_RATE_IP", "5/h")


def _matches(request):
    q = (request.GET.get("q") or "").strip()
    active = Institution.objects.filter(is_active=True).select_related("region").only(
        "id", "name", "region__name", "region__full_name")
    chosen = request.POST.get("institution") or request.GET.get("institution")
    found = list(active.filter(name__icontains=q).order_by("name", "pk")[:SEARCH_RESULTS]) if q else []
    if chosen and str(chosen).isdigit() and all(str(h.pk) != str(chosen) for h in found):
        found = list(active.filter(pk=int(chosen))) + found
    return q, found


@never_cache
@ratelimit(key="ip", rate=_complaint_rate, method="POST", block=False)
def complaint_new(request):
    q, matches = _matches(request)
    if request.method != "POST":
        form = ComplaintForm(initial={"token": form_token(), "institution": request.GET.get("institution")},
                             matches=matches)
        return render(request, "credit/public_complaint_form.html", {"form": form, "q": q, "matches": matches})
    form = ComplaintForm(request.POST, matches=matches)
    if getattr(request, "limited", False):
        form.is_valid()
        form.add_error(None, _("Too many complaints were sent from your network. Please wait a while and try again."))
        status = 429
    elif form.is_valid():
        data = form.cleaned_data
        try:
            complaint = submit_complaint(
                institution_id=data["institution"].pk, category=data["category"], text=data["text"],
                contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                source_address=request.META.get("REMOTE_ADDR", ""),
            )
        except ValidationFailed as exc:
            for name, messages in (exc.fields or {None: [str(exc.detail)]}).items():
                for message in messages:
                    form.add_error(name if name in form.fields else None, message)
            status = 400
        else:
            return render(request, "credit/public_complaint_done.html", {"number": complaint.number})
    else:
        status = 400
    data = request.POST.copy()
    data["token"] = form_token()
    form.data = data  # a fresh token: correcting a mistake is not a robot's speed
    return render(request, "credit/public_complaint_form.html", {"form": form, "q": q, "matches": matches},
                  status=status)
