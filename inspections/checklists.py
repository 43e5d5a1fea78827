"""Every write of checklist templates: local versions, their drafts, publication.

A published version is never edited (inspections and findings point at its items): a change is a
copy — a new draft version — edited, then published, which retires the version it replaces.

Who may do what:
- regulators keep the templates of their own region and the regions below it (a copy is made for
  the regulator's own region); administrators keep every template, a copy of theirs belongs to
  their region or, without one, is a new national version;
- inspectors only read; institutions and insurers have nothing to do here (403);
- a template outside the actor's jurisdiction answers 404, as if it did not exist.
"""

import re

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.scoping import region_q
from config.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from inspections.checklist_data import ORDER_STEP
from inspections.checklist_selectors import visible_q
from inspections.choices import ClauseSource, TemplateStatus
from inspections.models import ChecklistItem, ChecklistTemplate

TEMPLATE_KEEPERS = frozenset({Role.ADMIN, Role.REGULATOR})
ITEM_FIELDS = ("code", "section", "order", "text", "guidance", "source", "clause", "department", "is_major_hazard")
CODE_MAX = ChecklistTemplate._meta.get_field("code").max_length
_REGION_SUFFIX = re.compile(r"-\d{6}$")


def may_keep_templates(user) -> bool:
    return user.is_authenticated and user.role in TEMPLATE_KEEPERS


def in_jurisdiction_q(user) -> Q:
    """Templates the user may change: every one for an administrator, those of the regulator's
    region or below for a regulator (never a national one)."""
    if user.role == Role.ADMIN:
        return Q()
    return region_q("region", user.region_id)


def may_edit(user, template: ChecklistTemplate) -> bool:
    """For pages: may this user change this draft (the services decide again, under lock)?"""
    if not may_keep_templates(user) or template.status != TemplateStatus.DRAFT:
        return False
    return ChecklistTemplate.objects.filter(in_jurisdiction_q(user), pk=template.pk).exists()


def _require_keeper(actor) -> None:
    if not may_keep_templates(actor):
        raise NotAllowed(_("Only regulators keep checklist templates."))


def _draft_for_edit(actor, template_id) -> ChecklistTemplate:
    """The draft, locked, after the role, scope and state checks every edit needs."""
    _require_keeper(actor)
    template = (
        ChecklistTemplate.objects.select_for_update()
        .filter(in_jurisdiction_q(actor), pk=template_id)
        .first()
    )
    if template is None:
        raise NotFound
    if template.status != TemplateStatus.DRAFT:
        raise Conflict(
            _("A published checklist version is never edited; copy it to a new draft version instead."),
            code="checklist_not_draft",
        )
    if template.inspections.exists():
        raise Conflict(_("This checklist is used by an inspection and can no longer change."), code="checklist_in_use")
    return template


def _derived_code(source: ChecklistTemplate, region_id: str | None) -> str:
    """The code of a copy: the source's own when it stays in the same region (a next version),
    otherwise the national root code plus the region, e.g. joint-safety-440100."""
    if source.region_id == region_id:
        return source.code
    root = _REGION_SUFFIX.sub("", source.code)
    if region_id is None:
        return root
    return f"{root[: CODE_MAX - 7]}-{region_id}"


def _check_item_code(template: ChecklistTemplate, code: str, *, exclude_pk=None) -> None:
    taken = template.items.filter(code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationFailed(
            _("Another item of this checklist already has the code %(code)s.") % {"code": code},
            code="duplicate_item_code", fields={"code": [_("This code is already used in this checklist.")]},
        )


def _touch(template: ChecklistTemplate) -> None:
    """Item changes move the template's updated_at, so API clients polling it see them."""
    template.save(update_fields=["updated_at"])


@transaction.atomic
def copy_template(*, actor, template_id: int, name: str | None = None) -> ChecklistTemplate:
    """A new draft version copied from a template the actor can see, for the actor's region."""
    _require_keeper(actor)
    source = ChecklistTemplate.objects.select_for_update().filter(visible_q(actor), pk=template_id).first()
    if source is None:
        raise NotFound
    if source.status == TemplateStatus.DRAFT:
        raise Conflict(_("Publish this draft before copying it."), code="checklist_is_draft")
    region_id = actor.region_id
    code = _derived_code(source, region_id)
    existing = ChecklistTemplate.objects.filter(code=code, status=TemplateStatus.DRAFT).first()
    if existing is not None:
        raise Conflict(
            _("A draft of this checklist is already being edited: %(name)s, version %(version)s.")
            % {"name": existing.name, "version": existing.version},
            code="checklist_draft_exists", fields={"draft": [str(existing.pk)]},
        )
    version = (ChecklistTemplate.objects.filter(code=code).aggregate(v=Max("version"))["v"] or 0) + 1
    if not name:
        name = source.name
        if region_id and source.region_id != region_id:
            name = f"{source.name}（{actor.region.name}）"
    copy = ChecklistTemplate(
        code=code, version=version, name=name, description=source.description, region_id=region_id,
        status=TemplateStatus.DRAFT, based_on=source, created_by=actor,
    )
    copy.full_clean()
    try:
        with transaction.atomic():
            copy.save()
    except IntegrityError as exc:  # someone else made this version a moment ago
        raise Conflict(_("Another version was just created; reload and try again."), code="checklist_race") from exc
    # One copy is one act, recorded by the template's own audit entry (with based_on); the
    # items are the source's, row for row, so they are written in one statement.
    ChecklistItem.objects.bulk_create(
        ChecklistItem(template=copy, **{name_: getattr(item, name_) for name_ in ITEM_FIELDS})
        for item in source.items.order_by("order", "id")
    )
    return copy


@transaction.atomic
def update_template(*, actor, template_id: int, name: str, description: str = "") -> ChecklistTemplate:
    template = _draft_for_edit(actor, template_id)
    template.name = name
    template.description = description
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def add_item(
    *,
    actor,
    template_id: int,
    code: str,
    section: str,
    text: str,
    clause: str,
    department: str,
    source: str = ClauseSource.LOCAL,
    guidance: str = "",
    order: int | None = None,
    is_major_hazard: bool = False,
) -> ChecklistItem:
    """A new item of a draft; without an order it goes last."""
    template = _draft_for_edit(actor, template_id)
    _check_item_code(template, code)
    if order is None:
        order = (template.items.aggregate(o=Max("order"))["o"] or 0) + ORDER_STEP
    item = ChecklistItem(
        template=template, code=code, section=section, order=order, text=text, guidance=guidance, source=source,
        clause=clause, department=department, is_major_hazard=is_major_hazard,
    )
    item.full_clean()
    item.save()
    _touch(template)
    return item


def _item_of_draft(actor, item_id) -> tuple[ChecklistTemplate, ChecklistItem]:
    template_id = ChecklistItem.objects.filter(pk=item_id).values_list("template_id", flat=True).first()
    if template_id is None:
        _require_keeper(actor)  # a missing item answers the same as one out of reach
        raise NotFound
    template = _draft_for_edit(actor, template_id)
    return template, template.items.get(pk=item_id)


@transaction.atomic
def update_item(
    *,
    actor,
    item_id: int,
    code: str,
    section: str,
    order: int,
    text: str,
    guidance: str,
    source: str,
    clause: str,
    department: str,
    is_major_hazard: bool,
) -> ChecklistItem:
    template, item = _item_of_draft(actor, item_id)
    _check_item_code(template, code, exclude_pk=item.pk)
    for name, value in (("code", code), ("section", section), ("order", order), ("text", text),
                        ("guidance", guidance), ("source", source), ("clause", clause),
                        ("department", department), ("is_major_hazard", is_major_hazard)):
        setattr(item, name, value)
    item.full_clean()
    item.save()
    _touch(template)
    return item


@transaction.atomic
def remove_item(*, actor, item_id: int) -> None:
    template, item = _item_of_draft(actor, item_id)
    item.delete()
    _touch(template)


@transaction.atomic
def publish_template(*, actor, template_id: int) -> ChecklistTemplate:
    """Publish a draft; the version of the same code and region published before it is retired."""
    template = _draft_for_edit(actor, template_id)
    if not template.items.exists():
        raise ValidationFailed(_("A checklist needs at least one item to be published."), code="checklist_empty")
    for older in ChecklistTemplate.objects.select_for_update().filter(
        code=template.code, region_id=template.region_id, status=TemplateStatus.PUBLISHED
    ):
        older.status = TemplateStatus.RETIRED
        older.save(update_fields=["status", "updated_at"])
    template.status = TemplateStatus.PUBLISHED
    template.published_at = timezone.now()
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def discard_draft(*, actor, template_id: int) -> None:
    """Throw a draft away with its items (nothing can point at a draft: it is checked above)."""
    template = _draft_for_edit(actor, template_id)
    template.delete()
