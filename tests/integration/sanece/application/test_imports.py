"""S16 imports from CSV and XLSX on both databases: everything or nothing, line-numbered
errors, and files that can be imported again."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import xlsxwriter

from sanece.domain.values import EvaluationStatus
from shared.audit.domain import AuditFilter
from shared.kernel.errors import PermissionDenied
from shared.kernel.imports import ImportInvalid
from shared.kernel.pagination import PageRequest

from ..support import ADMIN, REVISOR


def csv_file(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def xlsx_file(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    path = tmp_path / name
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if isinstance(value, date):
                ws.write_datetime(r, c, value, wb.add_format({"num_format": "dd/mm/yyyy"}))
            else:
                ws.write(r, c, value)
    wb.close()
    return path


def load_catalog(san, tmp_path: Path) -> None:
    san.import_units()(ADMIN, csv_file(tmp_path, "unidades.csv", [
        "OOAD/UMAE;Unidad Médica", "CAMPECHE;H Gral Zona MF 4", "campeche;UMF 10",
        "AGUASCALIENTES;H Gral Zona 3"]))
    san.import_medicines()(ADMIN, xlsx_file(tmp_path, "medicamentos.xlsx", [
        ["Genérico", "Clave", "Descripción"],
        ["CERTOLIZUMAB PEGOL", "5795", "ampula 200 mg"],
        ["Certolizumab pegol", 5796, "jeringa prellenada"],
        ["TRASTUZUMAB EMTANSINA", "5434", "frasco ámpula 100 mg"]]))
    san.import_patients()(ADMIN, csv_file(tmp_path, "pacientes.csv", [
        "NSS,Agregado,Apellido paterno,Apellido materno,Nombre(s)",
        "1111111111,1f1980or,Prueba,Prueba,Paciente",
        "1071533138,5M1953PE,PEREZ,ORTIZ,MIGUEL ANGEL"]))


def test_imports_of_units_medicines_patients_and_folios(san, tmp_path, container):
    load_catalog(san, tmp_path)
    q = san.queries()
    assert [u.label for u in q.units(ADMIN.scope)] == [
        "AGUASCALIENTES (H Gral Zona 3)", "CAMPECHE (H Gral Zona MF 4)", "CAMPECHE (UMF 10)"]
    meds = {m.name: [k.code for k in m.keys] for m in q.medicines(ADMIN.scope)}
    assert meds == {"CERTOLIZUMAB PEGOL": ["5795", "5796"], "TRASTUZUMAB EMTANSINA": ["5434"]}
    summary = san.import_folios()(ADMIN, xlsx_file(tmp_path, "folios.xlsx", [
        ["Folio", "NSS", "Agregado", "Genérico", "Estatus", "Fecha de evaluación", "OOAD/UMAE",
         "Unidad médica", "Diagnóstico", "Clave 1", "Cantidad clave 1", "Periodo (meses)",
         "Requerimiento", "Observaciones", "Fecha de baja"],
        ["20250414214", "1111111111", "1F1980OR", "trastuzumab emtansina", "Pendiente",
         date(2025, 4, 14), "CAMPECHE", "H Gral Zona MF 4", "CÁNCER DE MAMA", "", "", "", "",
         "", ""],
        ["20251015001", "1111111111", "1F1980OR", "CERTOLIZUMAB PEGOL", "Validada", "",
         "Campeche", "h gral zona mf 4", "ARTRITIS REUMATOIDE", "5795", 12, 6,
         "Dosis 400 mg al mes.", "", ""],
        ["20251020001", "1071533138", "5M1953PE", "CERTOLIZUMAB PEGOL", "Baja", "20/10/2025",
         "CAMPECHE", "UMF 10", "ARTRITIS", "5796", 1, 12, "Dosis.", "", "01/02/2026"]]))
    assert (summary.created, summary.unchanged) == (3, 0)
    folio = q.folio(ADMIN.scope, "20251015001")
    assert (folio.expiry_date, folio.drugs[0].quantity) == (date(2026, 4, 15), 12)
    baja = q.folio(ADMIN.scope, "20251020001")
    assert baja.status is EvaluationStatus.CANCELLED and baja.cancellation_date == date(2026, 2, 1)
    assert q.latest_folios(ADMIN.scope, PageRequest(1, 10)).total == 3
    # the same files again change nothing
    again = san.import_units()(ADMIN, csv_file(tmp_path, "u2.csv", [
        "OOAD;Unidad", "CAMPECHE;H GRAL ZONA MF 4"]))
    assert (again.created, again.unchanged) == (0, 1)
    entries = container.audit_query().list(AuditFilter(action="sanece.folios_imported"))
    assert entries[0].entry.after["created"] == 3


def test_bad_lines_refuse_the_whole_file(san, tmp_path):
    load_catalog(san, tmp_path)
    path = csv_file(tmp_path, "folios.csv", [
        "Folio,NSS,Agregado,Genérico,Estatus,OOAD/UMAE,Unidad médica,Clave 1,Cantidad clave 1,"
        "Periodo (meses),Requerimiento",
        "20250414214,1111111111,1F1980OR,TRASTUZUMAB EMTANSINA,Pendiente,CAMPECHE,UMF 10,,,,",
        "2025041421,1111111111,1F1980OR,TRASTUZUMAB EMTANSINA,Pendiente,CAMPECHE,UMF 10,,,,",
        "20250415001,9999999999,1F1980OR,TRASTUZUMAB EMTANSINA,Pendiente,CAMPECHE,UMF 10,,,,",
        "20250415002,1111111111,1F1980OR,ADALIMUMAB,Archivada,CAMPECHE,UMF 99,,,,",
        "20250415003,1111111111,1F1980OR,CERTOLIZUMAB PEGOL,Validada,CAMPECHE,UMF 10,5434,0,"
        "6,Dosis",
        "20250415004,1111111111,1F1980OR,CERTOLIZUMAB PEGOL,Validada,CAMPECHE,UMF 10,5795,2,"
        ",",
        "20250414214,1111111111,1F1980OR,TRASTUZUMAB EMTANSINA,Pendiente,CAMPECHE,UMF 10,,,,",
    ])
    with pytest.raises(ImportInvalid) as err:
        san.import_folios()(ADMIN, path)
    messages = [e.describe() for e in err.value.details]
    assert messages[0] == ("Línea 3: El folio debe tener exactamente 11 dígitos (fecha aaaammdd "
                           "y consecutivo de 3 dígitos).")
    assert "Línea 4: El paciente 9999999999 - 1F1980OR no existe" in messages[1]
    line5 = [m for m in messages if m.startswith("Línea 5")]
    assert any("estatus debe ser Pendiente" in m for m in line5)
    assert any("ADALIMUMAB" in m for m in line5) and any("UMF 99" in m for m in line5)
    assert any("Línea 6: La clave 5434 no corresponde al genérico CERTOLIZUMAB PEGOL" in m
               for m in messages)
    assert any(m.startswith("Línea 7:") and "Validada" in m for m in messages)
    assert messages[-1] == "Línea 8: Folio 20250414214 repetido: ya aparece en la línea 2."
    assert str(err.value.message).startswith("No se importó ninguna línea: Línea 3:")
    assert san.queries().latest_folios(ADMIN.scope, PageRequest(1, 10)).total == 0

    with pytest.raises(ImportInvalid, match="Línea 3: La clave 5795 ya pertenece al genérico "
                                            "CERTOLIZUMAB PEGOL"):
        san.import_medicines()(ADMIN, csv_file(tmp_path, "m.csv", [
            "Genérico,Clave", "USTEKINUMAB,5511", "USTEKINUMAB,5795"]))
    assert "USTEKINUMAB" not in {m.name for m in san.queries().medicines(ADMIN.scope)}
    with pytest.raises(ImportInvalid, match="con otro nombre"):
        san.import_patients()(ADMIN, csv_file(tmp_path, "p.csv", [
            "NSS,Agregado,Primer apellido,Segundo apellido,Nombre", 
            "1111111111,1F1980OR,PRUEBA,SANECE,PACIENTE"]))
    with pytest.raises(ImportInvalid, match="Línea 2: El NSS debe tener exactamente 10 dígitos"):
        san.import_patients()(ADMIN, csv_file(tmp_path, "p2.csv", [
            "NSS,Agregado,Primer apellido,Segundo apellido,Nombre", "12,1F1980OR,A,B,C"]))


def test_unreadable_files_and_missing_columns(san, tmp_path):
    with pytest.raises(ImportInvalid, match="Falta la columna obligatoria «Unidad médica» en el archivo «u.csv»"):
        san.import_units()(ADMIN, csv_file(tmp_path, "u.csv", ["OOAD/UMAE,Nombre corto",
                                                               "CAMPECHE,HGZ"]))
    with pytest.raises(ImportInvalid, match="no tiene datos"):
        san.import_units()(ADMIN, csv_file(tmp_path, "u.csv", ["OOAD/UMAE,Unidad médica"]))
    bad = tmp_path / "roto.xlsx"
    bad.write_bytes(b"PK\x03\x04 no es un zip")
    with pytest.raises(ImportInvalid, match="No se pudo leer el archivo «roto.xlsx»"):
        san.import_units()(ADMIN, bad)
    with pytest.raises(ImportInvalid, match="No existe el archivo"):
        san.import_units()(ADMIN, tmp_path / "no-hay.csv")
    with pytest.raises(PermissionDenied):
        san.import_units()(REVISOR, csv_file(tmp_path, "u.csv", ["OOAD,Unidad", "A,B"]))
