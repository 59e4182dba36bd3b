"""JSON request bodies structured with cattrs, for every context's API.

``@post(..., **json_body(SomeBody))`` with ``data: JSONBody[SomeBody]`` hands the raw request
bytes to this module's strict cattrs converter and documents ``SomeBody`` in the OpenAPI
schema. Malformed JSON answers 400; a body that does not fit (missing field, wrong type,
unknown field) answers 422; both are problem details whose ``errors`` list every problem with
its JSON path, in Spanish (``cattrs.transform_error``).
"""

from __future__ import annotations

import json
import typing
from datetime import date
from typing import Any, ClassVar, Generator, Generic, TypeVar

import cattrs
from cattrs.errors import ForbiddenExtraKeysError
from litestar.dto import AbstractDTO, DTOConfig, DTOFieldDefinition
from litestar.typing import FieldDefinition

from shared.kernel.errors import DomainError, ValidationError

T = TypeVar("T")

BODY_INVALID = "Los datos enviados no tienen el formato esperado."


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class MalformedBody(DomainError):
    code = "malformed_body"
    status = 400


def _strict_int(value: Any, _: type) -> int:
    if isinstance(value, bool):
        raise TypeError("bool is not an int")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() \
            and len(value.strip().lstrip("-")) <= 18:
        value = int(value.strip())
    if isinstance(value, int) and INT64_MIN <= value <= INT64_MAX:
        return value
    # Past a 64-bit SQL integer the driver would overflow (a 500): refused as "not an int".
    raise ValueError(f"not an int: {value!r}")


def _strict_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # quantities and numbers sent as JSON numbers
    raise TypeError(f"not a text: {value!r}")


def _strict_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"not a bool: {value!r}")


def _iso_date(value: Any, _: type) -> date:
    if not isinstance(value, str):
        raise TypeError(f"not a date: {value!r}")
    return date.fromisoformat(value.strip())


def make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(str, _strict_str)
    converter.register_structure_hook(bool, _strict_bool)
    converter.register_structure_hook(date, _iso_date)
    return converter


CONVERTER = make_converter()

_TYPE_NAMES = {int: "un número entero", str: "un texto", bool: "true o false",
               date: "una fecha AAAA-MM-DD"}


def _spanish(exc: BaseException, type_: type | None) -> str:
    if isinstance(exc, KeyError):
        return "falta este campo obligatorio"
    if isinstance(exc, ForbiddenExtraKeysError):
        return f"campos no reconocidos: {', '.join(sorted(exc.extra_fields))}"
    if isinstance(exc, (ValueError, TypeError)):
        inner = [a for a in typing.get_args(type_) if a is not type(None)] if type_ else []
        expected = _TYPE_NAMES.get(inner[0] if len(inner) == 1 else type_)  # type: ignore[arg-type]
        if expected is None and type_ is not None and getattr(type_, "__origin__", None) is list:
            expected = "una lista"
        return f"valor no válido (se esperaba {expected})" if expected else "valor no válido"
    if isinstance(exc, AttributeError):
        return "se esperaba un objeto JSON"
    return "valor no válido"


def structure(value: Any, cls: type[T]) -> T:
    """Builtins (parsed JSON) -> ``cls``; a ``ValidationError`` listing every problem."""
    if not isinstance(value, dict):
        raise ValidationError(BODY_INVALID, code="body_invalid",
                              details=["$: se esperaba un objeto JSON"])
    try:
        return CONVERTER.structure(value, cls)
    except Exception as exc:  # cattrs wraps every field error in one exception group
        raise ValidationError(BODY_INVALID, code="body_invalid",
                              log_message=f"body does not fit {cls.__name__}",
                              details=cattrs.transform_error(exc, "$", _spanish)) from exc


def structure_json(raw: bytes, cls: type[T]) -> T:
    try:
        value = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedBody("El cuerpo de la solicitud no es JSON válido.",
                            log_message="malformed JSON body") from exc
    return structure(value, cls)


class CattrsBody(AbstractDTO[T], Generic[T]):
    """A DTO whose decoding is ``structure_json`` and whose schema is the attrs class."""

    config: ClassVar[DTOConfig] = DTOConfig()

    @classmethod
    def generate_field_definitions(cls, model_type: type[Any]
                                   ) -> Generator[DTOFieldDefinition, None, None]:
        yield from ()  # no transfer model: cattrs builds the attrs class itself

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        return False

    @classmethod
    def create_for_field_definition(cls, field_definition: FieldDefinition, handler_id: str,
                                    backend_cls: Any = None) -> None:
        return None

    @classmethod
    def create_openapi_schema(cls, field_definition: FieldDefinition, handler_id: str,
                              schema_creator: Any) -> Any:
        return schema_creator.for_field_definition(FieldDefinition.from_annotation(cls.model_type))

    def decode_bytes(self, value: bytes) -> Any:
        return structure_json(value, self.model_type)

    def decode_builtins(self, value: dict[str, Any]) -> Any:
        return structure(value, self.model_type)


def json_body(cls: type) -> dict[str, Any]:
    """Route options for a JSON body structured by cattrs into ``cls``."""
    return {"dto": CattrsBody[cls], "return_dto": None}  # type: ignore[valid-type]
