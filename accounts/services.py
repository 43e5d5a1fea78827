"""Writes for users and API keys."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import REGION_ROLES, Role
from accounts.models import APIKey, IdempotencyRecord, User
from config.errors import NotFound, ValidationFailed

API_KEY_PREFIX = "cg"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def create_user(
    *,
    username: str,
    role: str,
    password: str,
    region=None,
    department: str = "",
    institution=None,
    insurer=None,
    full_name: str = "",
    email: str = "",
) -> User:
    """Create a user with exactly the scope anchor its role needs (and no other)."""
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role %(role)s.") % {"role": role}, fields={"role": [_("Unknown role.")]})
    user = User(
        username=username,
        role=role,
        full_name=full_name,
        email=email,
        region=region if role in REGION_ROLES else None,
        department=department if role == Role.INSPECTOR else "",
        institution=institution if role == Role.INSTITUTION else None,
        insurer=insurer if role == Role.INSURER else None,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def issue_api_key(*, user: User, days: int = 365, name: str = "") -> tuple[APIKey, str]:
    """Returns the stored key and the raw key, which is shown once and never stored."""
    if days < 1:
        raise ValidationFailed(_("A key must be valid for at least one day."), fields={"days": [_("Must be ≥ 1.")]})
    prefix = secrets.token_hex(4)
    raw = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = APIKey.objects.create(
        user=user, prefix=prefix, key_hash=_hash(raw), name=name, expires_at=timezone.now() + timedelta(days=days)
    )
    return key, raw


@transaction.atomic
def revoke_api_key(*, prefix: str) -> APIKey:
    key = APIKey.objects.select_for_update().filter(prefix=prefix).first()
    if key is None:
        raise NotFound(_("No API key with prefix %(prefix)s.") % {"prefix": prefix})
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def user_for_api_key(raw_key: str) -> User | None:
    """The active user a raw key belongs to, or None for anything unknown, revoked or expired."""
    parts = raw_key.split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        return None
    key = APIKey.objects.select_related("user").filter(prefix=parts[1]).first()
    if key is None or not hmac.compare_digest(key.key_hash, _hash(raw_key)):
        return None
    now = timezone.now()
    if not key.is_usable(now):
        return None
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        # One UPDATE at most a minute per key: "last used" without a write on every call.
        APIKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.user


def purge_idempotency_records(*, before) -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=before).delete()
    return deleted


def notify(*, users, key: str, title: str, body: str = "", url: str = "") -> int:
    """Send an in-app notification (and an e-mail where the user has an address) once per key.

    Returns how many users were newly notified; a user who already has this key gets nothing.
    """
    from django.core.mail import send_mail

    from accounts.models import Notification

    sent = 0
    for user in users:
        _, created = Notification.objects.get_or_create(
            user=user, key=key, defaults={"title": title, "body": body, "url": url}
        )
        if not created:
            continue
        sent += 1
        if user.email:
            transaction.on_commit(lambda user=user: send_mail(title, body, None, [user.email], fail_silently=True))
    return sent


def mark_notifications_read(*, user) -> int:
    from accounts.models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
