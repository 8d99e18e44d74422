"""Admin for interactions."""

from django.contrib import admin

from daur.engagement.models import Interaction
from daur.insights.admin import RescoresCustomerAdmin


@admin.register(Interaction)
class InteractionAdmin(RescoresCustomerAdmin):
    list_display = ("occurred_at", "kind", "customer", "lead", "channel", "user", "due_at", "done")
    list_filter = ("kind", "done", "channel")
    search_fields = ("=customer__external_id", "=lead__external_id", "note")
    raw_id_fields = ("customer", "lead", "user")
    list_select_related = ("customer", "lead", "user")
    date_hierarchy = "occurred_at"
    show_full_result_count = False
