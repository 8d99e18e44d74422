"""ASGI entry point for production web processes."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daur.config.settings")
application = get_asgi_application()
