"""gunicorn settings shared by `manage.py serve`, the Procfile and the systemd unit.

Logs go out as JSON through the same PHI filter as the application's own logs.
"""

import os

threads = int(os.environ.get("WEB_THREADS", "8"))
graceful_timeout = 5
control_socket_disable = True  # nothing uses it; it would write under the user's home directory
accesslog = "-"
# One JSON object per request. Paths carry ids only, never PHI.
access_log_format = (
    '{"time": "%(t)s", "logger": "access", "method": "%(m)s", "path": "%(U)s", "status": %(s)s, '
    '"bytes": "%(B)s", "duration_ms": %(M)s, "request_id": "%({x-request-id}o)s"}'
)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"phi": {"()": "carecast.core.logging.PHIFilter"}},
    "formatters": {
        "json": {"()": "carecast.core.logging.JSONFormatter"},
        "raw": {"format": "%(message)s"},
    },
    "handlers": {
        "error": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["phi"]},
        "access": {"class": "logging.StreamHandler", "formatter": "raw", "stream": "ext://sys.stdout"},
    },
    "root": {"handlers": ["error"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}
