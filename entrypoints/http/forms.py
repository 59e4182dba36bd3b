"""Parsing what pages and the API receive (query strings, form fields), shared by every
context: whole numbers with Spanish refusals, the page/search of a paginated table, links
that keep their filters, and the values of each submitted field.
"""

from __future__ import annotations

from typing import Any, Mapping, MutableMapping, Sequence, TypeVar
from urllib.parse import unquote, urlencode

import attrs
from litestar import Request

from shared.kernel.errors import ValidationError
from shared.kernel.pagination import MAX_PAGE, PageRequest

T = TypeVar("T")
SEARCH_MAX = 120
INT_DIGITS_MAX = 18  # every whole number of up to 18 digits fits a signed 64-bit integer


def parse_int(raw: Any, what: str, *, minimum: int | None = None) -> int | None:
    """A query/form value as a whole number (None when empty), or a Spanish refusal."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if not (text.isascii() and text.lstrip("-").isdigit()):
        raise ValidationError(f"«{what}» debe ser un número entero.",
                              log_message=f"not an int for {what}: {text!r}")
    if len(text.lstrip("-")) > INT_DIGITS_MAX:
        # Past a 64-bit SQL integer: refused here rather than an overflow in the driver.
        raise ValidationError(f"«{what}» es demasiado grande.",
                              log_message=f"{what} has {len(text)} digits")
    value = int(text)
    if minimum is not None and value < minimum:
        raise ValidationError(f"«{what}» debe ser al menos {minimum}.",
                              log_message=f"{what} below {minimum}")
    return value


def search_term(raw: str | None) -> str:
    """A search box's text, trimmed and capped (a pasted page of text is not a search)."""
    return (raw or "").strip()[:SEARCH_MAX]


def page_request(request: Request[Any, Any, Any], size: int = 10, *, page_key: str = "pagina",
                 search_key: str = "q") -> PageRequest:
    """``?pagina=N&q=text`` (the legacy tables' "Buscar:" box) as a ``PageRequest``."""
    q = request.query_params
    raw = str(q.get(page_key) or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) > INT_DIGITS_MAX:
        # A page number of any size is a page past the end: answered as the last page.
        raw = str(MAX_PAGE)
    page = parse_int(raw, "página", minimum=1) or 1
    return PageRequest(page, size, search_term(q.get(search_key)))


def with_query(path: str, **params: Any) -> str:
    """``path?a=1&b=2`` without the empty parameters."""
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(clean)}" if clean else path


def same_page(request: Request[Any, Any, Any]) -> str:
    """The requested path and query (post/redirect/get back to the same page)."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


class UrlEncodedFields(dict[str, str]):
    """An ``application/x-www-form-urlencoded`` body: the first value of each field (a dict),
    and ``getall`` for a field sent more than once."""

    __slots__ = ("repeated",)

    def __init__(self) -> None:
        super().__init__()
        self.repeated: dict[str, list[str]] = {}

    def getall(self, name: str) -> list[str]:
        if name in self.repeated:
            return list(self.repeated[name])
        if name in self:
            return [self[name]]
        raise KeyError(name)


def parse_urlencoded(body: bytes) -> UrlEncodedFields:
    """A form body decoded as Litestar's parser does (``parse_qsl(body.decode("latin-1"),
    keep_blank_values=True)``: "+" is a space, %XX is UTF-8, empty pairs are skipped), in one
    pass: the Cirugía grid posts ~17,000 fields, which Litestar's parser turned into a list of
    pairs, a dict of lists and a multidict (twice) before a handler read one of them."""
    text = body.decode("latin-1")
    if "+" in text:  # a literal "+" arrives as %2B: every "+" is a space, in names and values
        text = text.replace("+", " ")
    fields = UrlEncodedFields()
    repeated = fields.repeated
    for pair in text.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        if "%" in pair:  # split first: an encoded "&" or "=" (%26, %3D) is data
            name, value = unquote(name), unquote(value)
        if name in fields:
            repeated.setdefault(name, [fields[name]]).append(value)
        else:
            fields[name] = value
    return fields


# where ``form_fields`` keeps a request's parsed body (the CSRF check reads it first)
FORM_FIELDS_KEY = "app.form_fields"


def form_fields(scope: MutableMapping[str, Any], body: bytes) -> UrlEncodedFields:
    """The request's urlencoded body parsed once: what the CSRF check parsed, or now."""
    fields = scope.get(FORM_FIELDS_KEY)
    if not isinstance(fields, UrlEncodedFields):
        fields = scope[FORM_FIELDS_KEY] = parse_urlencoded(body)
    return fields


def first_values(fields: Mapping[str, Sequence[str]] | Mapping[str, str]) -> dict[str, str]:
    """One value per field name (the first one), whatever the mapping holds."""
    out: dict[str, str] = {}
    for key, value in fields.items():
        if isinstance(value, str):
            out[key] = value
        elif value:
            out[key] = str(value[0])
    return out


def field_values(source: Any) -> dict[str, str]:
    """The first value of each field of a ``ReceivedForm``, a query string or a mapping."""
    if isinstance(getattr(source, "fields", None), Mapping):
        return first_values(source.fields)
    if hasattr(source, "getall"):
        return {k: str(source.get(k)) for k in source.keys()}
    return first_values(source)


def all_values(source: Any, name: str) -> tuple[str, ...]:
    """Every value sent under ``name`` (repeated fields: checkboxes, a grid's product list),
    from a ``ReceivedForm``, a query string or a parsed form (a list when repeated)."""
    if hasattr(source, "getall"):
        try:
            return tuple(str(v) for v in source.getall(name))
        except KeyError:
            return ()
    value = source.get(name) if isinstance(source, Mapping) else None
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else (str(value),)


def fields_into(cls: type[T], fields: Any) -> T:
    """An attrs class of text fields from submitted fields (a form, a query string or a
    multipart body): fields it does not declare (the CSRF token, buttons) are ignored, missing
    ones keep their defaults, values stay exactly as typed so a refused form can be shown back."""
    names = {a.name for a in attrs.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in field_values(fields).items()  # type: ignore[call-arg]
                  if k in names})


def page_link(request: Request[Any, Any, Any], page_key: str = "pagina", *,
              path: str | None = None, **extra: Any) -> Any:
    """``n -> URL of page n`` keeping every other query parameter (for the pagers). ``path``
    and ``extra`` serve a page rendered from a POST: the GET page it belongs to and the
    parameters that show it."""
    keep = {k: request.query_params.get(k) for k in request.query_params.keys() if k != page_key}
    keep.update(extra)
    target = path or request.url.path

    def link(n: int) -> str:
        return with_query(target, **keep, **{page_key: n})

    return link
