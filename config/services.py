"""Small checks every room's services share: optimistic versions, the acting user, required text."""

from django.utils.translation import gettext as _

from config.errors import PreconditionFailed, ValidationFailed


def check_version(record, expected_version: int | None) -> None:
    """If-Match: the version the client last saw must still be the record's, else 412."""
    if expected_version is not None and expected_version != record.version:
        raise PreconditionFailed()


def actor_or_none(actor):
    """The user to record as having acted; None for the system (run_daily) or an unsaved user."""
    return actor if actor is not None and getattr(actor, "pk", None) else None


def required_text(value: str, field: str, message: str) -> str:
    """`value` stripped; a 400 naming `field` when it is empty."""
    if not (value or "").strip():
        raise ValidationFailed(message, fields={field: [_("This field is required.")]})
    return value.strip()
