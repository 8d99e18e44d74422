"""The peer of bench/api.py: a minimal Django REST framework view serving the same read (a
customer with its score, by external id, behind the same bearer token check), run by gunicorn
from its own virtualenv (bench/.venv-drf). No Daur code: the tables are read with plain SQL.

    DRF_DATABASE_URL=postgresql://... gunicorn drf_peer:application -w 4 -b 127.0.0.1:PORT
"""

import hashlib
import os
from urllib.parse import urlparse

import django
from django.conf import settings

url = urlparse(os.environ["DRF_DATABASE_URL"])
settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    SECRET_KEY="bench-only",  # noqa: S106
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    DATABASES={"default": {
        "ENGINE": "django.db.backends.postgresql", "NAME": url.path.lstrip("/"),
        "USER": url.username or "postgres", "HOST": url.hostname, "PORT": url.port or 5432,
        "CONN_MAX_AGE": 60,
    }},
    REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": [], "DEFAULT_PERMISSION_CLASSES": [],
                    "UNAUTHENTICATED_USER": None},
)
django.setup()

from django.db import connection  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework import serializers  # noqa: E402
from rest_framework.exceptions import AuthenticationFailed, NotFound  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

COLUMNS = ("customer_id", "name", "kind", "relationship", "email", "phone", "country", "city",
           "industry", "acquired_via", "created_at", "email_consent", "lifecycle_stage", "types",
           "rfm_segment", "p_alive", "clv_12m", "strategy", "as_of")


class CustomerSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    relationship = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    country = serializers.CharField(allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    industry = serializers.CharField(allow_blank=True)
    acquired_via = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    email_consent = serializers.BooleanField()
    lifecycle_stage = serializers.CharField(allow_null=True)
    types = serializers.CharField(allow_null=True, allow_blank=True)
    rfm_segment = serializers.CharField(allow_null=True, allow_blank=True)
    p_alive = serializers.FloatField(allow_null=True)
    clv_12m = serializers.FloatField(allow_null=True)
    strategy = serializers.CharField(allow_null=True, allow_blank=True)
    as_of = serializers.DateField(allow_null=True)


class CustomerView(APIView):
    def get(self, request, customer_id):  # noqa: ANN001, ANN201
        header = request.headers.get("Authorization", "")
        secret = header.removeprefix("Bearer ")
        digest = hashlib.sha256(secret.encode()).hexdigest()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM accounts_apitoken WHERE secret_hash = %s AND revoked_at IS NULL",
                [digest],
            )
            if cursor.fetchone() is None:
                raise AuthenticationFailed()
            cursor.execute(
                "SELECT c.external_id, c.name, c.kind, c.relationship, c.email, c.phone,"
                " c.country, c.city, c.industry, c.acquired_via, c.created_at, c.email_consent,"
                " s.lifecycle_stage, s.types, s.rfm_segment, s.p_alive, s.clv_12m, s.strategy,"
                " s.as_of FROM customers_customer c LEFT JOIN insights_customerscore s"
                " ON s.customer_id = c.id WHERE c.external_id = %s",
                [customer_id],
            )
            row = cursor.fetchone()
        if row is None:
            raise NotFound()
        return Response(CustomerSerializer(dict(zip(COLUMNS, row))).data)


urlpatterns = [path("api/v1/customers/<str:customer_id>", CustomerView.as_view())]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
