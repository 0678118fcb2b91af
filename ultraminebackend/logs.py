"""Structured logs: one JSON object per line on stdout, each carrying the request's id
(the proxy's ``X-Request-ID`` when it looks sane, else a fresh one, answered in the response).
"""

import json
import logging
import re
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# Only short, plain ids are taken from outside: a header must not inject text into the logs.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Standard LogRecord attributes; anything else passed through ``extra=`` is emitted as a field.
_RECORD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and key not in entry:
                entry[key] = (
                    value if isinstance(value, str | int | float | bool | None) else str(value)
                )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _choose_request_id(incoming: str | None) -> str:
    return incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex


def bind_request_id(sender, environ, **kwargs):
    """request_started: bind the id before Django's own request logging can run.

    Django logs 4xx/5xx responses (``django.request``) after the middleware chain has returned,
    so a middleware alone would leave those lines without an id.
    """
    request_id_var.set(_choose_request_id(environ.get("HTTP_X_REQUEST_ID")))


def unbind_request_id(sender, **kwargs):
    """request_finished: the worker thread's next log lines belong to no request."""
    request_id_var.set("-")


def request_id_middleware(get_response):
    """Echo the request's id in the ``X-Request-ID`` response header."""

    def middleware(request):
        if request_id_var.get() == "-":  # not started through a handler (e.g. RequestFactory)
            request_id_var.set(_choose_request_id(request.headers.get("X-Request-ID")))
        response = get_response(request)
        response["X-Request-ID"] = request_id_var.get()
        return response

    return middleware
