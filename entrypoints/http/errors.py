"""Errors become one Spanish page (HTML) or problem JSON (API); never a stack trace."""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from entrypoints.http.observability import request_id_var
from entrypoints.http.security import NotAuthenticated
from shared.kernel.errors import DomainError

log = logging.getLogger("sanece.errors")

TITLES = {
    400: "Solicitud no válida",
    401: "Sesión requerida",
    403: "Acceso no permitido",
    404: "No encontrado",
    405: "Método no permitido",
    409: "Conflicto",
    412: "Versión desactualizada",
    413: "Archivo demasiado grande",
    422: "Datos no válidos",
    428: "Versión requerida (If-Match)",
    429: "Demasiadas solicitudes",
    500: "Error interno",
    503: "Servicio no disponible",
}
HTTP_MESSAGES = {
    400: "La solicitud no es válida.",
    404: "La página o el recurso solicitado no existe.",
    405: "La operación no está permitida en esta dirección.",
    413: "El archivo o la solicitud excede el tamaño máximo permitido.",
    500: "Ocurrió un error inesperado. Intente de nuevo; si persiste, comunique el folio de "
         "la solicitud al administrador.",
}


def is_api(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    accept = request.headers.get("accept", "")
    return path.startswith("/api/") or ("application/json" in accept and "text/html" not in accept)


def problem(request: Request[Any, Any, Any], status: int, detail: str, code: str,
            extra: dict[str, Any] | None = None) -> Response[Any]:
    body: dict[str, Any] = {
        "type": f"urn:sanece:problem:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": request_id_var.get(),
    }
    if extra:
        body.update(extra)
    return Response(content=body, status_code=status, media_type="application/problem+json")


def error_page(request: Request[Any, Any, Any], status: int, detail: str) -> Response[Any]:
    from entrypoints.http.rendering import render

    try:
        return render(request, "error.html", status_code=status, status=status,  # type: ignore[return-value]
                      title=TITLES.get(status, "Error"), detail=detail, request_id=request_id_var.get())
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        log.exception("error page failed")
        return Response(content=f"<h1>{TITLES.get(status, 'Error')}</h1><p>{detail}</p>",
                        status_code=status, media_type=MediaType.HTML)


def respond(request: Request[Any, Any, Any], status: int, detail: str, code: str,
            extra: dict[str, Any] | None = None) -> Response[Any]:
    token = None
    if request_id_var.get() == "-":
        # Unrouted requests skip the request-id middleware: give them an id here.
        token = request_id_var.set(secrets.token_hex(8))
    try:
        response = problem(request, status, detail, code, extra) if is_api(request) \
            else error_page(request, status, detail)
        if token is not None:
            response.headers["X-Request-ID"] = request_id_var.get()
        return response
    finally:
        if token is not None:
            request_id_var.reset(token)


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if isinstance(exc, NotAuthenticated) and not is_api(request):
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        suffix = "&expirada=1" if exc.expired else ""
        return Redirect(path=f"/login?next={quote(target)}{suffix}", status_code=303)  # type: ignore[return-value]
    extra = {"code": exc.code}
    if exc.details is not None:
        extra["errors"] = exc.details
    log.info("domain error", extra={"fields": {"code": exc.code, "detail": exc.log_message}})
    return respond(request, exc.status, exc.message, exc.code, extra)


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    detail = HTTP_MESSAGES.get(status) or TITLES.get(status, "Error")
    extra: dict[str, Any] = {}
    if status == 400 and getattr(exc, "extra", None):
        detail = "Los datos enviados no tienen el formato esperado."
        extra["errors"] = exc.extra
    if status >= 500:
        log.error("http error %s: %s", status, exc.detail)
    response = respond(request, status, detail, f"http_{status}", extra or None)
    # Headers the exception carries are part of the answer: Allow on 405 (RFC 9110 §15.5.6),
    # Retry-After on 429/503.
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error", exc_info=exc)
    return respond(request, HTTP_500_INTERNAL_SERVER_ERROR, HTTP_MESSAGES[500], "internal_error")


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}
