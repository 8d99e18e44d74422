"""Admin for campaigns; a launched campaign's members are read-only (the launch froze them)."""

from django.contrib import admin

from daur.campaigns.models import Campaign, CampaignMember
from daur.readonly_admin import ReadOnlyAdmin


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = (
        "external_id", "name", "channel", "purpose", "offer", "status", "launched_at", "cost",
        "started_on", "ended_on",
    )  # fmt: skip
    list_filter = ("purpose", "channel", "offer", "status")
    search_fields = ("=external_id", "name")
    date_hierarchy = "started_on"
    readonly_fields = ("status", "launched_at", "seed", "recorded_launch")


@admin.register(CampaignMember)
class CampaignMemberAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "customer", "group", "coupon_code", "redeemed_at", "excluded")
    list_filter = ("group", "excluded")
    search_fields = ("=coupon_code", "=customer__external_id")
    raw_id_fields = ("campaign", "customer", "redeemed_order")
    list_select_related = ("campaign", "customer")
