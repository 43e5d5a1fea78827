"""The navigation a role sees. Entries are URL names, so accounts needs no other app's code."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role

R, RI, INS = Role.REGULATOR, Role.INSPECTOR, Role.INSTITUTION
EVERYONE = None

# Menu groups: (group label or None for a top-level link, [(label, url name, roles that see it)]).
# A group a user sees only one entry of shows as a plain link.
MENU = [
    (None, [(_("Home"), "home", EVERYONE)]),
    (_("Registry"), [
        (_("Institutions"), "institution-list", {Role.ADMIN, R, RI}),
        (_("My institution"), "my-institution", {INS}),
        (_("Practitioners"), "practitioner-list", {Role.ADMIN, R, INS}),
        (_("Import"), "institution-import", {Role.ADMIN, R}),
    ]),
    (_("Insurance"), [
        (_("Policies"), "policy-list", {Role.ADMIN, R, INS, Role.INSURER}),
        (_("Coverage"), "coverage", {Role.ADMIN, R}),
        (_("Rating schemes"), "scheme-list", {Role.ADMIN, R, Role.INSURER}),
    ]),
    (_("Claims"), [
        (_("Claims"), "claim-list", {Role.ADMIN, R, INS, Role.INSURER}),
        (_("Incidents"), "incident-list", {Role.ADMIN, R, RI, INS, Role.INSURER}),
        (_("Claims disputes"), "claim-disputes", {Role.ADMIN, R}),
        (_("Claims statistics"), "claim-statistics", {Role.ADMIN, R, Role.INSURER}),
    ]),
    (_("Inspections"), [
        (_("Inspections"), "inspection-list", {Role.ADMIN, R, RI, INS}),
        (_("Findings"), "finding-list", {Role.ADMIN, R, RI, INS}),
        (_("Inspection overview"), "inspection-overview", {Role.ADMIN, R}),
        (_("Due for inspection"), "due-inspections", {Role.ADMIN, R, RI}),
        (_("Random draws"), "draw-list", {Role.ADMIN, R, RI}),
        (_("Checklists"), "checklist-list", {Role.ADMIN, R, RI}),
        (_("Penalties"), "penalty-list", {Role.ADMIN, R}),
    ]),
    (_("Credit"), [
        (_("Supervision dashboard"), "dashboard", {Role.ADMIN, R}),
        (_("Credit scores"), "credit-score-list", {Role.ADMIN, R, RI}),
        (_("My credit"), "my-credit", {INS}),
        (_("Blacklist cases"), "blacklist-list", {Role.ADMIN, R, INS}),
        (_("Complaints"), "complaint-list", {Role.ADMIN, R, INS}),
        (_("Key supervision"), "key-supervision", {Role.ADMIN, R, RI}),
        (_("Dishonesty records"), "dishonesty-list", {Role.ADMIN, R, RI}),
        (_("Scoring rule sets"), "ruleset-list", {Role.ADMIN, R}),
    ]),
    (None, [(_("API docs"), "api-docs", {Role.ADMIN, R, Role.INSURER})]),
]


def _visible(user, entries) -> list[dict]:
    items = []
    for label, name, roles in entries:
        if roles is not None and user.role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": False})
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_groups": []}
    unread = user.notifications.filter(read_at__isnull=True).count()
    groups = []
    for label, entries in MENU:
        items = _visible(user, entries)
        if not items:
            continue
        if label is None or len(items) == 1:
            groups.extend({"label": item["label"], "items": [item]} for item in items)
        else:
            groups.append({"label": label, "items": items})
    items = [item for group in groups for item in group["items"]]
    # Highlight only the deepest entry containing this page (/institutions/import/ is Import, not Institutions).
    matches = [item for item in items if request.path == item["url"] or (item["url"] != "/" and request.path.startswith(item["url"]))]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    for group in groups:
        group["active"] = any(item["active"] for item in group["items"])
    return {"nav_groups": groups, "unread_notifications": unread}
