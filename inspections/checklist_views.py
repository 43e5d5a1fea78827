"""HTML pages of checklist templates: the list, a template with its joint list per department
(一表通查), copying to a local version and the draft editor.

Thin, like the other rooms' pages: reads start from inspections.checklist_selectors, writes go
through inspections.checklists, whose refusals are shown where the person can act on them
(NotAllowed → 403 and NotFound → 404 through institutions.views.page). Regulators and
administrators keep templates; inspectors read them; other roles get 403.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Department
from config.errors import Conflict
from institutions.forms import FIXABLE_ERRORS, add_service_errors
from institutions.views import page, paginate
from inspections import checklists as services
from inspections.checklist_forms import CopyForm, DepartmentsForm, ItemForm, TemplateFilterForm, TemplateForm
from inspections.checklist_selectors import (
    CHECKLIST_READERS,
    combined_items,
    sections_of,
    template_detail_for,
    templates_for,
)
from inspections.choices import TemplateStatus
from inspections.models import ChecklistItem


def _require_reader(user) -> None:
    if user.role not in CHECKLIST_READERS:
        raise PermissionDenied


def _template_or_404(user, pk):
    template = template_detail_for(user, pk)
    if template is None:
        raise Http404
    return template


def _department_counts(template) -> list[dict]:
    """Items per department, for the department filter (a department with none is still shown)."""
    counts = {code: 0 for code in Department.values}
    for item in template.items.all():
        counts[item.department] += 1
    return [{"code": code, "label": label, "count": counts[code]} for code, label in Department.choices]


@page
def checklist_list(request):
    user = request.user
    _require_reader(user)
    form = TemplateFilterForm(request.GET or None)
    templates = templates_for(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            templates = templates.filter(Q(name__icontains=data["q"]) | Q(code__icontains=data["q"]))
        if data["status"]:
            templates = templates.filter(status=data["status"])
        if data["department"]:
            templates = templates.filter(pk__in=ChecklistItem.objects.filter(department=data["department"])
                                         .values("template_id"))
    elif form.is_bound:
        templates = templates.none()
    # National versions first, then by region; within a code the newest version on top.
    templates = templates.order_by(F("region_id").asc(nulls_first=True), "code", "-version", "pk")
    return render(request, "inspections/checklist_list.html", {
        "form": form,
        "page_obj": paginate(request, templates),
        "filtered": form.is_bound and any(request.GET.get(name) for name in form.fields),
    })


@page
def checklist_detail(request, pk):
    user = request.user
    _require_reader(user)
    template = _template_or_404(user, pk)
    departments_form = DepartmentsForm(request.GET or None)
    chosen = departments_form.cleaned_data["department"] if departments_form.is_valid() else []
    groups = combined_items(template, chosen or None)
    return render(request, "inspections/checklist_detail.html", {
        "template": template,
        "groups": groups,
        "shown_count": sum(len(group.items) for group in groups),
        "departments": _department_counts(template),
        "chosen": chosen,
        "may_copy": services.may_keep_templates(user) and template.status != TemplateStatus.DRAFT,
        "may_edit": services.may_edit(user, template),
        "copy_form": CopyForm(),
    })


@page
@require_POST
def checklist_copy(request, pk):
    user = request.user
    form = CopyForm(request.POST)
    name = form.cleaned_data["name"] if form.is_valid() else ""
    try:
        copy = services.copy_template(actor=user, template_id=pk, name=name or None)
    except Conflict as exc:
        messages.error(request, str(exc.detail))
        draft = (exc.fields.get("draft") or [None])[0]
        if draft and template_detail_for(user, int(draft)) is not None:
            return redirect("checklist-edit", pk=int(draft))
        return redirect("checklist-detail", pk=pk)
    messages.success(request, _("Draft version %(version)s created. Edit its items, then publish it.")
                     % {"version": copy.version})
    return redirect("checklist-edit", pk=copy.pk)


def _draft_or_redirect(request, pk):
    """The draft for the editor pages, or a redirect to the template page when it cannot change."""
    user = request.user
    if not services.may_keep_templates(user):
        raise PermissionDenied
    template = _template_or_404(user, pk)
    if template.status != TemplateStatus.DRAFT:
        messages.info(request, _("A published checklist version is never edited; copy it to a new draft version instead."))
        return template, redirect("checklist-detail", pk=pk)
    if not services.may_edit(user, template):
        raise Http404  # a draft of a region above: not the user's to change
    return template, None


def _editor(request, template, *, template_form=None, item_form=None, status=200):
    sections = sections_of(template)
    return render(request, "inspections/checklist_edit.html", {
        "template": template,
        "groups": combined_items(template),
        "template_form": template_form or TemplateForm(initial={"name": template.name,
                                                                "description": template.description}),
        "item_form": item_form or ItemForm(sections=sections),
        "sections": sections,
    }, status=status)


@page
def checklist_edit(request, pk):
    """The draft editor: name and description, the items by section, a form to add one."""
    template, refused = _draft_or_redirect(request, pk)
    if refused:
        return refused
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                services.update_template(actor=request.user, template_id=pk, **form.cleaned_data)
            except FIXABLE_ERRORS as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("checklist-edit", pk=pk)
        return _editor(request, template, template_form=form, status=400)
    return _editor(request, template)


@page
@require_POST
def checklist_item_add(request, pk):
    template, refused = _draft_or_redirect(request, pk)
    if refused:
        return refused
    form = ItemForm(request.POST, sections=sections_of(template))
    if form.is_valid():
        try:
            item = services.add_item(actor=request.user, template_id=pk, **form.service_kwargs())
        except FIXABLE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Item %(code)s added.") % {"code": item.code})
            return redirect(reverse("checklist-edit", kwargs={"pk": pk}) + f"#item-{item.pk}")
    return _editor(request, template, item_form=form, status=400)


@page
def checklist_item_edit(request, pk, item_pk):
    template, refused = _draft_or_redirect(request, pk)
    if refused:
        return refused
    item = next((item for item in template.items.all() if item.pk == item_pk), None)
    if item is None:
        raise Http404
    sections = sections_of(template)
    form = ItemForm(request.POST or None, initial=ItemForm.initial_for(item), sections=sections, require_order=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_item(actor=request.user, item_id=item.pk, **form.service_kwargs())
        except FIXABLE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Item %(code)s saved.") % {"code": form.cleaned_data["code"]})
            return redirect(reverse("checklist-edit", kwargs={"pk": pk}) + f"#item-{item.pk}")
    return render(request, "inspections/checklist_item_form.html", {
        "template": template, "item": item, "form": form, "sections": sections,
    }, status=400 if form.errors else 200)


@page
@require_POST
def checklist_item_remove(request, pk, item_pk):
    template, refused = _draft_or_redirect(request, pk)
    if refused:
        return refused
    if not any(item.pk == item_pk for item in template.items.all()):
        raise Http404
    try:
        services.remove_item(actor=request.user, item_id=item_pk)
    except FIXABLE_ERRORS as exc:
        messages.error(request, str(getattr(exc, "detail", exc)))
    else:
        messages.success(request, _("Item removed."))
    return redirect("checklist-edit", pk=pk)


@page
@require_POST
def checklist_publish(request, pk):
    try:
        template = services.publish_template(actor=request.user, template_id=pk)
    except FIXABLE_ERRORS as exc:
        messages.error(request, str(getattr(exc, "detail", exc)))
        return redirect("checklist-edit" if getattr(exc, "code", "") == "checklist_empty" else "checklist-detail", pk=pk)
    messages.success(request, _("Version %(version)s published; the version it replaces is retired.")
                     % {"version": template.version})
    return redirect("checklist-detail", pk=pk)


@page
@require_POST
def checklist_discard(request, pk):
    try:
        services.discard_draft(actor=request.user, template_id=pk)
    except FIXABLE_ERRORS as exc:
        messages.error(request, str(getattr(exc, "detail", exc)))
        return redirect("checklist-detail", pk=pk)
    messages.success(request, _("Draft discarded."))
    return redirect("checklist-list")
