"""The admin of what Daur computes (scores, stage history, runs, alerts): readable, never
written by hand. A scoring run writes these tables; a hand edit would be overwritten by the next
run, or worse, silently disagree with the models until then."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """No add, change or delete for anyone, superusers included; view as permitted."""

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001, ARG002
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001, ARG002
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001, ARG002
        return False
