"""Admin for campaigns."""

from django.contrib import admin

from daur.campaigns.models import Campaign


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("external_id", "name", "channel", "purpose", "cost", "started_on", "ended_on")
    list_filter = ("purpose", "channel")
    search_fields = ("=external_id", "name")
    date_hierarchy = "started_on"
