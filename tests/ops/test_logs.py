"""Every response carries a request id, every log record of the request the same id, and the
JSON format writes one parsable object a line."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from daur.config.logs import JsonFormatter, RequestIdFilter, logging_config

pytestmark = pytest.mark.django_db


def test_a_sane_incoming_id_is_kept_and_a_hostile_one_replaced():
    kept = Client().get("/healthz", HTTP_X_REQUEST_ID="lb-42.a_b")
    assert kept["X-Request-ID"] == "lb-42.a_b"
    for hostile in ("x" * 65, "id\nInjected: 1", "<script>", ""):
        fresh = Client().get("/healthz", HTTP_X_REQUEST_ID=hostile)["X-Request-ID"]
        assert fresh != hostile and len(fresh) == 32 and fresh.isalnum()


def test_two_requests_get_two_ids():
    assert Client().get("/healthz")["X-Request-ID"] != Client().get("/healthz")["X-Request-ID"]


def test_the_access_line_carries_the_request_id_and_the_figures(caplog):
    caplog.set_level(logging.INFO, logger="daur.request")
    handler_filter = RequestIdFilter()
    response = Client().get("/login/", HTTP_X_REQUEST_ID="trace-1")
    lines = [r for r in caplog.records if r.name == "daur.request"]
    assert len(lines) == 1
    record = lines[0]
    handler_filter.filter(record)  # outside the request the id is back to "-" ...
    assert record.request_id == "-"
    assert record.status == response.status_code and record.path == "/login/"
    assert record.method == "GET" and record.duration_ms >= 0


def test_records_written_during_a_request_carry_its_id(caplog):
    seen = []

    class Capture(logging.Handler):
        def emit(self, record):
            seen.append(record.request_id)

    handler = Capture()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("daur.request")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        Client().get("/healthz", HTTP_X_REQUEST_ID="trace-2")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    assert seen == ["trace-2"]


def test_json_lines_parse_and_keep_the_extra_fields():
    record = logging.makeLogRecord(
        {"name": "daur.request", "levelname": "INFO", "msg": "GET %s", "args": ("/x",),
         "status": 200, "path": "/x", "request_id": "r1"}
    )
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["message"] == "GET /x" and entry["status"] == 200 and entry["request_id"] == "r1"
    assert "\n" not in line


def test_the_setting_picks_the_format():
    assert logging_config("INFO", "json")["formatters"]["daur"] == {
        "()": "daur.config.logs.JsonFormatter"
    }
    assert "%(request_id)s" in logging_config("INFO", "text")["formatters"]["daur"]["format"]
