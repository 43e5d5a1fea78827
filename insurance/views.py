"""HTML pages of liability insurance: policies, rating schemes, coverage monitoring.

Thin, like the registry pages (institutions.views, whose helpers they share): reads start from
insurance.selectors, writes go through insurance.services, and a service's refusal is shown on
the form it came from (NotAllowed → 403, NotFound → 404 through the `page` decorator)."""

import copy
import io
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from accounts.scoping import region_in_scope, region_q
from config.errors import PreconditionFailed
from institutions.choices import RegionLevel
from institutions.forms import DATE, FIXABLE_ERRORS, add_service_errors, style_filter_form
from institutions.importing import CONTENT_TYPES, csv_bytes
from institutions.selectors import institutions_for, regions_for
from institutions.views import paginate, page
from insurance import selectors, services
from insurance.rating import FACTOR_LABELS as LABEL_BY_CODE
from insurance.rating import factor_label
from insurance.choices import PolicyStatus
from insurance.filters import PolicyFilter
from insurance.forms import ActivateForm, CancelForm, PolicyForm, SchemeForm, UploadForm, VersionForm

POLICY_ORDERINGS = {
    "number": gettext_lazy("Policy number"),
    "institution__name": gettext_lazy("Institution"),
    "start_date": gettext_lazy("Start"),
    "end_date": gettext_lazy("End"),
    "insured_beds": gettext_lazy("Beds"),
    "premium": gettext_lazy("Premium"),
}
# The factors in the order insurance.rating computes them. Their names are stored with each
# policy in the language of the person who rated it, so pages label them by position.
FACTOR_LABELS = list(LABEL_BY_CODE.values())  # in the order the scheme form shows the tables
EVENT_LABELS = {
    "create": gettext_lazy("Draft created"),
    "activate": gettext_lazy("Activated"),
    "cancel": gettext_lazy("Cancelled"),
    "expire": gettext_lazy("Expired"),
    "verify": gettext_lazy("Document verified"),
}
# Who may start a policy at all (insurance.services.create_policy says the same).
POLICY_WRITERS = {Role.INSTITUTION, Role.INSURER, Role.ADMIN}
SCHEME_GROUPS_PER_PAGE = 20
UNINSURED_SHOWN = 20
EXPORT_FORMATS = set(CONTENT_TYPES)


def _policy_or_404(user, pk):
    policy = selectors.policy_detail_for(user, pk)
    if policy is None:
        raise Http404
    return policy


def show_refusal(form, exc) -> None:
    """A service's refusal on the form (add_service_errors), and its summary above the form
    when that says more than the field messages ("add up to 100.00 but the premium is …")."""
    add_service_errors(form, exc)
    detail = str(getattr(exc, "detail", ""))
    if getattr(exc, "fields", None) and detail and detail not in str(form.errors):
        form.add_error(None, detail)


def _sort_columns(orderings: dict, ordering: str) -> dict:
    """Header links for the shared institutions/_sort_header.html: a second click reverses."""
    return {
        key: {
            "key": key,
            "label": label,
            "next": f"-{key}" if ordering == key else key,
            "sorted": "asc" if ordering == key else "desc" if ordering == f"-{key}" else "",
        }
        for key, label in orderings.items()
    }


# --- policies: list ------------------------------------------------------------------------------


@page
def policy_list(request):
    user = request.user
    # The list shows no sections, documents or funding: skip the selector's prefetches.
    queryset = selectors.policies_for(user).prefetch_related(None)
    filterset = PolicyFilter(request.GET, queryset=queryset, request=request)
    ordering = request.GET.get("ordering", "-start_date")
    if ordering.lstrip("-") not in POLICY_ORDERINGS:
        ordering = "-start_date"
    policies = filterset.qs.order_by(ordering, "pk") if filterset.is_valid() else filterset.queryset.none()

    form = filterset.form
    if user.role == Role.INSTITUTION:
        form.fields.pop("region", None)  # its own policies only
    if user.role == Role.INSURER:
        form.fields.pop("insurer", None)
    else:
        # A choice of the scheme's insurers rather than a code to remember.
        choices = [("", _("Any")), *selectors.insurers_for(user).order_by("name").values_list("code", "name")]
        form.fields["insurer"].widget = forms.Select(choices=choices)
    form.fields["active_on"].widget = copy.deepcopy(DATE)
    style_filter_form(filterset, user)
    shown = [name for name in ("status", "insurer", "verified", "active_on", "expiring_within") if name in form.fields]
    return render(request, "insurance/policy_list.html", {
        "filter": filterset,
        "page_obj": paginate(request, policies),
        "columns": _sort_columns(POLICY_ORDERINGS, ordering),
        "advanced_fields": [form[name] for name in shown],
        "advanced_open": any(request.GET.get(name) for name in shown),
        "filtered": any(request.GET.get(name) for name in form.fields),
        "may_create": user.role in POLICY_WRITERS,
    })


# --- policies: detail and actions ----------------------------------------------------------------


def rating_view(rating: dict) -> dict:
    """A stored rating breakdown (policy.rating, or a quote's as_json()) ready for a template:
    labelled factors and Decimals."""
    factors = [
        {
            "label": factor_label(factor, i),
            "input": _("No data") if factor.get("input") == "none" else factor.get("input"),
            "value": Decimal(factor["value"]),
        }
        for i, factor in enumerate(rating.get("factors", []))
    ]
    numbers = {
        key: Decimal(rating[key])
        for key in ("base_rate_per_bed", "product", "min_factor", "max_factor", "rate_factor", "premium")
        if rating.get(key) is not None
    }
    return {"factors": factors, "insured_beds": rating.get("insured_beds"), "scheme": rating.get("scheme") or {},
            "clamped": numbers.get("product") != numbers.get("rate_factor"), **numbers}


def _timeline(policy) -> list[dict]:
    """Transitions, the residents-not-charged declaration and document uploads, oldest first."""
    entries = [
        {"at": event.at, "label": EVENT_LABELS.get(event.action, event.action), "actor": event.actor,
         "note": event.note, "kind": event.action}
        for event in policy.events.all()
    ]
    if policy.not_charged_declared_at:
        entries.append({"at": policy.not_charged_declared_at, "label": _("Declared residents are not charged"),
                        "actor": policy.not_charged_declared_by, "note": "", "kind": "declare"})
    for document in policy.documents.all():
        entries.append({"at": document.uploaded_at, "label": _("Document uploaded"), "actor": document.uploaded_by,
                        "note": document.original_name, "kind": "upload"})
    return sorted(entries, key=lambda entry: entry["at"])


def _render_detail(request, policy, **bound):
    """The detail page; after a refused action, with that action's form and its errors."""
    user = request.user
    funding = list(policy.funding.all())
    version = {"version": policy.version}
    context = {
        "policy": policy,
        "actions": services.allowed_actions(user, policy),
        "rating": rating_view(policy.rating),
        "sections": list(policy.sections.all()),
        "funding": funding,
        "funding_total": sum((line.amount for line in funding), Decimal("0")),
        "total_premium": services.policy_total(policy),
        "documents": list(policy.documents.all()),
        "timeline": _timeline(policy),
        "links_institution": user.role != Role.INSURER,  # insurers do not read the registry
        "activate_form": bound.get("activate_form") or ActivateForm(initial={**version, "number": policy.number}),
        "cancel_form": bound.get("cancel_form") or CancelForm(initial=version),
        "verify_form": bound.get("verify_form") or VersionForm(initial=version),
        "upload_form": bound.get("upload_form") or UploadForm(),
        "open_form": next(iter(bound), ""),
    }
    return render(request, "insurance/policy_detail.html", context)


@page
def policy_detail(request, pk):
    return _render_detail(request, _policy_or_404(request.user, pk))


def _action(request, pk, form_class, form_name, perform, done_message):
    """A POST action of the detail page: run the service; on a fixable refusal show the page
    again with the errors on that action's form. A GET (e.g. after switching language) goes back."""
    policy = _policy_or_404(request.user, pk)
    if request.method != "POST":
        return redirect("policy-detail", pk=policy.pk)
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is None or form.is_valid():
        try:
            perform(policy, form.cleaned_data if form else {})
        except FIXABLE_ERRORS as exc:
            if form is None:
                messages.error(request, str(getattr(exc, "detail", exc)))
                return redirect("policy-detail", pk=policy.pk)
            show_refusal(form, exc)
        else:
            messages.success(request, done_message)
            return redirect("policy-detail", pk=policy.pk)
    return _render_detail(request, policy, **{form_name: form})


@page
def policy_activate(request, pk):
    def perform(policy, data):
        services.activate_policy(actor=request.user, policy_id=policy.pk, number=data.get("number", ""),
                                 note=data.get("note", ""), expected_version=data.get("version"))

    return _action(request, pk, ActivateForm, "activate_form", perform, _("The policy is active."))


@page
def policy_cancel(request, pk):
    def perform(policy, data):
        services.cancel_policy(actor=request.user, policy_id=policy.pk, reason=data["reason"],
                               expected_version=data.get("version"))

    return _action(request, pk, CancelForm, "cancel_form", perform, _("The policy is cancelled."))


@page
def policy_declare(request, pk):
    def perform(policy, data):
        services.declare_residents_not_charged(actor=request.user, policy_id=policy.pk)

    return _action(request, pk, None, "", perform, _("Declaration recorded."))


@page
def policy_verify(request, pk):
    def perform(policy, data):
        services.verify_policy(actor=request.user, policy_id=policy.pk, expected_version=data.get("version"))

    return _action(request, pk, VersionForm, "verify_form", perform, _("The document is verified."))


@page
def policy_upload(request, pk):
    def perform(policy, data):
        services.upload_document(actor=request.user, policy_id=policy.pk, uploaded=data["file"])

    return _action(request, pk, UploadForm, "upload_form", perform, _("Document uploaded."))


# --- policies: create and edit -------------------------------------------------------------------


def _institution_ref(user, institution, uscc: str) -> dict:
    """How the services are told which institution: insurers by USCC (they cannot see homes
    they do not insure yet), everyone else by id within their scope."""
    if user.role == Role.INSURER:
        return {"institution_uscc": institution.uscc if institution else uscc}
    if institution is not None:
        return {"institution_id": institution.pk}
    found = institutions_for(user).filter(uscc=uscc).values_list("pk", flat=True).first()
    return {"institution_id": found or 0}  # 0: the service answers "no such institution"


def _preselected_institution(request):
    """An institution's own; for an administrator the one in ?institution=<id>."""
    user = request.user
    if user.role == Role.INSTITUTION:
        return user.institution
    wanted = request.GET.get("institution", "")
    if user.role == Role.ADMIN and wanted:
        institution = institutions_for(user).filter(pk=int(wanted) if wanted.isdigit() else 0).first()
        if institution is None:
            raise Http404
        return institution
    return None


def _policy_form(request, *, institution=None, policy=None):
    """The create and edit page. Steps (the submit button's `step`): "quote" rates and shows the
    premium with its factors, "split" also fills the funding amounts from percentages, "save"
    writes the draft (the service rates it again)."""
    user = request.user
    start, scheme, previous = timezone.localdate(), None, None
    if institution is not None and policy is None:
        # A renewal starts the day after the cover in force ends, with the same insurer.
        previous = (
            selectors.policies_for(user).prefetch_related(None).filter(institution=institution)
            .exclude(status=PolicyStatus.CANCELLED).order_by("-end_date").first()
        )
        if previous is not None and previous.status == PolicyStatus.ACTIVE and previous.end_date >= start:
            start = previous.end_date + timedelta(days=1)
        scheme = services.scheme_for(institution, start)
    form = PolicyForm(
        request.POST.copy() if request.method == "POST" else None,
        user=user, policy=policy, institution=institution,
        initial=PolicyForm.initial_for(policy=policy, institution=institution, scheme=scheme, start=start, previous=previous),
    )
    quote = stale = None
    if request.method == "POST" and form.is_valid():
        step = request.POST.get("step", "quote")
        data = form.cleaned_data
        ref = _institution_ref(user, institution, data.get("institution_uscc", ""))
        try:
            scheme, rated = services.quote_policy(
                actor=user, start_date=data["start_date"], insured_beds=data["insured_beds"], **ref
            )
            form.fill_section_defaults(scheme)
            total = rated.premium + form.rider_total()
            if step == "split":
                form.split_by_percentage(total)
            quote = rating_view(rated.as_json() | {"scheme": {"name": scheme.name, "version": scheme.version}})
            quote |= {"end_date": data["end_date"], "rider_premium": form.rider_total(),
                      "total": total, "funding_total": form.funding_total()}
            if step == "save":
                terms = form.terms(scheme)
                if policy is None:
                    saved = services.create_policy(actor=user, terms=terms, insurer=data.get("insurer"), **ref)
                    messages.success(request, _("Draft saved. Premium: %(premium)s.") % {"premium": f"{saved.premium:.2f}"})
                else:
                    saved = services.update_draft(actor=user, policy_id=policy.pk, terms=terms, expected_version=data["version"])
                    messages.success(request, _("Saved."))
                return redirect("policy-detail", pk=saved.pk)
        except FIXABLE_ERRORS as exc:
            show_refusal(form, exc)
            stale = isinstance(exc, PreconditionFailed)
    return render(request, "insurance/policy_form.html", {
        "form": form, "policy": policy, "institution": institution, "quote": quote, "stale": stale,
        "insurer": user.insurer if user.role == Role.INSURER else (policy.insurer if policy else None),
    })


@page
def policy_create(request):
    if request.user.role not in POLICY_WRITERS:
        raise PermissionDenied
    return _policy_form(request, institution=_preselected_institution(request))


@page
def policy_edit(request, pk):
    policy = _policy_or_404(request.user, pk)
    if "edit" not in services.allowed_actions(request.user, policy):
        if policy.status != PolicyStatus.DRAFT and request.user.role in POLICY_WRITERS:
            messages.error(request, _("Only a draft can be changed; this policy is %(status)s.") % {
                "status": policy.get_status_display()})
            return redirect("policy-detail", pk=policy.pk)
        raise PermissionDenied
    return _policy_form(request, institution=policy.institution, policy=policy)


# --- rating schemes -----------------------------------------------------------------------------


def _may_keep_schemes(user) -> bool:
    """Province and city regulators and administrators (insurance.services.create_scheme)."""
    return user.role == Role.ADMIN or (
        user.role == Role.REGULATOR and user.region is not None and user.region.level != RegionLevel.COUNTY
    )


def _bracket_rows(table: dict) -> list[tuple[str, Decimal]]:
    rows, previous = [], None
    for bracket in table.get("brackets", []):
        upper = bracket.get("max")
        label = f"≤ {upper}" if upper is not None else (f"> {previous}" if previous is not None else _("Any"))
        rows.append((label, Decimal(str(bracket["factor"]))))
        previous = upper
    rows.append((_("No data"), Decimal(str(table.get("none")))))
    return rows


def readable_tables(scheme) -> list[tuple[str, list[tuple[str, Decimal]]]]:
    """The scheme's factor tables as (title, [(input, factor)]) rows a person can read."""
    level = [(_("Level %(n)s") % {"n": key}, Decimal(str(scheme.level_factors[key]))) for key in "12345"]
    level.append((_("Not rated"), Decimal(str(scheme.level_factors["none"]))))
    grade = [(key, Decimal(str(scheme.grade_factors[key]))) for key in "ABCD"]
    grade.append((_("No grade"), Decimal(str(scheme.grade_factors["none"]))))
    return [
        (FACTOR_LABELS[0], level),
        (FACTOR_LABELS[1], grade),
        (FACTOR_LABELS[2], _bracket_rows(scheme.inspection_factors)),
        (FACTOR_LABELS[3], _bracket_rows(scheme.loss_ratio_factors)),
    ]


@page
def scheme_list(request):
    """Schemes grouped by region and year, newest version first; a page holds whole groups."""
    user = request.user
    schemes = selectors.schemes_for(user)
    region_code = request.GET.get("region", "")
    year = request.GET.get("year", "")
    if region_code.isdigit() and len(region_code) == 6:
        schemes = schemes.filter(region_q("region", region_code))
    if year.isdigit():
        schemes = schemes.filter(year=int(year))
    keys = schemes.order_by("-year", "region_id").values_list("year", "region_id").distinct()
    page_obj = Paginator(keys, SCHEME_GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    wanted = Q(pk__in=[])
    for key_year, key_region in page_obj.object_list:
        wanted |= Q(year=key_year, region_id=key_region)
    groups: dict = {}
    for scheme in schemes.filter(wanted).order_by("-year", "region_id", "-version"):
        group = groups.setdefault((scheme.year, scheme.region_id), {"region": scheme.region, "year": scheme.year, "versions": []})
        group["versions"].append(scheme)
    for group in groups.values():
        group["current"] = group["versions"][0]
        group["may_version"] = _may_keep_schemes(user) and region_in_scope(user, group["region"].code)
        group["tables"] = readable_tables(group["current"])
    years = selectors.schemes_for(user).order_by("-year").values_list("year", flat=True).distinct()
    return render(request, "insurance/scheme_list.html", {
        "groups": list(groups.values()),
        "page_obj": page_obj,
        "years": list(years),
        "year": year,
        "region_code": region_code,
        "may_create": _may_keep_schemes(user),
        "filtered": bool(region_code or year),
    })


@page
def scheme_create(request):
    user = request.user
    if not _may_keep_schemes(user):
        raise PermissionDenied
    code = request.GET.get("region") or (user.region_id if user.role == Role.REGULATOR else "")
    region = regions_for(user).filter(code=code).first() if code else None
    if region is not None and not region_in_scope(user, region.code):
        region = None
    year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else timezone.localdate().year
    source = None
    if region is not None:
        # The newest version for this region (this year's if there is one), else the province's:
        # what the region's policies are rated with today.
        for code in dict.fromkeys([region.code, region.code[:2] + "0000"]):
            own = selectors.schemes_for(user).filter(region_id=code)
            source = own.filter(year=year).order_by("-version").first() or own.order_by("-year", "-version").first()
            if source is not None:
                break
    form = SchemeForm(request.POST or None, user=user, initial=SchemeForm.initial_for(source=source, region=region, year=year))
    if request.method == "POST" and form.is_valid():
        try:
            scheme = services.create_scheme(actor=user, **form.service_kwargs())
        except FIXABLE_ERRORS as exc:
            table = str(getattr(exc, "detail", "")).split(":")[0].split("[")[0].split(".")[0]
            if getattr(exc, "code", "") == "invalid_factor_table" and table in form.fields:
                form.add_error(table, str(exc.detail))  # next to the table it is about
            else:
                add_service_errors(form, exc)
        else:
            messages.success(request, _("Published %(name)s, version %(version)s.") % {
                "name": scheme.name, "version": scheme.version})
            return redirect(f"{reverse('scheme-list')}?region={scheme.region_id}&year={scheme.year}")
    return render(request, "insurance/scheme_form.html", {"form": form, "source": source})


# --- coverage -----------------------------------------------------------------------------------


def _trail(user, region) -> list[dict]:
    """Breadcrumb province → city → county down to `region`; links only within the user's scope."""
    if region is None:
        return []
    codes = list(dict.fromkeys([region.code[:2] + "0000", region.code[:4] + "00", region.code]))
    names = dict(regions_for(user).filter(code__in=codes).values_list("code", "name"))
    return [
        {"code": code, "name": names.get(code, code), "link": code != region.code and region_in_scope(user, code)}
        for code in codes
        if code in names
    ]


def _coverage(request):
    user = request.user
    region = selectors.coverage_region(user, request.GET.get("region"))
    return region, selectors.coverage_for(user, region)


@page
def coverage(request):
    user = request.user
    region, data = _coverage(request)
    drill = region is None or region.level in (RegionLevel.PROVINCE, RegionLevel.CITY)
    uninsured = institutions_for(user).filter(insured=False, is_active=True)
    if region is not None:
        uninsured = uninsured.filter(region_q("region", region.code))
    region_param = f"&region={region.code}" if region else ""
    chart = {
        "labels": [row.name for row in data.rows],
        "institutions": [float(row.institution_rate) if row.institution_rate is not None else None for row in data.rows],
        "beds": [float(row.bed_rate) if row.bed_rate is not None else None for row in data.rows],
        "payers": [label for _payer, label, _amount in data.funding_by_payer],
        "amounts": [float(amount) for _payer, _label, amount in data.funding_by_payer],
        "text": {"institutions": _("Institutions insured (%)"), "beds": _("Beds insured (%)"), "yuan": _("yuan")},
    }
    return render(request, "insurance/coverage.html", {
        "coverage": data,
        "region": region,
        "trail": _trail(user, region),
        "country_root": user.role == Role.ADMIN,
        "drill": drill,
        "expiring": [
            (days, count, f"{reverse('policy-list')}?expiring_within={days}{region_param}")
            for days, count in data.expiring.items()
        ],
        "uninsured": list(uninsured.order_by("name", "pk")[:UNINSURED_SHOWN]),
        "uninsured_count": data.total.institutions - data.total.insured_institutions,
        "uninsured_url": f"{reverse('institution-list')}?insured=false&is_active=true{region_param}",
        "chart": chart,
        "region_code": region.code if region else "",
    })


def coverage_table(data) -> tuple[list[str], list[list]]:
    """The child-region table of the page, as export rows (the total last)."""
    headers = [_("Region code"), _("Region"), _("Institutions"), _("Insured institutions"), _("Institutions insured (%)"),
               _("Beds"), _("Insured beds"), _("Beds insured (%)")]

    def row(r, code, name):
        return [code, name, r.institutions, r.insured_institutions, r.institution_rate, r.beds, r.insured_beds, r.bed_rate]

    rows = [row(r, r.code, r.name) for r in data.rows]
    rows.append(row(data.total, data.total.code, _("Total")))
    return headers, rows


@page
def coverage_export(request):
    import openpyxl

    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        raise Http404
    region, data = _coverage(request)
    headers, rows = coverage_table(data)
    filename = f"coverage-{region.code if region else 'all'}-{data.as_of:%Y%m%d}.{fmt}"
    if fmt == "csv":
        content = csv_bytes([headers], ([("" if v is None else v) for v in r] for r in rows))
    else:
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Coverage"))
        sheet.append(headers)
        for r in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in r])
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
