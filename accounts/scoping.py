"""The one scoping rule. Every selector, API or HTML, filters through `scope_q`.

A model says how it reaches a region, an institution and an insurer by a class attribute
`scope = ScopePaths(...)`; this module never imports the models it scopes, so the dependency
arrow keeps pointing at accounts.

- admin: everything
- regulator, inspector: rows whose region is their region or below it (GB/T 2260 code prefix)
- institution: rows of its own institution
- insurer: rows of its own insurer
A path of None means the role sees none of that model.
"""

from dataclasses import dataclass

from django.db.models import Q

from accounts.choices import REGION_ROLES, Role

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class ScopePaths:
    region: str | None = None
    institution: str | None = None
    insurer: str | None = None


def region_prefix(code: str) -> str:
    """The significant prefix of a 6-digit division code: 44 for 440000, 4401 for 440100."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _crosses_to_many(model, path: str) -> bool:
    for name in path.split("__"):
        if name == "pk":
            return False
        field = model._meta.get_field(name)
        if field.one_to_many or field.many_to_many:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def _path_q(model, path: str, q: Q) -> Q:
    """`q` as written, or through a subquery when `path` crosses a to-many relation, which
    would otherwise repeat a row once per related match."""
    if _crosses_to_many(model, path):
        return Q(pk__in=model._base_manager.filter(q).values("pk"))
    return q


def region_q(path: str, code: str) -> Q:
    """Rows whose region (at `path`) is `code` or any division below it.

    A half-open range on the code — [prefix, prefix+1) — so one indexed range scan answers it on
    SQLite and PostgreSQL alike, with no recursion.
    """
    prefix = region_prefix(code)
    if len(prefix) == 6:
        return Q(**{path: code})
    upper = str(int(prefix) + 1).zfill(len(prefix))
    return Q(**{f"{path}__gte": prefix, f"{path}__lt": upper})


def scope_q(user, model) -> Q:
    """A filter selecting the rows of `model` that `user` may see."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return Q()
    paths: ScopePaths = model.scope
    if user.role in REGION_ROLES and paths.region and user.region_id:
        return _path_q(model, paths.region, region_q(paths.region, user.region_id))
    if user.role == Role.INSTITUTION and paths.institution and user.institution_id:
        return _path_q(model, paths.institution, Q(**{paths.institution: user.institution_id}))
    if user.role == Role.INSURER and paths.insurer and user.insurer_id:
        return _path_q(model, paths.insurer, Q(**{paths.insurer: user.insurer_id}))
    return NOTHING


def scoped(user, queryset):
    return queryset.filter(scope_q(user, queryset.model))


def region_in_scope(user, region_code: str) -> bool:
    """May this user act on something located in `region_code`?"""
    if user.role == Role.ADMIN:
        return True
    if user.role not in REGION_ROLES or not user.region_id:
        return False
    return region_code.startswith(region_prefix(user.region_id))


def sees_personal_data(user) -> bool:
    """ID and phone numbers in clear: administrators, regulators (blacklist and penalty
    procedures name people) and an institution for its own staff. Everyone else sees them masked."""
    return user.is_authenticated and user.role in {Role.ADMIN, Role.REGULATOR, Role.INSTITUTION}


def mask(value: str, keep_start: int = 3, keep_end: int = 4) -> str:
    if not value:
        return value
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
