"""Admin for users, with their role."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from daur.accounts.models import User


@admin.register(User)
class DaurUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active", "is_demo")
    list_filter = ("role", "is_active", "is_demo", "is_staff")
    fieldsets = (*UserAdmin.fieldsets, ("Daur", {"fields": ("role", "lead_capacity", "is_demo")}))
    add_fieldsets = (
        *UserAdmin.add_fieldsets, ("Daur", {"fields": ("role", "lead_capacity")})
    )
