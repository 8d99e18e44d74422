"""Admin for leads, their stage history (read-only: the pipeline writes it) and the rules of
rule-based assignment."""

from django.contrib import admin

from daur.leads.models import Lead, LeadAssignmentRule, LeadStageChange
from daur.readonly_admin import ReadOnlyAdmin


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("external_id", "name", "company", "source", "stage", "owner", "created_at")
    list_filter = ("stage", "source", "lost_reason")
    search_fields = ("=external_id", "name", "company", "=email")
    raw_id_fields = ("campaign", "owner", "converted_customer")
    readonly_fields = ("assigned_at", "assignment_reason")
    list_select_related = ("owner",)
    show_full_result_count = False


@admin.register(LeadStageChange)
class LeadStageChangeAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "lead", "from_stage", "to_stage", "lost_reason", "user")
    list_filter = ("to_stage", "lost_reason")
    search_fields = ("=lead__external_id",)
    list_select_related = ("lead", "user")
    show_full_result_count = False


@admin.register(LeadAssignmentRule)
class LeadAssignmentRuleAdmin(admin.ModelAdmin):
    """Used when DAUR_LEAD_ASSIGNMENT=rules: the first active rule (lowest priority number)
    whose value equals the lead's source, country or industry names its rep."""

    list_display = ("priority", "field", "value", "owner", "active")
    list_editable = ("active",)
    list_filter = ("field", "active")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
