"""The published OpenAPI document: Litestar's generated schema plus what handlers don't declare.

Error answers come from guards, the exception handlers (``errors.py``) and the use cases, not
from the handlers' signatures, so Litestar documents none of them. Rather than repeat them on
every handler, ``document_api`` adds them per operation from what the route is: public or not,
its method, its parameters and body, whether it streams an upload. Every one is a problem
document (``Problem``, RFC 9457 plus our ``code``/``request_id``/``errors``). It also adds the
folio and NSS formats to the parameters and request fields that carry them, so clients (and
the fuzzer) know them without reading the guides.

Served by ``ProblemJsonRenderPlugin`` at ``/schema/openapi.json``; the schema routes themselves
are kept out of the document.
"""

from __future__ import annotations

import copy
from typing import Any, Iterator

from litestar import Litestar, Request
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.routes import HTTPRoute

from entrypoints.http.errors import TITLES
from sanece.domain.values import FOLIO_LENGTH, NSS_LENGTH

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
THROTTLED = frozenset({("post", "/api/auth/login")})  # failed logins per client address

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Problema (RFC 9457): lo que envía el API en cada respuesta de error.",
    "required": ["type", "title", "status", "detail", "instance", "request_id"],
    "properties": {
        "type": {"type": "string", "description": "urn:sanece:problem:<código>"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "Mensaje en español para la persona usuaria."},
        "instance": {"type": "string", "description": "Ruta de la solicitud."},
        "request_id": {"type": "string", "description": "Folio de la solicitud (X-Request-ID)."},
        "code": {"type": "string", "description": "Código estable de la regla incumplida."},
        "errors": {"description": "Detalle por campo de los datos no válidos."},
    },
    "additionalProperties": True,
}

DESCRIPTIONS = {
    400: "Parámetros, consulta o cuerpo con formato no válido.",
    401: "Sin sesión, sesión expirada o credenciales no válidas.",
    403: "El rol o el ámbito del usuario no lo permiten, o el token CSRF no es válido.",
    404: "El recurso no existe o está fuera del ámbito del usuario (se responde igual).",
    409: "Conflicto con el estado actual del recurso.",
    412: "La versión indicada en If-Match ya no es la vigente.",
    413: "El archivo o la solicitud excede el tamaño máximo permitido.",
    422: "Los datos no cumplen una regla de negocio.",
    428: "La operación requiere una precondición (If-Match).",
    429: "Demasiados intentos; espere antes de intentar de nuevo.",
    503: "Servicio no disponible.",
}

# Identifiers with a fixed shape, as the domain parses them.
FOLIO_FORMAT = {"pattern": f"^[0-9]{{{FOLIO_LENGTH}}}$", "minLength": FOLIO_LENGTH,
                "maxLength": FOLIO_LENGTH, "description": f"Folio de {FOLIO_LENGTH} dígitos: "
                "fecha de evaluación AAAAMMDD y consecutivo de 3."}
NSS_FORMAT = {"pattern": f"^[0-9]{{{NSS_LENGTH}}}$", "minLength": NSS_LENGTH,
              "maxLength": NSS_LENGTH,
              "description": f"Número de Seguridad Social (NSS) de {NSS_LENGTH} dígitos."}
# Downloads whose type depends on the stored file: Litestar documents a bare Stream as JSON.
BINARY = {"schema": {"type": "string", "format": "binary"}}
DOWNLOADS = {
    ("get", "/api/sanece/requests/{request_id}/attachments/{index}"):
        ("application/pdf", "image/png", "image/jpeg"),
}
SANECE = "/api/sanece/"  # folio and NSS are SAnECE's (excedentes has its own report "folio")
FOLIO_NAMES = frozenset({"folio", "folio_number"})
NSS_NAMES = frozenset({"nss", "correct_nss", "record_nss"})


def error_statuses(method: str, path: str, operation: dict[str, Any], public: bool,
                   upload: bool) -> set[int]:
    """The problem statuses one operation can answer, from what the route is."""
    params = [p for p in operation.get("parameters", []) if isinstance(p, dict)]
    has_input = bool(params) or "requestBody" in operation or upload
    out: set[int] = set()
    if has_input:
        out |= {400, 422}  # Litestar's own validation; the use cases' rules
    if any(p.get("in") == "path" for p in params):
        out.add(404)
    if method in WRITE_METHODS:
        out |= {403, 409, 412, 413, 428}  # CSRF; state; optimistic locking; body size
    if not public:
        out |= {401, 403}  # session; role guard or scope rule
        if has_input:
            out.add(404)  # ids in queries and bodies too: foreign ones answer as missing
    elif method in WRITE_METHODS:
        out.add(401)  # login with bad credentials
    if (method, path) in THROTTLED:
        out.add(429)
    return out


def _routes(app: Litestar) -> Iterator[tuple[str, str, Any]]:
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                for method in handler.http_methods:
                    yield route.path_format or "/", method.lower(), handler


def _with_format(schema: dict[str, Any], fmt: dict[str, Any]) -> dict[str, Any]:
    if schema.get("type") not in (None, "string") or "$ref" in schema:
        return schema
    merged = {**schema, "type": "string", **{k: v for k, v in fmt.items() if k != "description"}}
    merged.setdefault("description", fmt["description"])
    return merged


def _param_format(path: str, param: dict[str, Any]) -> dict[str, Any] | None:
    name = param.get("name", "")
    if not path.startswith(SANECE):
        return None
    if name in NSS_NAMES:
        return NSS_FORMAT
    in_path = param.get("in") == "path"
    if name in FOLIO_NAMES or (name == "number" and "/folios/" in path and in_path):
        return FOLIO_FORMAT
    return None


def _request_components(doc: dict[str, Any]) -> set[str]:
    """Names of component schemas reachable from SAnECE request bodies (formats go on inputs only:
    stored data predating a rule must still conform to the response schemas)."""
    schemas = doc.get("components", {}).get("schemas", {})
    todo: list[Any] = [op.get("requestBody") for path, item in doc.get("paths", {}).items()
                       if path.startswith(SANECE) for op in item.values() if isinstance(op, dict)]
    seen: set[str] = set()
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in seen and name in schemas:
                    seen.add(name)
                    todo.append(schemas[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return seen


def document_api(schema: dict[str, Any], app: Litestar) -> dict[str, Any]:
    """A copy of Litestar's OpenAPI document with error answers and identifier formats."""
    doc = copy.deepcopy(schema)
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem_content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}
    handlers = {(path, method): handler for path, method, handler in _routes(app)}
    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            handler = handlers.get((path, method))
            if not isinstance(operation, dict) or handler is None:
                continue
            opt = handler.opt or {}
            responses = operation.setdefault("responses", {})
            statuses = error_statuses(method, path, operation, public=bool(opt.get("public")),
                                      upload=opt.get("csrf") == "stream")
            if path == "/health" and "200" in responses:
                # Not a problem: the same status document, saying the database is unavailable.
                responses["503"] = {**responses["200"], "description": DESCRIPTIONS[503]}
            for status in sorted(statuses):
                # Litestar's own 400 entry describes a different body: ours replaces it.
                responses[str(status)] = {
                    "description": DESCRIPTIONS.get(status, TITLES.get(status, "Error")),
                    "content": problem_content,
                }
            for answer in responses.values():
                for header in (answer.get("headers") or {}).values():
                    # OpenAPI requires a header's schema (Litestar leaves it out when the
                    # ResponseHeader has no value): our headers (ETag, Retry-After) are text.
                    if isinstance(header, dict) and not {"schema", "content"} & header.keys():
                        header["schema"] = {"type": "string"}
            if (method, path) in DOWNLOADS:
                for ok in [code for code in responses if code.startswith("2")]:
                    responses[ok]["content"] = {t: BINARY for t in DOWNLOADS[(method, path)]}
            for param in operation.get("parameters", []):
                fmt = _param_format(path, param)
                if fmt is not None and isinstance(param.get("schema"), dict):
                    param["schema"] = _with_format(param["schema"], fmt)
    schemas = components["schemas"]
    for name in _request_components(doc):
        for field, prop in (schemas[name].get("properties") or {}).items():
            fmt = (NSS_FORMAT if field in NSS_NAMES
                   else FOLIO_FORMAT if field in FOLIO_NAMES else None)
            if fmt is not None and isinstance(prop, dict):
                schemas[name]["properties"][field] = _with_format(prop, fmt)
    return doc


class ProblemJsonRenderPlugin(JsonRenderPlugin):
    """Serves ``document_api`` of the generated schema (computed once per application)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._cache: tuple[int, dict[str, Any]] | None = None

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        if self._cache is None or self._cache[0] != id(openapi_schema):
            self._cache = (id(openapi_schema), document_api(openapi_schema, request.app))
        return self.render_json(request, self._cache[1])
