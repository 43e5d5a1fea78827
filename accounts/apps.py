from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from auditlog.registry import auditlog

        from accounts.models import APIKey, CalendarDay, User

        auditlog.register(User, exclude_fields=["password", "last_login"], mask_fields=["phone"])
        auditlog.register(APIKey, exclude_fields=["key_hash", "last_used_at"])
        auditlog.register(CalendarDay)
