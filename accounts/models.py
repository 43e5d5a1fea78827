from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Department, Role


class UserManager(DjangoUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person or machine client. Role plus one scope anchor decide everything it may see."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        "institutions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.CharField(_("department"), max_length=30, choices=Department.choices, blank=True)
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
    )
    insurer = models.ForeignKey(
        "insurance.Insurer", verbose_name=_("insurer"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="users",
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=[Role.REGULATOR, Role.INSPECTOR]) | Q(region__isnull=False),
                name="user_region_for_region_roles",
                violation_error_message=_("Regulators and inspectors need a region."),
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.INSPECTOR) | ~Q(department=""),
                name="user_department_for_inspectors",
                violation_error_message=_("Inspectors need a department."),
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.INSTITUTION) | Q(institution__isnull=False),
                name="user_institution_for_institution_role",
                violation_error_message=_("Institution users need an institution."),
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.INSURER) | Q(insurer__isnull=False),
                name="user_insurer_for_insurer_role",
                violation_error_message=_("Insurer users need an insurer."),
            ),
        ]

    def __str__(self):
        return self.full_name or self.username


class APIKey(models.Model):
    """A bearer key for machine clients. Only a SHA-256 of the key is stored; it acts as its user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("user"))
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "id"]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now and self.user.is_active


class IdempotencyRecord(models.Model):
    """The first response to a creating request sent with an Idempotency-Key (kept 24 h)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]


class Notification(models.Model):
    """An in-app message to one user (reminders, notices). `key` makes a reminder once-only."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user"))
    key = models.CharField(max_length=120)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")]

    def __str__(self):
        return self.title


class CalendarDay(models.Model):
    """A day that breaks the Monday–Friday rule: a public holiday on a weekday, or a weekend day
    worked in exchange (调休). The State Council publishes each year's arrangement; operators add it
    in the admin (audited). `accounts.workdays` is the only reader."""

    date = models.DateField(_("date"), primary_key=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"
