"""Structured logs: one JSON object a line (DAUR_LOG_FORMAT=json) or plain text, each record
carrying the id of the request that wrote it.

The request id comes from the proxy's `X-Request-ID` header when it is a sane token (letters,
digits, `-`, `_`, `.`, at most 64), else a new random one; the response carries it back, so a
user's report, the proxy's log and ours meet on one id. Celery tasks log with the id `-`.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("daur_request_id", default="-")

HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("daur.request")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and the extra fields."""

    _STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def incoming_id(request: HttpRequest) -> str:
    """The proxy's request id when it is a sane token, else a new one."""
    given = request.headers.get(HEADER, "")
    return given if _SANE.match(given) else uuid.uuid4().hex


class RequestId:
    """Binds the request id for the request's logs, answers it in `X-Request-ID`, and logs one
    access line (method, path, status, duration, user) at INFO on `daur.request`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_id.set(incoming_id(request))
        request.request_id = request_id.get()
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response.headers[HEADER] = request.request_id
            user = getattr(request, "user", None)
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": getattr(user, "pk", None),
                },
            )
            return response
        finally:
            request_id.reset(token)


def logging_config(level: str, fmt: str) -> dict:
    """The LOGGING setting: the console, JSON or text, with the request id on each record."""
    formatter = (
        {"()": "daur.config.logs.JsonFormatter"}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "daur.config.logs.RequestIdFilter"}},
        "formatters": {"daur": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": "daur",
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }
