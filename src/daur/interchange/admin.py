"""The imports in the admin: read-only, newest first, with how each ended."""

from django.contrib import admin

from daur.interchange.models import ImportRun
from daur.readonly_admin import ReadOnlyAdmin


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at", "kind", "path", "status", "rows", "created", "updated", "rejected"
    )
    list_filter = ("status", "kind", "dry_run")
    readonly_fields = [f.name for f in ImportRun._meta.fields]
