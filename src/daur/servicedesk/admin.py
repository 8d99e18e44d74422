"""Admin for tickets."""

from django.contrib import admin

from daur.readonly_admin import ReadOnlyAdmin
from daur.servicedesk.models import InboundEmail


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


# E-mail taken in by the desk (daur.actions.servicedesk_inbound), read here: a hand edit would
# let the same message be taken twice.
@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "message_id", "sender", "ticket", "opened", "new_contact")
    list_filter = ("opened", "new_contact")
    search_fields = ("=message_id", "=sender", "=ticket__external_id")
    raw_id_fields = ("ticket",)
    show_full_result_count = False
