"""Admin for interactions and the e-mail to customers."""

from django.contrib import admin

from daur.engagement.models import EmailConsentChange, OutboundEmail
from daur.readonly_admin import ReadOnlyAdmin


# Registered by daur.web.admin, whose saves and deletes re-score the customer.
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "customer", "lead", "channel", "user", "due_at", "done")
    list_filter = ("kind", "done", "channel")
    search_fields = ("=customer__external_id", "=lead__external_id", "note")
    raw_id_fields = ("customer", "lead", "user")
    list_select_related = ("customer", "lead", "user")
    date_hierarchy = "occurred_at"
    show_full_result_count = False


# E-mail: written by daur.actions.mail (the queue, consent and its history) and the sender, read
# here. A hand edit would skip the consent's history or send a message twice.
@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "key", "customer", "to_address", "status", "sent_at", "source")
    list_filter = ("status", "language", "transactional")
    search_fields = ("=key", "=customer__external_id", "=to_address", "=source")
    raw_id_fields = ("customer",)
    show_full_result_count = False


@admin.register(EmailConsentChange)
class EmailConsentChangeAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "customer", "old_status", "new_status", "source", "user")
    list_filter = ("source", "new_status")
    search_fields = ("=customer__external_id",)
    raw_id_fields = ("customer", "user", "email")
    show_full_result_count = False
