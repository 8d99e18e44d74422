"""Admin for the community's events and clubs."""

from django.contrib import admin

from daur.community.models import Club, ClubMember, Event, Invitation


class InvitationInline(admin.TabularInline):
    model = Invitation
    raw_id_fields = ("customer",)
    readonly_fields = ("attended", "attendance")  # attendance is recorded on the event's page
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("name", "starts_at", "place", "capacity")
    search_fields = ("name", "place")
    date_hierarchy = "starts_at"
    inlines = [InvitationInline]


class ClubMemberInline(admin.TabularInline):
    model = ClubMember
    raw_id_fields = ("customer",)
    extra = 0


@admin.register(Club)
class ClubAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    inlines = [ClubMemberInline]
