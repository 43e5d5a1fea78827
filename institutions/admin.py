from django.contrib import admin

from institutions.models import Institution, Person, Practitioner, Region, RegionDataset, SpecialEquipment


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "full_name", "level"]
    list_filter = ["level"]
    search_fields = ["code", "name", "full_name"]

    def has_change_permission(self, request, obj=None):
        return False  # reference data: refreshed by `manage.py load_regions`


@admin.register(RegionDataset)
class RegionDatasetAdmin(admin.ModelAdmin):
    list_display = ["source", "data_as_of", "rows", "loaded_at"]


class EquipmentInline(admin.TabularInline):
    model = SpecialEquipment
    extra = 0


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    """Read-mostly: registry changes go through the pages and the API, where the rules live."""

    list_display = ["name", "uscc", "region", "type", "beds_total", "level", "credit_grade", "is_blacklisted", "is_active"]
    list_filter = ["type", "nature", "level", "credit_grade", "is_blacklisted", "is_active"]
    search_fields = ["name", "uscc"]
    raw_id_fields = ["region"]
    readonly_fields = ["credit_score", "credit_grade", "is_blacklisted", "version", "created_at", "updated_at"]
    inlines = [EquipmentInline]

    def get_readonly_fields(self, request, obj=None):
        # A home is given its region here, but moved by the registry's service only: its policies,
        # claims, inspections and findings move with it there (institutions.signals).
        return self.readonly_fields + (["region"] if obj is not None else [])


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "id_number"]
    search_fields = ["name", "id_number"]


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["person", "institution", "role", "started_on", "ended_on"]
    list_filter = ["role"]
    raw_id_fields = ["person", "institution"]
