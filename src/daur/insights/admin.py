"""Admin for scores, runs, stage changes and alerts: read-only (daur.readonly_admin)."""

from django.contrib import admin

from daur.insights.models import (
    Alert,
    CustomerScore,
    LeadScore,
    LeadScoreModel,
    ScoringRun,
    StageChange,
)
from daur.insights.realtime import customers_rescore_on_commit
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
        "seconds",
    )
    list_filter = ("status", "rules_only")
    readonly_fields = [f.name for f in ScoringRun._meta.fields]


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


class RescoresCustomerAdmin(admin.ModelAdmin):
    """An admin whose saves and deletes re-score the record's customer in real time."""

    def save_model(self, request, obj, form, change):  # noqa: ANN001
        super().save_model(request, obj, form, change)
        customers_rescore_on_commit(customer_ids=[getattr(obj, "customer_id", None)])

    def delete_model(self, request, obj):  # noqa: ANN001
        customer_id = getattr(obj, "customer_id", None)
        super().delete_model(request, obj)
        customers_rescore_on_commit(customer_ids=[customer_id])


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
