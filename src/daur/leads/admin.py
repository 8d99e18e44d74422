"""Admin for leads."""

from django.contrib import admin

from daur.leads.models import Lead


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("external_id", "name", "company", "source", "stage", "owner", "created_at")
    list_filter = ("stage", "source", "lost_reason")
    search_fields = ("=external_id", "name", "company", "=email")
    raw_id_fields = ("campaign", "owner", "converted_customer")
    list_select_related = ("owner",)
    show_full_result_count = False
