"""Project configuration: settings, URLs, WSGI/ASGI entry points and the Celery app.

The Celery app is loaded with Django (as Celery's Django guide does), so that every process that
sends a job — a web process, a command — sends it with the broker and result store of the
settings, not with a default app's."""

from daur.config.celery import app as celery_app

__all__ = ("celery_app",)
