"""URL routes: health checks, the admin, login/logout, language switching and the web
application."""

from django.contrib import admin
from django.urls import include, path

from daur.web.health import healthz, readyz
from daur.web.urls import auth_urlpatterns

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    *auth_urlpatterns,
    path("", include("daur.web.urls")),
]
