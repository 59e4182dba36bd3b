"""Pure application helpers: scope predicates and the report's unit sections."""

from __future__ import annotations

import pytest

from excedentes.application.access import (
    EntityRef,
    entity_key,
    may_capture,
    may_manage,
    sees_entity,
    sees_institution,
    split_entity_key,
)
from excedentes.application.ports import ProductLabel
from excedentes.application.use_cases.reports import build_sections
from excedentes.domain.catalog import MedicalUnit
from excedentes.domain.records import Cause, Modality, Record, RecordKind
from shared.kernel.scope import Role, Scope

CAP = Scope(Role.CAPTURISTA, "SS:BC")
COORD = Scope(Role.COORDINADOR, "SS")
ADMIN = Scope(Role.ADMIN)


@pytest.mark.parametrize("scope, inst, entity, sees_i, sees_e, capture, manage", [
    (CAP, "SS", "BC", True, True, True, False),
    (CAP, "SS", "BS", True, False, False, False),
    (CAP, "IMSS", "BC", False, False, False, False),
    (COORD, "SS", "BS", True, True, False, True),
    (COORD, "IMSS", "NL", False, False, False, False),
    (ADMIN, "PEMEX", "TC", True, True, True, True),
    (Scope(Role.DIRECTOR, "U1"), "SS", "BC", False, False, False, False),
    (Scope(Role.CAPTURISTA, "sin-dos-puntos"), "SS", "BC", False, False, False, False),
])
def test_scope_predicates(scope, inst, entity, sees_i, sees_e, capture, manage):
    assert sees_institution(scope, inst) is sees_i
    assert sees_entity(scope, inst, entity) is sees_e
    assert may_capture(scope, inst, entity) is capture
    assert may_manage(scope, inst) is manage


def test_entity_keys():
    assert entity_key("ss", " BC ") == "SS:BC"
    assert split_entity_key("IMSS:MC-OTE") == ("IMSS", "MC-OTE")
    assert split_entity_key("IMSS") is None and split_entity_key(":BC") is None
    assert EntityRef.parse("ss:bc") == EntityRef("SS", "bc")
    with pytest.raises(ValueError):
        EntityRef.parse("SS")


def test_sections_follow_paso_3_order_and_split_tables():
    units = {
        "BCSSA000013": MedicalUnit("BCSSA000013", "HOSPITAL GENERAL", "SEGUNDO NIVEL", "BC", "SS"),
        "BCSSA000633": MedicalUnit("BCSSA000633", "ALGODONES", "PRIMER NIVEL", "BC", "SS"),
    }
    labels = {1: ProductLabel(1, "Anestesia", "Procedimiento", "Cirugía", "S", None),
              2: ProductLabel(2, "Albúmina", "Estudio", "Laboratorio", "S", None)}
    records = [
        Record("BCSSA000013", 1, RecordKind.SURPLUS, Modality.INPATIENT, 5, 6),
        Record("BCSSA000633", 2, RecordKind.SHORTAGE, Modality.OUTPATIENT, 1, 2,
               Cause.LACK_OF_STAFF),
        Record("BCSSA000633", 1, RecordKind.SHORTAGE, Modality.INPATIENT, 3, 4,
               Cause.LACK_OF_EQUIPMENT),
    ]
    sections = build_sections(records, units, labels)
    assert [s.heading for s in sections] == ["BCSSA000633 ALGODONES, PRIMER NIVEL",
                                             "BCSSA000013 HOSPITAL GENERAL, SEGUNDO NIVEL"]
    assert [(line.group, line.product, line.cause, line.modality)
            for line in sections[0].shortages] == [
        ("Cirugía", "Anestesia", "Falta de Equipo", "Hospitalario"),
        ("Laboratorio", "Albúmina", "Falta de Personal", "Ambulatorio")]
    assert sections[0].surpluses == ()
    assert sections[1].surpluses[0].cause is None
