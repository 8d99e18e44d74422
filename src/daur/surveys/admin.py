"""Admin for survey answers."""

from django.contrib import admin


# Registered by daur.web.admin, whose saves and deletes re-score the customer.
class SurveyAnswerAdmin(admin.ModelAdmin):
    list_display = ("customer", "answered_at", "nps")
    list_filter = ("nps",)
    search_fields = ("=customer__external_id", "comment")
    raw_id_fields = ("customer",)
    list_select_related = ("customer",)
    date_hierarchy = "answered_at"
    show_full_result_count = False
