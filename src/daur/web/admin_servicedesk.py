"""The service desk's settings in the Django admin: SLA policies, business calendars with their
holidays, and teams. A saved policy or calendar recomputes every open ticket's due moments from
its stored pauses (daur.actions.servicedesk_sla)."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.utils import timezone

from daur.actions.servicedesk_sla import tickets_sla_recompute
from daur.servicedesk.models import BusinessCalendar, Holiday, SlaPolicy, Team


class RecomputesClocks(admin.ModelAdmin):
    def _recompute(self) -> None:
        transaction.on_commit(lambda: tickets_sla_recompute(now=timezone.now()))

    def save_related(self, request, form, formsets, change) -> None:  # noqa: ANN001
        super().save_related(request, form, formsets, change)
        self._recompute()  # after the inlines (holidays) too: once per save

    def delete_model(self, request, obj) -> None:  # noqa: ANN001
        super().delete_model(request, obj)
        self._recompute()


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(RecomputesClocks):
    list_display = ("name", "time_zone", "workdays", "day_start", "day_end")
    inlines = [HolidayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(RecomputesClocks):
    list_display = ("priority", "response_minutes", "resolution_minutes", "calendar")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name",)
    filter_horizontal = ("members",)
