"""JSON logs, one line per request, each carrying the request id (taken from X-Request-ID or made here). Bearer
secrets (ticket codes, order keys, reset and invitation tokens, SQL parameters) never reach a log line."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "color_message"}
REDACTED = "[redacted]"
# Whoever has one of these URLs has the ticket, the password reset, the invitation or the address confirmation.
_SECRET_PATH = re.compile(
    r"(/tickets/|/password/reset/|/invitations/|/account/verify/(?!resend(?:[/?#\s\"']|$)))[^/?#\s\"']+"
)
_SECRET_QUERY = re.compile(
    r"([?&](?:k|token|key|secret|code|q|client_secret|payment_intent_client_secret)=)[^&#\s\"']*", re.IGNORECASE
)
# Database errors quote the statement's parameters and the values of a refused row: ticket codes, tokens.
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\]$", re.MULTILINE | re.DOTALL)
_SQL_ROW_VALUES = re.compile(r"((?:Key \([^)]*\)=|Failing row contains )\()[^\n]*(\))")


def redact(text: str) -> str:
    """The text with every bearer secret in a URL path, query string or SQL error replaced by [redacted]."""
    text = _SECRET_PATH.sub(rf"\g<1>{REDACTED}", text)
    text = _SECRET_QUERY.sub(rf"\g<1>{REDACTED}", text)
    text = _SQL_ROW_VALUES.sub(rf"\g<1>{REDACTED}\g<2>", text)
    return _SQL_PARAMETERS.sub(f"[parameters: {REDACTED}]", text)


def _redacted(value: object) -> str:
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if request_id := request_id_var.get():
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS:
                entry[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=_redacted)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access", "saq"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


access_log = logging.getLogger("usher.access")


class RequestIdMiddleware:
    """Pure ASGI so it wraps streaming responses (SSE) without buffering them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else secrets.token_hex(8)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_id_var.reset(token)
