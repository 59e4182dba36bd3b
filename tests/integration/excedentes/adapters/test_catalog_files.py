"""E13: catalog and unit files in CSV and XLSX, read with line numbers and written back."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from excedentes.adapters.files import TabularCatalogFiles
from excedentes.application.ports import CatalogFiles
from excedentes.domain.imports import CatalogRow, UnitRow, validate_catalog_rows, validate_unit_rows
from excedentes.domain.institution import Institution
from shared.kernel.errors import ValidationError
from shared.kernel.imports import ImportInvalid

FILES: CatalogFiles = TabularCatalogFiles()
SS = Institution(code="SS", name="Secretaría de Salud", entity_word="Entidad Federativa",
                 signature_labels=("Autoriza:", "Revisa:"), has_specialty_level=True)

CATALOG = [
    CatalogRow(2, "Cirugía", "Cirugía general", "Consulta externa especialidad",
               "Amigdalectomía con o sin adenoidectomía", "Sesión"),
    CatalogRow(3, "Auxiliares de diagnóstico", "Laboratorio de análisis clínicos",
               "Consulta externa", "Albúmina en sangre.", "Estudio"),
    CatalogRow(4, "Auxiliares de diagnóstico", "Imagenología", "Consulta externa",
               'Abdomen simple (radiografía), "AP y lateral"; 2 proyecciones', "Estudio"),
    CatalogRow(5, "Consulta", "Psicología", "Psicología", "Consulta de psicología", "Consulta"),
]
UNITS = [
    UnitRow(2, "CCIST000016", "CALKINÍ 1", "PRIMER NIVEL", "04", "ISSSTE"),
    UnitRow(3, "BCSSA001152", "3 DE OCTUBRE", "PRIMER NIVEL", "02", "SS"),
    UnitRow(4, "BCIST000122", "HOSPITAL GENERAL «ENSENADA», SEGUNDO PISO", "SEGUNDO NIVEL",
            "02", "ISSSTE"),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_catalog_round_trip(tmp_path: Path, fmt: str):
    path = tmp_path / f"catalogo.{fmt}"
    assert FILES.write_catalog(iter(CATALOG), path, fmt) == len(CATALOG)
    assert list(FILES.read_catalog(path, path.name)) == CATALOG
    assert validate_catalog_rows(SS, FILES.read_catalog(path, path.name)).ok


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_units_round_trip_keeps_codes_as_text(tmp_path: Path, fmt: str):
    path = tmp_path / f"unidades.{fmt}"
    assert FILES.write_units(iter(UNITS), path, fmt) == len(UNITS)
    read = list(FILES.read_units(path, path.name))
    assert read == UNITS
    assert read[0].entity_code == "04"
    assert validate_unit_rows(read).ok


def test_exported_csv_is_utf8_with_bom_and_spanish_headers(tmp_path: Path):
    path = tmp_path / "catalogo.csv"
    FILES.write_catalog(CATALOG, path, "csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    first = raw.decode("utf-8-sig").splitlines()[0]
    assert first == "Servicio,Grupo de Servicio,Especialidad,Producto,Unidad de Medida"
    path = tmp_path / "unidades.csv"
    FILES.write_units(UNITS, path, "csv")
    assert path.read_text("utf-8-sig").splitlines()[0] == (
        "CLUES,Unidad Médica,Nivel,Entidad,Institución")


def test_exported_xlsx_has_a_header_row(tmp_path: Path):
    path = tmp_path / "unidades.xlsx"
    FILES.write_units(UNITS, path, "XLSX")
    ws = load_workbook(path).active
    assert [c.value for c in ws[1]] == ["CLUES", "Unidad Médica", "Nivel", "Entidad",
                                        "Institución"]
    assert ws["D2"].value == "04" and ws["D2"].data_type == "s"


def test_a_user_written_csv_with_other_headings_semicolons_and_windows_accents(tmp_path: Path):
    text = ("SERVICIO;Grupo (de Servicio);Especialidad Troncal;PRODUCTO;unidad de medida;Notas\r\n"
            "Cirugía;Cirugía general;Consulta externa especialidad;Amigdalectomía;Sesión;x\r\n"
            ";;;;;\r\n"
            "Cirugía;Cirugía general;;Apendicectomía;Sesión;\r\n")
    path = tmp_path / "upload.tmp"
    path.write_bytes(text.encode("cp1252"))
    rows = list(FILES.read_catalog(path, "Catálogo 2023.csv"))
    assert rows == [
        CatalogRow(2, "Cirugía", "Cirugía general", "Consulta externa especialidad",
                   "Amigdalectomía", "Sesión"),
        CatalogRow(4, "Cirugía", "Cirugía general", "", "Apendicectomía", "Sesión"),
    ]


def test_a_catalog_without_the_specialty_column_is_accepted(tmp_path: Path):
    path = tmp_path / "imss.csv"
    path.write_text("Servicio,Grupo,Producto,Unidad de Medida\nCirugía,Cirugía general,"
                    "Anestesia,Sesión\n", "utf-8")
    assert [r.specialty for r in FILES.read_catalog(path, path.name)] == [""]


def test_a_user_written_xlsx_with_other_headings_and_numeric_cells(tmp_path: Path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Clues", "Nombre de la Unidad Médica", "Nivel de atención", "Clave de Entidad",
               "INSTITUCION"])
    ws.append(["ccist000016", "Calkiní  1", "primer nivel", 4, "ISSSTE"])
    ws.append([None, None, None, None, None])
    ws.append(["BCSSA001152", "3 de Octubre", "Primer Nivel", "02", "SS"])
    ws.append(["XX", "Sin nivel", "", "02", "SS"])
    path = tmp_path / "unidades.xlsx"
    wb.save(path)
    rows = list(FILES.read_units(path, "unidades.xlsx"))
    assert rows[:2] == [UnitRow(2, "CCIST000016", "Calkiní 1", "primer nivel", "4", "ISSSTE"),
                        UnitRow(4, "BCSSA001152", "3 de Octubre", "Primer Nivel", "02", "SS")]
    # line numbers are the file's, so the domain's errors point at the right line
    result = validate_unit_rows(rows)
    assert not result.ok
    assert {e.line for e in result.errors} == {5}
    assert result.errors[0].describe().startswith("Línea 5:")


def _csv(tmp_path: Path, text: str, name: str = "archivo.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_a_missing_column_is_named(tmp_path: Path):
    path = _csv(tmp_path, "Servicio,Grupo de Servicio,Especialidad,Unidad de Medida\n"
                          "Cirugía,Cirugía general,,Sesión\n")
    with pytest.raises(ImportInvalid) as err:
        FILES.read_catalog(path, "catalogo.csv")
    assert "Falta la columna obligatoria «Producto»" in err.value.message
    assert "catalogo.csv" in err.value.message


def test_several_missing_columns_are_all_named(tmp_path: Path):
    path = _csv(tmp_path, "CLUES,Nombre,Entidad\nCCIST000016,CALKINI,04\n")
    with pytest.raises(ImportInvalid) as err:
        FILES.read_units(path, "unidades.csv")
    assert "Faltan las columnas obligatorias «Nivel» y «Institución»" in err.value.message


def test_two_columns_for_the_same_field_are_refused(tmp_path: Path):
    path = _csv(tmp_path, "CLUES,Nombre,Unidad Médica,Nivel,Entidad,Institución\n"
                          "CCIST000016,A,B,PRIMER NIVEL,04,ISSSTE\n")
    with pytest.raises(ImportInvalid, match="dos columnas para «Unidad Médica»"):
        FILES.read_units(path, "unidades.csv")


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n"])
def test_an_empty_csv_is_refused(tmp_path: Path, content: bytes):
    path = tmp_path / "vacio.csv"
    path.write_bytes(content)
    with pytest.raises(ImportInvalid, match="está vacío"):
        FILES.read_catalog(path, "vacio.csv")


def test_an_empty_xlsx_is_refused(tmp_path: Path):
    path = tmp_path / "vacio.xlsx"
    Workbook().save(path)
    with pytest.raises(ImportInvalid, match="está vacío"):
        FILES.read_units(path, "vacio.xlsx")


def test_a_file_with_headers_only_is_refused(tmp_path: Path):
    path = _csv(tmp_path, "CLUES,Unidad Médica,Nivel,Entidad,Institución\n\n")
    with pytest.raises(ImportInvalid, match="no tiene datos"):
        FILES.read_units(path, "unidades.csv")


def test_unreadable_and_foreign_files_are_refused(tmp_path: Path):
    xls = tmp_path / "viejo.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(ImportInvalid, match=r"Excel 97-2003 \(\.xls\)"):
        FILES.read_catalog(xls, "viejo.xls")
    broken = tmp_path / "roto.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip file")
    with pytest.raises(ImportInvalid, match="No se pudo leer el archivo «roto.xlsx»"):
        FILES.read_catalog(broken, "roto.xlsx")
    pdf = tmp_path / "catalogo.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(ImportInvalid, match="no es CSV ni XLSX"):
        FILES.read_catalog(pdf, "catalogo.pdf")


def test_an_unknown_export_format_is_refused(tmp_path: Path):
    with pytest.raises(ValidationError, match="use csv o xlsx"):
        FILES.write_catalog(CATALOG, tmp_path / "x.pdf", "pdf")
