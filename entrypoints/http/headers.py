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

from litestar.types import ASGIApp, Message, Receive, Scope, Send

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


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
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
        self._common = _pairs(common)
        self._names = {k for k, _ in self._common}
        self._no_store = _pairs([("Cache-Control", "no-store"), ("Pragma", "no-cache")])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith(STATIC_PREFIX)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ())
                           if k.lower() not in self._names
                           and (static or k.lower() not in (b"cache-control", b"pragma", b"expires"))]
                headers.extend(self._common)
                if not static:
                    headers.extend(self._no_store)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)
