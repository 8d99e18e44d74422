"""URL routes: health checks, the admin, login/logout, language switching, the API and the web
application."""

from django.contrib import admin
from django.urls import include, path

from daur.api.app import api
from daur.web.health import healthz, readyz
from daur.web.urls import auth_urlpatterns

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    *auth_urlpatterns,
    path("", include("daur.web.urls")),
]
