"""Check digits of Chinese identifiers, via python-stdnum (GB 32100 and GB 11643)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc


def validate_uscc(value: str) -> None:
    if not uscc.is_valid(value or ""):
        raise ValidationError(
            _("Not a valid unified social credit code (18 characters, GB 32100 check digit)."), code="invalid_uscc"
        )


def validate_id_number(value: str) -> None:
    if not ric.is_valid(value or ""):
        raise ValidationError(
            _("Not a valid resident ID number (18 characters, GB 11643 check digit)."), code="invalid_id_number"
        )
