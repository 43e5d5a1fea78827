from django.contrib import admin

from insurance.models import Insurer


@admin.register(Insurer)
class InsurerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "uscc", "is_active"]
    search_fields = ["code", "name", "uscc"]
