from django.contrib import admin

from insurance.models import Broker, CoverageSection, FundingShare, Insurer, Policy, RatingScheme, SchemeSection


@admin.register(Insurer)
class InsurerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "uscc", "is_active"]
    search_fields = ["code", "name", "uscc"]


@admin.register(Broker)
class BrokerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "uscc"]
    search_fields = ["code", "name", "uscc"]


class SchemeSectionInline(admin.TabularInline):
    model = SchemeSection
    extra = 0


@admin.register(RatingScheme)
class RatingSchemeAdmin(admin.ModelAdmin):
    """Read-only: schemes are versioned through the service, never edited in place."""

    list_display = ["name", "region", "year", "version", "base_rate_per_bed", "min_factor", "max_factor"]
    list_filter = ["year"]
    inlines = [SchemeSectionInline]

    def has_change_permission(self, request, obj=None):
        return False


class CoverageInline(admin.TabularInline):
    model = CoverageSection
    extra = 0


class FundingInline(admin.TabularInline):
    model = FundingShare
    extra = 0


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    """Read-only: policy changes go through the pages and API, where the rules live."""

    list_display = ["number", "institution", "insurer", "start_date", "end_date", "premium", "status"]
    list_filter = ["status", "insurer"]
    search_fields = ["number", "institution__name", "institution__uscc"]
    inlines = [CoverageInline, FundingInline]

    def has_change_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------------------------
# Incidents and claims: read-only, the rules live in insurance.services.claims.

from insurance.models import Claim, ClaimEvent, ClaimLine, Incident, IncidentPerson  # noqa: E402


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class IncidentPersonInline(ReadOnlyInline):
    model = IncidentPerson


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["institution", "occurred_at", "category", "responsibility"]
    list_filter = ["category", "responsibility"]
    search_fields = ["institution__name", "description"]
    inlines = [IncidentPersonInline]

    def has_change_permission(self, request, obj=None):
        return False


class ClaimLineInline(ReadOnlyInline):
    model = ClaimLine


class ClaimEventInline(ReadOnlyInline):
    model = ClaimEvent


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["number", "institution", "section", "claimed_amount", "approved_amount", "paid_amount", "status",
                    "fast_track"]
    list_filter = ["status", "section", "fast_track"]
    search_fields = ["number", "insurer_reference", "institution__name"]
    inlines = [ClaimLineInline, ClaimEventInline]

    def has_change_permission(self, request, obj=None):
        return False
