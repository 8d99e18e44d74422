"""The production web server: gunicorn with several worker processes, run by `daur serve`."""

from __future__ import annotations

from django.db import connections
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # noqa: ANN201 - the WSGI callable, loaded once before the workers fork
        from daur.config.wsgi import application

        connections.close_all()  # none may cross the fork
        return application


def serve_gunicorn(*, host: str, port: int, workers: int) -> None:
    """Serve the WSGI application with `workers` synchronous processes until interrupted."""
    connections.close_all()  # no database connection may cross the fork
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "sync",
            "preload_app": True,  # Django and the app imported once, before the workers fork
            "timeout": 120,
            "graceful_timeout": 10,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
        }
    ).run()
