"""Admin for orders and their lines."""

from django.contrib import admin

from daur.sales.models import OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ("product",)


# Registered by daur.web.admin, whose saves and deletes re-score the customer.
class OrderAdmin(admin.ModelAdmin):
    list_display = ("external_id", "customer", "ordered_at", "amount", "currency", "channel")
    list_filter = ("currency", "channel")
    search_fields = ("=external_id", "=customer__external_id", "=coupon_code")
    raw_id_fields = ("customer", "reseller")
    list_select_related = ("customer",)
    date_hierarchy = "ordered_at"
    show_full_result_count = False
    inlines = [OrderLineInline]


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ("order", "product", "quantity", "unit_price", "discount_amount")
    search_fields = ("=order__external_id", "=product__sku")
    raw_id_fields = ("order", "product")
    list_select_related = ("order", "product")
    show_full_result_count = False
