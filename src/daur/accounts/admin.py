"""Admin for users, with their role."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from daur.accounts.models import ApiToken, User


@admin.register(User)
class DaurUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active", "is_demo")
    list_filter = ("role", "is_active", "is_demo", "is_staff")
    fieldsets = (*UserAdmin.fieldsets, ("Daur", {"fields": ("role", "lead_capacity", "is_demo")}))
    add_fieldsets = (
        *UserAdmin.add_fieldsets, ("Daur", {"fields": ("role", "lead_capacity")})
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made on the profile page or by `daur token create`; here they are seen and
    revoked (set "revoked"), never made: the secret is shown once, to its user."""

    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False
