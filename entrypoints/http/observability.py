"""Structured (JSON) logs, one line per request, each carrying a request id."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
import time
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = logging.getLogger("sanece.http")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            out.update(extra)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", json_logs: bool = True) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_sanece", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._sanece = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if json_logs else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)


def request_id_of(scope: Scope) -> str:
    """The client's ``X-Request-ID`` when it is safe to log, otherwise a fresh one."""
    incoming = ""
    for key, value in scope.get("headers", ()):
        if key == b"x-request-id":
            incoming = value.decode("latin-1")
    return incoming if _SAFE_ID.match(incoming) else secrets.token_hex(8)


def log_request(scope: Scope, status: int, started: float) -> None:
    """The access log line of a request (skipped, fields and all, when INFO is off)."""
    if not log.isEnabledFor(logging.INFO):
        return
    state = scope.get("state", {})
    log.info("request", extra={"fields": {
        "method": scope.get("method"), "path": scope.get("path"), "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "user": state.get("username", "-") if isinstance(state, dict) else "-",
    }})


class RequestIdMiddleware:
    """The request id and access log as a middleware of its own. The app does this in its
    outermost middleware instead (``SecurityHeadersMiddleware(request_ids=True)``), so that
    404s and errors carry the id too, with one ``send`` wrapper for both jobs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(scope)
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                MutableScopeHeaders.from_message(message).add("X-Request-ID", rid)
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log_request(scope, status["code"], started)
            request_id_var.reset(token)
