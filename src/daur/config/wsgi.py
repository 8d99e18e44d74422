"""WSGI entry point for production web processes."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daur.config.settings")
application = get_wsgi_application()
