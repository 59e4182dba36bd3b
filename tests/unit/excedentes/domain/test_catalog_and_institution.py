"""Catalog values, units, periods, institutions and import validation."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from excedentes.domain.catalog import (
    Entity,
    MedicalUnit,
    Period,
    Product,
    Service,
    ServiceGroup,
    Specialty,
    UnitLevel,
)
from excedentes.domain.imports import (
    CatalogRow,
    UnitRow,
    validate_catalog_rows,
    validate_unit_rows,
)
from excedentes.domain.institution import Institution
from excedentes.domain.rules import CluesMustBeValid
from excedentes.domain.signed import SignedReportPolicy
from shared.kernel.errors import ValidationError
from shared.kernel.imports import ImportInvalid

from .strategies import clues, clock

MB = 1024 * 1024
IMSS = Institution(code="IMSS", name="Instituto Mexicano del Seguro Social",
                   entity_word="OOAD/UMAE",
                   signature_labels=("Autoriza TOOAD:",
                                     "Autoriza Jefe de Servicios de Prestaciones Médicas:"),
                   header_lines=("INSTITUTO MEXICANO DEL SEGURO SOCIAL",
                                 "DIRECCIÓN DE PRESTACIONES MÉDICAS"))
SS = Institution(code="SS", name="Secretaría de Salud", entity_word="Entidad Federativa",
                 signature_labels=("Autoriza:", "Revisa:"), signed_pdf_max_bytes=150 * MB,
                 has_specialty_level=True, storage_backend="s3")


# ------------------------------------------------------------------ CLUES and units


@settings(max_examples=100, deadline=None)
@given(clues)
def test_valid_clues_are_accepted_in_any_case(c):
    unit = MedicalUnit(c.lower(), "3 de octubre", "primer nivel", "02", "SS")
    assert unit.clues == c and not CluesMustBeValid(c).is_broken()
    assert unit.level == "PRIMER NIVEL"
    assert unit.heading == f"{c} 3 de octubre, PRIMER NIVEL"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=14).filter(
    lambda s: not (len(s.strip()) == 11 and s.strip()[:5].isalpha() and s.strip()[5:].isdigit())))
def test_other_strings_are_not_clues(text):
    assert CluesMustBeValid(text).is_broken()


def test_guide_clues_and_level_order():
    for c in ("BCSSA001152", "BCIST000122", "CCIST000016"):
        assert not CluesMustBeValid(c).is_broken()
    levels = ["TERCER NIVEL", "UNIDAD DE APOYO", "PRIMER NIVEL", "SEGUNDO NIVEL"]
    assert sorted(levels, key=UnitLevel.sort_key) == [
        "PRIMER NIVEL", "SEGUNDO NIVEL", "TERCER NIVEL", "UNIDAD DE APOYO"]


def test_units_and_entities_need_their_names():
    with pytest.raises(ValidationError, match="nombre de la unidad"):
        MedicalUnit("BCSSA001152", "  ", "PRIMER NIVEL", "02", "SS")
    with pytest.raises(ValidationError, match="código de la entidad"):
        Entity("IMSS", "", "Nuevo León")
    assert Entity("IMSS", "NL", " Nuevo   León ").name == "Nuevo León"


# ------------------------------------------------------------------ product catalog


def test_products_know_their_path_and_check_the_specialty_level():
    group = ServiceGroup(Service("SS", "Servicios de Atención Médica"), "Atención Estomatológica")
    specialty = Specialty(group, "Consulta externa")
    product = Product(None, "Aplicación de corona", "Consulta", group, specialty)
    assert product.path == ("Servicios de Atención Médica", "Atención Estomatológica",
                            "Consulta externa", "Aplicación de corona")
    product.check_fits(SS.has_specialty_level)
    with pytest.raises(ValidationError, match="no usa especialidad"):
        product.check_fits(False)
    bare = Product(None, "Braquiterapia", "Sesión", group)
    with pytest.raises(ValidationError, match="requiere la especialidad"):
        bare.check_fits(True)
    other = ServiceGroup(group.service, "Cirugía")
    with pytest.raises(ValidationError, match="no pertenece al grupo"):
        Product(None, "X", "Estudio", other, specialty)
    with pytest.raises(ValidationError, match="unidad de medida"):
        Product(None, "X", " ", group)


# ------------------------------------------------------------------ periods


def test_period_window_and_coordinator_actions():
    p = Period("IMSS", 2024)
    assert p.label == "Captura del periodo 2024" and p.is_capture_open(clock())
    closed = p.closed(clock())
    assert not closed.is_capture_open(clock()) and closed.closed_at == clock().now()
    assert closed.opened().is_capture_open(clock())
    with pytest.raises(ValidationError, match="posterior a la de inicio"):
        p.with_window(date(2024, 6, 1), date(2024, 5, 1))
    with pytest.raises(ValidationError):
        Period("IMSS", 1999)


@settings(max_examples=100, deadline=None)
@given(st.dates(date(2024, 1, 1), date(2024, 12, 31)),
       st.dates(date(2024, 1, 1), date(2024, 12, 31)))
def test_capture_is_open_exactly_inside_the_window(a, b):
    start, end = min(a, b), max(a, b)
    p = Period("IMSS", 2024, window_start=start, window_end=end)
    today = clock().today()
    assert p.is_capture_open(clock()) == (start <= today <= end)
    assert (p.capture_refusal(clock()) is None) == p.is_capture_open(clock())


# ------------------------------------------------------------------ institutions


def test_institutions_are_data():
    assert IMSS.signed_report_policy == SignedReportPolicy(100 * MB)
    assert SS.signed_report_policy.max_bytes == 150 * MB
    assert SS.signed_report_policy.description == \
        "Solo se aceptan archivos PDF con un peso máximo de 150 Megabytes."
    assert IMSS.entity_title("Nuevo León") == "OOAD/UMAE Nuevo León"
    assert SS.step2_question("BAJA CALIFORNIA") == (
        "¿Alguna de las Unidades Médicas de la Entidad Federativa BAJA CALIFORNIA tiene "
        "Excedentes/Faltantes de algún Servicio Médico Institucional?")
    assert IMSS.no_interventions_sentence("Nuevo León", 2020) == (
        "La OOAD/UMAE Nuevo León no reporta intervenciones Excedentes/Faltantes para el año 2020")
    assert SS.report_header == ("SECRETARÍA DE SALUD",)


@pytest.mark.parametrize("changes, match", [
    ({"code": "imss bad"}, "Código de institución"),
    ({"signature_labels": ("Solo una:",)}, "dos firmas"),
    ({"signed_pdf_max_bytes": 0}, "positivo"),
    ({"entity_word": " "}, "denominación"),
    ({"storage_backend": "S3 bucket"}, "Almacenamiento"),
])
def test_institutions_refuse_bad_data(changes, match):
    values = dict(code="ISSSTE", name="ISSSTE", entity_word="Delegación",
                  signature_labels=("Subdelegación Médica:", "Subdelegación Administrativa:"),
                  signature_name_line=True)
    values.update(changes)
    with pytest.raises(ValidationError, match=match):
        Institution(**values)


# ------------------------------------------------------------------ imports


def test_catalog_import_shares_levels_and_reports_every_bad_line():
    rows = [CatalogRow(2, "Servicios de Atención Médica", "Cirugía", "", "Anestesia", "Consulta"),
            CatalogRow(3, "servicios de atencion medica", "CIRUGÍA", "", "Biopsia", "Estudio")]
    result = validate_catalog_rows(IMSS, rows)
    assert result.ok
    assert result.items[0].group is result.items[1].group
    assert result.items[1].group.name == "Cirugía"  # spelled as on its first line
    bad = rows + [CatalogRow(4, "Servicios de Atención Médica", "Cirugía", "", "anestesia",
                             "Consulta"),
                  CatalogRow(5, "", "Cirugía", "Consulta externa", "X", "")]
    result = validate_catalog_rows(IMSS, bad)
    assert result.items == ()
    assert [(e.line, e.message) for e in result.errors] == [
        (4, "Producto repetido: ya aparece en la línea 2."),
        (5, "El servicio es obligatorio."),
        (5, "La unidad de medida es obligatoria."),
        (5, "El catálogo de IMSS no usa especialidad troncal."),
    ]
    with pytest.raises(ImportInvalid) as err:
        result.raise_if_invalid()
    assert err.value.message.startswith("No se importó ninguna línea: Línea 4:")
    assert err.value.details == result.errors


def test_unit_import_checks_clues_duplicates_and_entities():
    rows = [UnitRow(2, "bcssa001152", "3 DE OCTUBRE", "PRIMER NIVEL", "02", "SS"),
            UnitRow(3, "BCSSA001152", "OTRA", "PRIMER NIVEL", "02", "SS"),
            UnitRow(4, "BCSSA0011", "MAL", "PRIMER NIVEL", "02", "SS"),
            UnitRow(5, "BCSSA000633", "ALGODONES", "PRIMER NIVEL", "99", "SS")]
    result = validate_unit_rows(rows, entities={"SS": {"02"}})
    assert [e.line for e in result.errors] == [3, 4, 5]
    assert "CLUES repetida" in result.errors[0].message
    assert "CLUES no válida" in result.errors[1].message
    assert "no existe" in result.errors[2].message
    ok = validate_unit_rows(rows[:1])
    assert ok.ok and ok.items[0].clues == "BCSSA001152"


def test_a_unit_line_reports_every_problem_it_has():
    rows = [UnitRow(2, "BCSSA0011", "", "CUARTO NIVEL", "02", "SS")]
    result = validate_unit_rows(rows, entities={"SS": {"02"}})
    messages = [e.message for e in result.errors]
    assert [e.line for e in result.errors] == [2, 2, 2]
    assert "CLUES no válida" in messages[0]
    assert "nombre de la unidad médica" in messages[1]
    assert "CUARTO NIVEL" in messages[2]
    assert MedicalUnit.problems(clues="BCSSA001152", name="3 DE OCTUBRE", level="primer nivel",
                                entity_code="02", institution_code="SS") == []
