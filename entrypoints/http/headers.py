"""Security headers on every response: pages, API, errors, 404s, static files, PDFs, downloads.

A pure ASGI middleware wrapped around the whole application (outside Litestar's router, so
that unrouted 404s and error answers get the headers too). It only appends a precomputed
list of header pairs to ``http.response.start``: cheap on every request.

- Content-Security-Policy: our own origin only, no inline script or style (the templates,
  the JavaScript and the server-rendered SVG charts use none), no framing, no plugins.
- ``X-Frame-Options: DENY`` for browsers that ignore ``frame-ancestors``.
- ``Cache-Control: no-store`` on everything but ``/static/``: pages, API answers and
  downloads show personal data (NSS, names) that must not stay in shared or browser caches.
- HSTS only when the site is served over HTTPS (``COOKIE_SECURE=true``).
"""

from __future__ import annotations

from time import perf_counter
from typing import Callable

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.observability import log_request, request_id_of, request_id_var

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
PERMISSIONS_POLICY = ("accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
                      "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()")
HSTS = "max-age=31536000; includeSubDomains"
STATIC_PREFIX = "/static/"


def _pairs(items: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in items]


# A request answered before the application: (status, headers, body), or None to go on.
Shortcut = Callable[[Scope], "tuple[int, list[tuple[bytes, bytes]], bytes] | None"]


class SecurityHeadersMiddleware:
    """The security headers; with ``request_ids`` also the request id and the access log line
    (``observability``), so that every answer, 404s and errors included, carries and logs the
    same id with one ``send`` wrapper instead of two. ``shortcut`` may answer a request here,
    before the application's middleware stack (``/health`` while its last full check is
    fresh, see ``identity.health_shortcut``)."""

    def __init__(self, app: ASGIApp, *, hsts: bool, request_ids: bool = False,
                 shortcut: Shortcut | None = None) -> None:
        self.app = app
        self.request_ids = request_ids
        self.shortcut = shortcut
        common = [
            ("Content-Security-Policy", CSP),
            ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("Permissions-Policy", PERMISSIONS_POLICY),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Cross-Origin-Resource-Policy", "same-origin"),
        ]
        if hsts:
            common.append(("Strict-Transport-Security", HSTS))
        # Per kind of path, computed once: the header names replaced and the pairs appended.
        static_pairs = _pairs(common)
        dynamic_pairs = static_pairs + _pairs([("Cache-Control", "no-store"), ("Pragma", "no-cache")])
        static_drop = frozenset(k for k, _ in static_pairs)
        self._static = (static_drop, static_pairs)
        self._dynamic = (static_drop | {b"cache-control", b"pragma", b"expires"}, dynamic_pairs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        drop, extra = self._static if scope.get("path", "").startswith(STATIC_PREFIX) else self._dynamic
        if not self.request_ids:
            await self._call(scope, receive, send, drop, extra, None)
            return
        rid = request_id_of(scope)
        token = request_id_var.set(rid)
        started = perf_counter()
        status = [500]
        try:
            await self._call(scope, receive, send, drop, extra, (rid.encode("latin-1"), status))
        finally:
            log_request(scope, status[0], started)
            request_id_var.reset(token)

    async def _call(self, scope: Scope, receive: Receive, send: Send, drop: frozenset[bytes],
                    extra: list[tuple[bytes, bytes]], rid: tuple[bytes, list[int]] | None) -> None:
        if self.shortcut is not None:
            answer = self.shortcut(scope)
            if answer is not None:
                status, headers, body = answer
                headers = [*headers, *extra]
                if rid is not None:
                    headers.append((b"x-request-id", rid[0]))
                    rid[1][0] = status
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in drop]
                headers.extend(extra)
                if rid is not None:
                    headers.append((b"x-request-id", rid[0]))
                    rid[1][0] = message["status"]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)
