"""Admin for scores, runs, stage changes and alerts: read-only (daur.readonly_admin)."""

from django.contrib import admin

from daur.insights.models import (
    Alert,
    CustomerScore,
    LeadScore,
    LeadScoreModel,
    ScoringRange,
    ScoringRun,
    StageChange,
)
from daur.readonly_admin import ReadOnlyAdmin


@admin.register(ScoringRun)
class ScoringRunAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "as_of",
        "status",
        "n_customers",
        "n_buyers",
        "rules_only",
        "incremental",
        "customers_reread",
        "ranges_done",
        "ranges_total",
        "seconds",
        "message",
    )
    list_filter = ("status", "rules_only", "incremental")
    readonly_fields = [f.name for f in ScoringRun._meta.fields]


@admin.register(ScoringRange)
class ScoringRangeAdmin(ReadOnlyAdmin):
    """A distributed run's ranges: how far each got, on which worker, and why one failed."""

    list_display = (
        "run", "number", "low_id", "high_id", "phase", "customers", "attempts", "worker",
        "error", "updated_at",
    )
    list_filter = ("phase",)
    raw_id_fields = ("run",)
    exclude = ("summary", "clv", "neighbourhood")


@admin.register(CustomerScore)
class CustomerScoreAdmin(ReadOnlyAdmin):
    list_display = ("customer", "lifecycle_stage", "rfm_segment", "strategy", "p_alive", "clv_12m")
    list_filter = ("lifecycle_stage", "strategy", "rfm_segment", "orientation", "realtime")
    search_fields = ("=customer__external_id", "customer__name")
    raw_id_fields = ("customer", "run")
    list_select_related = ("customer",)
    show_full_result_count = False


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdmin):
    list_display = ("customer", "changed_on", "from_stage", "to_stage", "regained")
    list_filter = ("to_stage", "regained")
    search_fields = ("=customer__external_id",)
    raw_id_fields = ("customer", "run")
    date_hierarchy = "changed_on"
    show_full_result_count = False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "segment_kind",
        "segment",
        "metric",
        "window_days",
        "change",
        "p_value",
        "status",
    )
    list_filter = ("status", "segment_kind", "metric")


# --- Lead score -------------------------------------------------------------------------------
@admin.register(LeadScoreModel)
class LeadScoreModelAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "as_of", "basis", "n_open", "seconds")
    list_filter = ("basis",)
    readonly_fields = [f.name for f in LeadScoreModel._meta.fields]


@admin.register(LeadScore)
class LeadScoreAdmin(ReadOnlyAdmin):
    list_display = ("lead", "win_probability", "basis", "as_of", "realtime")
    list_filter = ("basis", "realtime")
    search_fields = ("=lead__external_id", "lead__name")
    raw_id_fields = ("lead", "model", "run")
    list_select_related = ("lead",)
    show_full_result_count = False
