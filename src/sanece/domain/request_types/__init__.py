"""The registry of change request types: one module per type, one registration line each.

Pages, API, CLI, queries and use cases iterate over ``REQUEST_TYPES`` (in this order: the
Cambios menu's, the filters' and the CLI's) or look a type up by its code
(``request_type_of``) or slug (``request_type_by_slug``); ``RequestType`` (the codes'
enumeration, stored in ``san_requests.type``) is built from the same list.
"""

from __future__ import annotations

from sanece.domain.request_types import (
    expiry_change,
    merge,
    patient_data,
    requirement_change,
    unit_change,
)
from sanece.domain.request_types.base import (
    ChangeRequest,
    ChangeRequestType,
    FieldChange,
    Subtype,
    install,
    request_status_label,
    request_type_label,
    request_type_of,
)

REQUEST_TYPES: tuple[ChangeRequestType, ...] = (
    patient_data.TYPE,
    merge.TYPE,
    expiry_change.TYPE,
    unit_change.TYPE,
    requirement_change.TYPE,
)

RequestType = install(REQUEST_TYPES)


def request_type_by_slug(slug: str) -> ChangeRequestType:
    """The type of a Cambios section's URL segment (``ValueError`` for an unknown one)."""
    for t in REQUEST_TYPES:
        if t.slug == slug:
            return t
    raise ValueError(f"{slug!r} is not a change request section")


def folio_request_types() -> tuple[ChangeRequestType, ...]:
    return tuple(t for t in REQUEST_TYPES if t.targets_folio)


def type_filters() -> dict[str, tuple[str, ChangeRequestType, str | None]]:
    """Tipo de solicitud filter code -> (label, type, subtype code): each type, or each of its
    subtypes (the review queue, the API, the CLI)."""
    return {code: (label, t, sub) for t in REQUEST_TYPES for code, label, sub in t.filters()}


def cli_type_names() -> dict[str, tuple[ChangeRequestType, str | None]]:
    """The CLI's ``--type`` names -> (type, subtype code)."""
    return {name: (t, sub) for t in REQUEST_TYPES for name, sub in t.cli_names()}


def subtype_codes() -> tuple[str, ...]:
    return tuple(s.code for t in REQUEST_TYPES for s in t.subtypes)


__all__ = [
    "REQUEST_TYPES", "ChangeRequest", "ChangeRequestType", "FieldChange", "RequestType",
    "Subtype", "cli_type_names", "folio_request_types", "request_type_by_slug",
    "request_status_label", "request_type_label", "request_type_of", "subtype_codes",
    "type_filters",
]
