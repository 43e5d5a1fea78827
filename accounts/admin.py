from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import APIKey, CalendarDay, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "role", "region", "department", "institution", "insurer", "is_active"]
    list_filter = ["role", "department", "is_active"]
    search_fields = ["username", "full_name", "email"]
    raw_id_fields = ["region", "institution", "insurer"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Role and scope"), {"fields": ["full_name", "phone", "role", "region", "department", "institution", "insurer"]}),
    )


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin):
    """Keys are issued and revoked with the management commands; here they are only inspected."""

    list_display = ["prefix", "user", "name", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "user__username", "name"]
    readonly_fields = [f.name for f in APIKey._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Each year's holiday arrangement, entered when the State Council publishes it."""

    list_display = ["date", "name", "is_working_day"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
