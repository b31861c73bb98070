"""JSON log lines, and a filter that keeps PHI out of them.

The filter redacts identifiers in the rendered message and in any extra field, and drops extra
fields whose names say they carry free text (a post, a reply, a message body): such text is
never needed to operate the service and may hold PHI.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from carecast.core import context

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
FREE_TEXT_FIELDS = frozenset({"text", "body", "content", "message_text", "reply", "post", "note", "comment"})

# Identifier shapes (a subset of textscan's detector, kept here so logging never fails to import).
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("EMAIL", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("SSN", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("PHONE", re.compile(r"(?<![\w-])(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}(?![\w-])")),
    ("MRN", re.compile(r"\b(?:MRN|medical record(?: number)?)[\s#:]*[A-Z0-9-]{4,}\b", re.IGNORECASE)),
    ("DATE", re.compile(r"\b\d{1,2}[/-]\d{1,2}[/-]\d{2,4}\b")),
    ("IP", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")),
]


def redact(text: str) -> str:
    for label, pattern in _PATTERNS:
        text = pattern.sub(f"[{label}]", text)
    return text


class PHIFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        for key in list(record.__dict__):
            if key in _STANDARD:
                continue
            if key.lower() in FREE_TEXT_FIELDS:
                record.__dict__[key] = "[removed]"
            elif isinstance(record.__dict__[key], str):
                record.__dict__[key] = redact(record.__dict__[key])
        return True


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ctx = context.current()
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if ctx.request_id:
            data["request_id"] = ctx.request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(data, default=str)
