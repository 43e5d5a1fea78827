"""State machines as data: a table of transitions, and one lookup that refuses illegal moves.

Each app declares `TRANSITIONS = [Transition(...), ...]` and performs the move (with its event row)
in its services; this module only answers "may this role do this action from this state?".
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from config.errors import Conflict, NotAllowed

SYSTEM = "system"  # the role of time-driven transitions run by `run_daily`


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]


def transition(action: str, sources, target: str, roles) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles))


def find_transition(
    table: list[Transition], *, action: str, state: str, role: str, labels: dict | None = None
) -> Transition:
    """The transition for `action` from `state`: 403 for a role that may never take it, 409 when no
    one may from this state, 403 when others may.

    `labels` (the status field's choices) puts the state's label, not its code, in the message."""
    candidates = [t for t in table if t.action == action]
    if not candidates:
        raise Conflict(_("Unknown action %(action)s.") % {"action": action}, code="unknown_action")
    if not any(role in t.roles for t in candidates):  # a role that never may: 403 whatever the state
        raise NotAllowed(_("Your role may not do this to the record."))
    from_here = [t for t in candidates if state in t.sources]
    if not from_here:
        raise Conflict(
            _("This is not possible while the record is “%(state)s”.") % {"state": (labels or {}).get(state, state)},
            code="invalid_transition",
        )
    for t in from_here:
        if role in t.roles:
            return t
    raise NotAllowed(_("Your role may not do this to the record."))
