"""Credit pages (issue 6): an institution's credit page (score, grade, the breakdown rule by rule
with links to the facts, the history as a chart and a table), "My credit" for the institution user,
the regulators' recompute button, and the scoring rule sets (list, detail; a province's regulators
copy, edit and publish their own)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from config.errors import Conflict, ValidationFailed
from credit import rule_sets
from credit.choices import RuleSetStatus
from credit.models import ScoringRuleSet
from credit.api.scores import CreditScoreFilter
from credit.scores import RECOMPUTERS, latest_scores_for, recompute_one, relabel, scores_for
from credit.scoring import RULE_LABELS, label
from institutions.selectors import institutions_for
from institutions.views import page, paginate

HISTORY_SHOWN = 120
FACT_PAGES = {
    "finding": "finding-detail",
    "inspection": "inspection-detail",
    "incident": "incident-detail",
    "policy": "policy-detail",
    "complaint": "complaint-detail",
}


def fact_url(fact: dict, institution_id: int) -> str | None:
    """The page of a fact behind a deduction, where there is one."""
    if fact["type"] == "penalty":
        return f"{reverse('penalty-list')}?institution={institution_id}"
    name = FACT_PAGES.get(fact["type"])
    try:
        return reverse(name, args=[fact["id"]]) if name else None
    except NoReverseMatch:
        return None


@page
def score_detail(request, pk: int):
    user = request.user
    institution = institutions_for(user).filter(pk=pk).first()
    if institution is None:
        raise Http404
    snapshots = list(scores_for(user).filter(institution_id=pk).order_by("-as_of", "-computed_at", "-id")
                     [:HISTORY_SHOWN])
    latest = next((s for s in snapshots if s.is_latest), None)
    lines = []
    if latest:
        for line in relabel(latest.breakdown):
            facts = [{**fact, "url": fact_url(fact, pk)} for fact in line["facts"]]
            lines.append({**line, "facts": facts})
    series = list(reversed(snapshots))
    chart = {
        "labels": [s.as_of.isoformat() for s in series],
        "scores": [float(s.score) for s in series],
        "cutoffs": {k: float(v) for k, v in (latest.rule_set.grade_cutoffs if latest else {}).items()},
        "text": {"score": _("Score"), "cutoff": _("Grade %(grade)s from")},
    }
    return render(request, "credit/score_detail.html", {
        "institution": institution, "latest": latest, "lines": lines, "history": snapshots, "chart": chart,
        "may_recompute": user.role in RECOMPUTERS and institution.is_active,
    })


@page
def my_credit(request):
    if request.user.role != Role.INSTITUTION or not request.user.institution_id:
        raise Http404
    return redirect("credit-score-detail", pk=request.user.institution_id)


@page
@require_POST
def score_recompute(request, pk: int):
    try:
        recompute_one(actor=request.user, institution_id=pk)
    except ValidationFailed as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("Credit score recomputed."))
    return redirect("credit-score-detail", pk=pk)


def _rule_sets_for(user):
    """Regulators and administrators read every rule set that may apply in their scope: national
    ones and their province's."""
    if user.role == Role.ADMIN:
        return ScoringRuleSet.objects.select_related("region")
    if user.role not in (Role.REGULATOR, Role.INSPECTOR) or not user.region_id:
        raise PermissionDenied
    province = rule_sets.province_of(user.region_id)
    return ScoringRuleSet.objects.select_related("region").filter(Q(region__isnull=True) | Q(region_id=province))


def _may_keep(user, rule_set=None) -> bool:
    if user.role == Role.ADMIN:
        return True
    keeps = user.role == Role.REGULATOR and bool(user.region_id) and user.region_id.endswith("0000")
    return keeps and (rule_set is None or rule_set.region_id in (None, user.region_id))


@page
def ruleset_list(request):
    items = _rule_sets_for(request.user).order_by("code", "-version")
    return render(request, "credit/ruleset_list.html", {"rule_sets": items, "may_keep": _may_keep(request.user)})


@page
def ruleset_detail(request, pk: int):
    user = request.user
    rule_set = _rule_sets_for(user).filter(pk=pk).first()
    if rule_set is None:
        raise Http404
    errors = {}
    editable = rule_set.status == RuleSetStatus.DRAFT and _may_keep(user, rule_set)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "copy" and _may_keep(user, rule_set):
                copy = rule_sets.copy_to_draft(actor=user, rule_set_id=pk, region_code=request.POST.get("region") or None)
                messages.success(request, _("Draft created."))
                return redirect("ruleset-detail", pk=copy.pk)
            if action == "save" and editable:
                rule_sets.edit_draft(actor=user, rule_set_id=pk, **_posted(request.POST, rule_set))
                messages.success(request, _("Rule set saved."))
                return redirect("ruleset-detail", pk=pk)
            if action == "publish" and editable:
                rule_sets.publish(actor=user, rule_set_id=pk)
                messages.success(request, _("Rule set published."))
                return redirect("ruleset-detail", pk=pk)
            raise PermissionDenied
        except ValidationFailed as exc:
            errors = exc.fields or {"": [str(exc.detail)]}
        except Conflict as exc:
            errors = {"": [str(exc.detail)]}
    rules = [{"code": code, "label": label(code), "params": [
        {"name": name, "value": value, "field": f"rules.{code}.{name}",
         "errors": errors.get(f"rules.{code}.{name}", [])} for name, value in params.items()]}
        for code, params in rule_set.rules.items()]
    return render(request, "credit/ruleset_detail.html", {
        "rule_set": rule_set, "rules": rules, "editable": editable, "errors": errors,
        "may_copy": _may_keep(user, rule_set), "cutoffs": [(g, rule_set.grade_cutoffs.get(g, "")) for g in "ABC"],
        "other_errors": [m for key, msgs in errors.items() if not key.startswith("rules.") for m in msgs],
    })


def _posted(data, rule_set) -> dict:
    rules = {code: {name: data.get(f"rules.{code}.{name}", value) for name, value in params.items()}
             for code, params in rule_set.rules.items() if code in RULE_LABELS}
    return {"rules": rules, "grade_cutoffs": {g: data.get(f"cutoff.{g}", "") for g in "ABC"},
            "base_score": data.get("base_score", rule_set.base_score)}



@page
def score_list(request):
    """Latest scores in scope, lowest first: the homes to look at."""
    user = request.user
    if user.role not in (Role.ADMIN, Role.REGULATOR, Role.INSPECTOR):
        raise PermissionDenied
    filterset = CreditScoreFilter(request.GET or None, queryset=latest_scores_for(user).select_related(
        "institution__region").order_by("score", "institution__name", "id"))
    return render(request, "credit/score_list.html", {
        "filterset": filterset, "scores": paginate(request, filterset.qs if filterset.is_bound and
                                                   filterset.is_valid() else filterset.queryset),
    })
