from __future__ import annotations

import json
import logging

from carecast.core import context
from carecast.core.logging import JSONFormatter, PHIFilter


def _render(message, *args, **extra):
    record = logging.LogRecord("carecast.test", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    assert PHIFilter().filter(record)
    return json.loads(JSONFormatter().format(record))


def test_identifiers_in_messages_are_redacted():
    line = _render(
        "reply to %s about MRN 00123456, call 312-555-0147, DOB 03/04/1950, SSN 123-45-6789",
        "jane.doe@example.com",
    )
    text = line["message"]
    for secret in ("jane.doe@example.com", "00123456", "312-555-0147", "03/04/1950", "123-45-6789"):
        assert secret not in text
    assert "[EMAIL]" in text and "[PHONE]" in text and "[SSN]" in text


def test_free_text_fields_are_dropped_and_other_fields_kept():
    line = _render("reply saved", text="Jane Doe had her knee surgery", job_id=42)
    assert line["text"] == "[removed]"
    assert line["job_id"] == 42


def test_lines_are_json_with_the_request_id():
    token = context.begin(request_id="abc123def456")
    try:
        line = _render("hello")
    finally:
        context.end(token)
    assert line["request_id"] == "abc123def456"
    assert line["level"] == "INFO" and line["logger"] == "carecast.test"


def test_ids_and_uuids_are_not_mistaken_for_phone_numbers():
    line = _render("task 2202d179-6348-49db-b05f-3d45c8e8a1b1 ran")
    assert "2202d179-6348-49db-b05f-3d45c8e8a1b1" in line["message"]


def test_the_configured_handler_filters_phi(caplog):
    handler = logging.getLogger().handlers[0]
    assert any(isinstance(f, PHIFilter) for f in handler.filters)
    assert isinstance(handler.formatter, JSONFormatter)
