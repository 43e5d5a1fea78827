"""The navigation a role sees. Entries are URL names, so accounts needs no other app's code."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role

# (label, url name, roles that see it; None = every signed-in user)
MENU = [
    (_("Home"), "home", None),
    (_("Institutions"), "institution-list", {Role.ADMIN, Role.REGULATOR, Role.INSPECTOR}),
    (_("My institution"), "my-institution", {Role.INSTITUTION}),
    (_("Practitioners"), "practitioner-list", {Role.ADMIN, Role.REGULATOR, Role.INSTITUTION}),
    (_("Policies"), "policy-list", {Role.ADMIN, Role.REGULATOR, Role.INSTITUTION, Role.INSURER}),
    (_("Coverage"), "coverage", {Role.ADMIN, Role.REGULATOR}),
    (_("Rating schemes"), "scheme-list", {Role.ADMIN, Role.REGULATOR, Role.INSURER}),
    (_("Inspections"), "inspection-list", {Role.ADMIN, Role.REGULATOR, Role.INSPECTOR, Role.INSTITUTION}),
    (_("Findings"), "finding-list", {Role.ADMIN, Role.REGULATOR, Role.INSPECTOR, Role.INSTITUTION}),
    (_("Inspection overview"), "inspection-overview", {Role.ADMIN, Role.REGULATOR}),
    (_("Due for inspection"), "due-inspections", {Role.ADMIN, Role.REGULATOR, Role.INSPECTOR}),
    (_("Random draws"), "draw-list", {Role.ADMIN, Role.REGULATOR, Role.INSPECTOR}),
    (_("Checklists"), "checklist-list", {Role.ADMIN, Role.REGULATOR, Role.INSPECTOR}),
    (_("Penalties"), "penalty-list", {Role.ADMIN, Role.REGULATOR}),
    (_("Import"), "institution-import", {Role.ADMIN, Role.REGULATOR}),
    (_("API docs"), "api-docs", {Role.ADMIN, Role.REGULATOR, Role.INSURER}),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    unread = user.notifications.filter(read_at__isnull=True).count()
    items = []
    for label, name, roles in MENU:
        if roles is not None and user.role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": False})
    # Highlight only the deepest entry containing this page (/institutions/import/ is Import, not Institutions).
    matches = [item for item in items if request.path == item["url"] or (item["url"] != "/" and request.path.startswith(item["url"]))]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items, "unread_notifications": unread}
