"""Recomputing credit scores, set-based: the facts of a batch of homes in a handful of queries,
scores computed in memory, snapshots written in bulk, and the institution's denormalised
credit_score / credit_grade updated only where they changed.

A new snapshot is written only when the result differs from the home's latest one (score, grade,
rule set or breakdown); otherwise the latest snapshot is confirmed (its as_of and computed_at move
on). So the history holds every change, and running twice on a day writes nothing new.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.scoping import region_in_scope, scoped
from config.errors import NotAllowed, NotFound, ValidationFailed
from credit.facts import facts_for
from credit.models import CreditScore
from credit.rule_sets import applicable, published_by_province
from credit.scoring import label, score
from institutions.models import Institution

BATCH = 2000
RECOMPUTERS = (Role.ADMIN, Role.REGULATOR)


def _batches(ids: list[int]):
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def recompute(*, as_of: date, institution_ids=None, actor=None, progress=None) -> int:
    """Score every active home (or the given ones) on `as_of`. Returns how many new snapshots
    were written. `actor` is recorded by nobody yet: scores are computed, not decided.
    `progress(done, total)` is called after each batch."""
    national, provinces = published_by_province()
    homes = Institution.objects.filter(is_active=True)
    if institution_ids is not None:
        homes = homes.filter(pk__in=list(institution_ids))
    rows = {pk: (region, score_, grade) for pk, region, score_, grade in
            homes.order_by("pk").values_list("pk", "region_id", "credit_score", "credit_grade")}
    written, done = 0, 0
    for batch in _batches(list(rows)):
        written += _recompute_batch(batch, rows, as_of, national, provinces)
        done += len(batch)
        if progress:
            progress(done, len(rows))
    return written


@transaction.atomic
def _recompute_batch(batch, rows, as_of, national, provinces) -> int:
    now = timezone.now()
    facts = facts_for(batch, as_of)
    latest = {s.institution_id: s for s in CreditScore.objects.filter(institution_id__in=batch, is_latest=True)
              .only("id", "institution_id", "rule_set_id", "score", "grade", "breakdown")}
    fresh, confirmed, changed_homes = [], [], []
    for pk in batch:
        region, old_score, old_grade = rows[pk]
        rule_set = applicable(region, national, provinces)
        if rule_set is None or pk not in facts:
            continue
        result = score(facts[pk], rule_set.rules, rule_set.base_score, rule_set.grade_cutoffs, as_of)
        previous = latest.get(pk)
        if previous and (previous.rule_set_id, previous.score, previous.grade, previous.breakdown) == (
                rule_set.pk, result.score, result.grade, result.breakdown):
            confirmed.append(previous.pk)
        else:
            fresh.append(CreditScore(institution_id=pk, rule_set=rule_set, score=result.score, grade=result.grade,
                                     as_of=as_of, computed_at=now, breakdown=result.breakdown, is_latest=True))
        if (old_score, old_grade) != (result.score, result.grade):
            changed_homes.append(Institution(pk=pk, credit_score=result.score, credit_grade=result.grade,
                                             updated_at=now))
    if confirmed:
        CreditScore.objects.filter(pk__in=confirmed).update(as_of=as_of, computed_at=now)
    if fresh:
        CreditScore.objects.filter(institution_id__in=[s.institution_id for s in fresh], is_latest=True).update(
            is_latest=False, updated_at=now)
        CreditScore.objects.bulk_create(fresh)
    if changed_homes:
        Institution.objects.bulk_update(changed_homes, ["credit_score", "credit_grade", "updated_at"])
    return len(fresh)


def recompute_one(*, actor, institution_id: int) -> CreditScore:
    """The on-demand action: a regulator of the home's region or an administrator recomputes its
    score today and gets the latest snapshot back."""
    home = Institution.objects.filter(pk=institution_id).values_list("region_id", "is_active").first()
    visible = home is not None and (
        region_in_scope(actor, home[0]) or (actor.role == Role.INSTITUTION and actor.institution_id == institution_id))
    if not visible:
        raise NotFound()
    if actor.role not in RECOMPUTERS:
        raise NotAllowed(_("Only regulators and administrators may recompute a credit score."))
    if not home[1]:
        raise ValidationFailed(_("A deactivated institution is not scored."), code="inactive_institution")
    recompute(as_of=timezone.localdate(), institution_ids=[institution_id], actor=actor)
    latest = CreditScore.objects.select_related("rule_set").filter(institution_id=institution_id,
                                                                   is_latest=True).first()
    if latest is None:
        raise ValidationFailed(_("No published scoring rule set applies to this institution."), code="no_rule_set")
    return latest


# Reads ---------------------------------------------------------------------------------------

def scores_for(user):
    """Score snapshots the user may see (regulators and inspectors: their region; an institution:
    its own; insurers: none, the scope has no insurer path), with what lists show."""
    return scoped(user, CreditScore.objects.select_related("institution", "rule_set"))


def latest_scores_for(user):
    return scores_for(user).filter(is_latest=True)


def relabel(breakdown: list[dict]) -> list[dict]:
    """The stored breakdown with each rule's label in the active language."""
    return [{**line, "label": label(line["rule"], line.get("label", ""))} for line in breakdown]
