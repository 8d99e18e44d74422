"""Admin for products."""

from django.contrib import admin

from daur.catalog.models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "category", "tier", "price", "unit_cost", "launched_on")
    list_filter = ("tier", "category")
    search_fields = ("=sku", "name", "category")
    date_hierarchy = "launched_on"
