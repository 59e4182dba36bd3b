"""The registry of change request types: every type has all its parts, codes, slugs and names
are unique, and pages, API and CLI speak the registry's vocabulary (no second list)."""

from __future__ import annotations

import attrs
import pytest

from entrypoints.cli.sanece import TYPES as CLI_TYPES
from entrypoints.http.sanece import api
from entrypoints.http.sanece.changes import SECTIONS
from entrypoints.http.sanece.common import OWN_ROUTES
from entrypoints.http.sanece.review import TYPE_FILTERS
from sanece.domain.request_types import (
    REQUEST_TYPES,
    RequestType,
    cli_type_names,
    folio_request_types,
    request_type_by_slug,
    request_type_of,
    subtype_codes,
    type_filters,
)
from sanece.domain.request_types.base import (
    OTHER,
    ChangeRequestType,
    FolioRequestType,
    install,
)

# The parts a type must override (the base's defaults raise NotImplementedError).
PARTS = ("filing_rules", "snapshot", "approval_targets", "row_columns", "requested_changes",
         "applied_changes")
VOCABULARY = ("member", "code", "slug", "cli_name", "label", "section_title", "description",
              "targets_patient", "payload_class")


def _overrides(t: ChangeRequestType, name: str) -> bool:
    own = getattr(type(t), name)
    return any(own is not getattr(base, name, None)
               for base in (ChangeRequestType, FolioRequestType) if isinstance(t, base))


@pytest.mark.parametrize("t", REQUEST_TYPES, ids=lambda t: t.code)
def test_every_type_has_all_its_parts(t: ChangeRequestType) -> None:
    for name in VOCABULARY:
        assert getattr(t, name, None) not in (None, ""), f"{t.code}: {name}"
    assert t.label[0].isupper() and t.description.endswith(".")
    assert attrs.has(t.payload_class), f"{t.code}: the payload is an attrs class"
    assert callable(getattr(t.payload_class, "to_dict", None))
    for name in PARTS:
        assert _overrides(t, name), f"{t.code} does not define {name}"
    if isinstance(t, FolioRequestType):
        assert type(t).check_folio_approval is not FolioRequestType.check_folio_approval
        assert type(t).snapshot_fields is not FolioRequestType.snapshot_fields
        assert t.action.startswith(("El ", "La ")), t.action
    else:
        assert type(t).check_approval is not ChangeRequestType.check_approval
    # the motives, by subtype when the type has them, end with "Otro"
    for sub in t.subtypes or (None,):
        motives = t.motives(None if sub is None else sub.code)
        assert not motives or motives[-1] == OTHER
        assert len(set(motives)) == len(motives)


def test_codes_slugs_and_names_are_unique() -> None:
    for attr in ("member", "code", "slug", "label", "section_title"):
        values = [getattr(t, attr) for t in REQUEST_TYPES]
        assert len(set(values)) == len(values), attr
    cli = [name for t in REQUEST_TYPES for name, _ in t.cli_names()]
    assert len(set(cli)) == len(cli)
    assert len(set(subtype_codes())) == len(subtype_codes())
    filters = [code for t in REQUEST_TYPES for code, _, _ in t.filters()]
    assert len(set(filters)) == len(filters)


def test_the_code_enumeration_is_built_from_the_registry() -> None:
    assert RequestType.__module__ == "sanece.domain.request_types"
    assert [m.value for m in RequestType] == [t.code for t in REQUEST_TYPES]
    assert [m.name for m in RequestType] == [t.member for t in REQUEST_TYPES]
    for t in REQUEST_TYPES:
        member = RequestType(t.code)
        assert member is t.enum_member and member.definition is t
        assert member.label == t.label and member.targets_patient == t.targets_patient
        assert request_type_of(member) is t and request_type_of(t.code) is t
        assert request_type_by_slug(t.slug) is t


def test_unknown_codes_and_slugs_are_refused() -> None:
    with pytest.raises(ValueError):
        request_type_of("no_such_type")
    with pytest.raises(ValueError):
        request_type_by_slug("no-such-section")
    with pytest.raises(ValueError):
        RequestType("no_such_type")


def test_the_registry_is_installed_once() -> None:
    with pytest.raises(RuntimeError):
        install(REQUEST_TYPES)


def test_the_guides_five_types_keep_their_codes_urls_and_words() -> None:
    """Stored codes, URLs and the CLI's words are public: the registry must not move them
    (a type added later comes after these five)."""
    assert [(t.code, t.slug, t.cli_name) for t in REQUEST_TYPES[:5]] == [
        ("patient_data", "datos-paciente", "datos-paciente"),
        ("merge", "homologacion", "homologacion"),
        ("expiry_change", "fecha-vencimiento", "fecha-vencimiento"),
        ("unit_change", "unidad-medica", "unidad"),
        ("requirement_change", "requerimiento", "requerimiento"),
    ]
    assert OWN_ROUTES == {t.code for t in REQUEST_TYPES[:5]}


def test_the_pages_speak_the_registrys_vocabulary() -> None:
    assert SECTIONS == tuple((t.section_title, f"/sanece/cambios/{t.slug}", t.description)
                             for t in REQUEST_TYPES)
    assert {code: (label, rt.definition, sub) for code, (label, rt, sub)
            in TYPE_FILTERS.items()} == type_filters()
    assert [label for label, _, _ in TYPE_FILTERS.values()][:6] == [
        "Cambio de datos de paciente", "Homologación de registros",
        "Ampliación de fecha de vencimiento", "Baja de folio", "Cambio de unidad médica",
        "Cambio de requerimiento"]


def test_the_cli_and_the_api_speak_the_registrys_vocabulary() -> None:
    assert {name: (rt.definition, sub) for name, (rt, sub) in CLI_TYPES.items()} == \
        cli_type_names()
    assert list(CLI_TYPES)[:7] == ["datos-paciente", "homologacion", "ampliacion", "baja",
                               "fecha-vencimiento", "unidad", "requerimiento"]
    assert api.TYPE_CODES == " | ".join(t.code for t in REQUEST_TYPES)
    assert api.FOLIO_TYPE_CODES == " | ".join(t.code for t in folio_request_types())
    assert api.SUBTYPE_CODES == " | ".join(subtype_codes())
    assert api.SUBTYPES_OF_FOLIO_TYPES.startswith("extension | cancellation (expiry_change)")
