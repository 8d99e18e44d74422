"""Admin for tickets."""

from django.contrib import admin


# Registered by daur.web.admin, whose saves and deletes re-score the customer.
class TicketAdmin(admin.ModelAdmin):
    list_display = (
        "external_id",
        "customer",
        "kind",
        "priority",
        "status",
        "opened_at",
        "satisfaction",
    )
    list_filter = ("kind", "status", "priority", "accepted")
    search_fields = ("=external_id", "=customer__external_id")
    raw_id_fields = ("customer",)
    list_select_related = ("customer",)
    date_hierarchy = "opened_at"
    show_full_result_count = False
