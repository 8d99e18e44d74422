"""Admin for customers and their consumers."""

from django.contrib import admin

from daur.customers.models import Consumer, Customer, CustomerMerge
from daur.readonly_admin import ReadOnlyAdmin


class ConsumerInline(admin.TabularInline):
    model = Consumer
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("external_id", "name", "kind", "relationship", "country", "city", "owner")
    list_filter = ("relationship", "kind", "acquired_via", "country")
    search_fields = ("=external_id", "name", "=email", "=phone")
    raw_id_fields = ("referred_by", "campaign", "owner")
    list_select_related = ("owner",)
    show_full_result_count = False  # a COUNT(*) per page is what makes other CRMs crawl
    inlines = [ConsumerInline]


@admin.register(Consumer)
class ConsumerAdmin(admin.ModelAdmin):
    list_display = ("name", "relation", "customer")
    search_fields = ("name", "=customer__external_id")
    raw_id_fields = ("customer",)


@admin.register(CustomerMerge)
class CustomerMergeAdmin(ReadOnlyAdmin):
    """Merges are made and undone on the duplicates page or with `daur merge`, never here."""

    list_display = ("id", "duplicate_external_id", "kept_external_id", "merged_at", "undone_at")
    search_fields = ("=duplicate_external_id", "=kept_external_id")
