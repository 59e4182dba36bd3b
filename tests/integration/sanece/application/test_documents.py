"""The response PDF (read back with pypdf) and the Excel extraction (read back with openpyxl),
built from current data on both databases."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from sanece.application.use_cases.documents import ExtractionCommand
from sanece.application.use_cases.requests import FileRequirementChangeCommand
from sanece.application.use_cases.review import ApproveCommand
from shared.audit.domain import AuditFilter
from shared.kernel.errors import ValidationError

from ..support import EVALUADOR, F_M2, F_NOT, F_PENDING, F_VALID, REVISOR, pdf_upload


def pdf_text(world, actor, number) -> tuple[str, object]:
    out = io.BytesIO()
    printed = world.san.print_response()(actor, number, out)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    assert len(reader.pages) == printed.pages == 1
    return "\n".join(p.extract_text() for p in reader.pages), printed


def test_response_pdf_reflects_current_data(world):
    text, printed = pdf_text(world, world.director_a, F_VALID)
    assert printed.filename == f"respuesta-sanece-{F_VALID}.pdf"
    for expected in ("INSTITUTO MEXICANO DEL SEGURO SOCIAL", "Formato de respuesta del SAnECE",
                     "Fecha de impresión: 10/03/2026 10:00:00", f"Folio: {F_VALID}",
                     "Genérico: CERTOLIZUMAB PEGOL", "Estatus: Validada (Vigente)",
                     "Fecha de evaluación: 15/10/2025", "Periodo (meses): 6",
                     "Fecha de vencimiento: 15/04/2026", "Paciente: PRUEBA PRUEBA PACIENTE",
                     "NSS y agregado: 1111111111 - 1F1980OR", "Diagnóstico: ARTRITIS REUMATOIDE",
                     "OOAD/UMAE: CAMPECHE", "Unidad: H Gral Zona MF 4",
                     "Clave 1: 5795 ampula 200 mg — Cantidad: 12",
                     "Requerimiento: Clave 5795 dosis mensual."):
        assert expected in text, expected
    filed = world.san.file_requirement_change()(world.director_a, FileRequirementChangeCommand(
        F_VALID, "5796", 4, "Clave 5796 jeringa prellenada. Dosis ajustada.", "Ajuste de dosis",
        "Ajuste por peso.", [pdf_upload()]))
    world.san.approve_request()(REVISOR, ApproveCommand(filed.ids[0]))
    text, _ = pdf_text(world, world.director_a, F_VALID)
    assert "Clave 1: 5796 jeringa prellenada 200 mg — Cantidad: 4" in text
    assert "Requerimiento: Clave 5796 jeringa prellenada. Dosis ajustada." in text
    text, _ = pdf_text(world, EVALUADOR, F_NOT)
    assert "Estatus: No Validada" in text and "Observaciones: teyi" in text
    text, _ = pdf_text(world, world.director_a, F_PENDING)
    assert "CÁNCER DE MAMA HER 2 POSITIVO METASTÁSICO" in text  # accents render
    with pytest.raises(ValidationError, match="11 dígitos"):
        world.san.print_response()(world.director_a, "123", io.BytesIO())


def extract(world, actor, **kw):
    out = io.BytesIO()
    cmd = ExtractionCommand(**{"start": date(2025, 3, 10), "end": date(2026, 3, 10), **kw})
    result = world.san.extract()(actor, cmd, out)
    out.seek(0)
    return result, load_workbook(out)


def test_extraction_by_folio_is_a_real_workbook(world, container):
    result, wb = extract(world, world.director_a)
    ws = wb.worksheets[0]
    assert ws.title == "POR FOLIO" and result.rows == 6
    header = [c.value for c in ws[1]]
    assert header == ["Folio", "Fecha de evaluación", "Genérico", "Estatus de evaluación", "NSS",
                      "Agregado", "Paciente", "Diagnóstico", "Clave 1", "Cantidad clave 1",
                      "Clave 2", "Cantidad clave 2", "Periodo (meses)", "Fecha de vencimiento",
                      "Vigente"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:O7"
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    valid = rows[F_VALID]
    assert valid[1] == datetime(2025, 10, 15) and valid[13] == datetime(2026, 4, 15)
    assert (valid[2], valid[3], valid[4], valid[5], valid[6]) == (
        "CERTOLIZUMAB PEGOL", "Validada", "1111111111", "1F1980OR", "PRUEBA PRUEBA PACIENTE")
    assert (valid[8], valid[9], valid[12], valid[14]) == ("5795", 12, 6, "Sí")
    assert rows[F_PENDING][3] == "Pendiente" and rows[F_PENDING][14] == "No"
    assert "20250101003" not in rows  # evaluated before the window
    assert result.filename.startswith(f"extraccion-sanece-{world.units['A']}-20250310-20260310")
    entry = container.audit_query().list(AuditFilter(action="sanece.extracted"))[0].entry
    assert entry.after["rows"] == 6 and entry.actor == "director.campeche"


def test_extraction_filters_and_by_patient(world):
    cert = world.medicines["CERTOLIZUMAB PEGOL"]
    result, wb = extract(world, world.director_a, medicine_id=cert, status="validated")
    assert result.rows == 3
    assert {r[0] for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True)} == {
        F_VALID, "20251101011", F_M2}
    result, wb = extract(world, world.director_a, mode="by_patient")
    ws = wb.worksheets[0]
    assert ws.title == "POR PACIENTE" and ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == [
        "NSS", "Agregado", "Primer apellido", "Segundo apellido", "Nombre(s)", "Folios",
        "Último folio", "Fecha de evaluación del último folio", "Estatus del último folio"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    p1 = next(r for r in rows if r[0] == "1111111111")
    assert p1[5:] == (3, F_PENDING, datetime(2026, 3, 1), "Pendiente")
    assert [r[2] for r in rows] == ["PEREZ", "PRUEBA", "XXX", "XXX"]  # by surnames
    result, _ = extract(world, REVISOR, unit_id=world.units["B"])
    assert result.rows == 1


def test_extraction_window_rules_are_reported_together(world):
    with pytest.raises(ValidationError) as err:
        extract(world, world.director_a, start=date(2022, 1, 1), end=date(2026, 4, 1))
    assert err.value.details == [
        "La fecha de fin no puede ser posterior a hoy (10/03/2026).",
        "Puedes extraer información de tres años de antigüedad a la fecha: la fecha de inicio "
        "debe ser el 10/03/2023 o posterior.",
        "El rango máximo permitido de extracción es de un año entre la fecha de inicio y la "
        "fecha de fin."]
    with pytest.raises(ValidationError, match="igual o posterior a la fecha de inicio"):
        extract(world, world.director_a, start=date(2026, 3, 1), end=date(2026, 2, 1))
    with pytest.raises(ValidationError, match="Elige la unidad médica"):
        extract(world, REVISOR)
    with pytest.raises(ValidationError, match="estatus"):
        extract(world, world.director_a, status="archivado")
