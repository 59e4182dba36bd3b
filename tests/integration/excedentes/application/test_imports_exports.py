"""Catalog and unit imports (all or nothing, line-numbered errors), exports (E13, E14)."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from excedentes.application.use_cases.capture import (
    AnswerStep2Command,
    SaveGridCommand,
)
from excedentes.application.use_cases.exports import ExportRecordsCommand
from shared.kernel.errors import NotFound, PermissionDenied
from shared.kernel.imports import ImportInvalid

from ..support import (
    ADMIN,
    ADMIN_SCOPE,
    BC,
    CAP_BC,
    CAP_NL,
    COORD_IMSS,
    COORD_SS,
    NL,
    U_HGZ33,
    U_OCTUBRE,
    YEAR,
    shortage_row,
    surplus_row,
)

CATALOG_HEAD = "Servicio,Grupo de Servicio,Especialidad,Producto,Unidad de Medida\n"
UNITS_HEAD = "CLUES,Unidad Médica,Nivel,Entidad,Institución\n"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _products(exc, inst="SS"):
    return {(r.group, r.specialty, r.product): r.unit_of_measure
            for r in exc.read_model().catalog_rows(inst)}


def test_catalog_import_merges(world, exc, tmp_path):
    before = _products(exc)
    path = _write(tmp_path, "catalogo.csv", CATALOG_HEAD
                  + "Servicios de Atención Médica,Cirugía,Cirugía general,Anestesia,Sesión\n"
                  + "Servicios de Atención Médica,Cirugía,Cirugía general,Apendicectomía,"
                    "Procedimiento\n"
                  + "servicios de atencion medica,CIRUGIA,Urología,Cierre de uretostomía,"
                    "Procedimiento\n"
                  + "Servicios de Atención Médica,Hemodiálisis,Nefrología,Sesión de hemodiálisis,"
                    "Sesión\n")
    summary = exc.import_catalog()(COORD_SS, "SS", path, "catalogo.csv")
    assert (summary.created, summary.updated, summary.unchanged) == (3, 1, 0)
    after = _products(exc)
    assert len(after) == len(before) + 3
    assert after[("Cirugía", "Cirugía general", "Anestesia")] == "Sesión"
    assert ("Cirugía", "Urología", "Cierre de uretostomía") in after  # same group, kept spelling
    # The id of a merged product is kept (records point to it).
    grid = exc.queries().grid(ADMIN_SCOPE, BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
                              world.sid("Cirugía general"))
    anest = next(line for line in grid.lines if line.product == "Anestesia")
    assert anest.product_id == world.pid("Anestesia") and anest.unit_of_measure == "Sesión"
    again = exc.import_catalog()(COORD_SS, "SS", path, "catalogo.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_catalog_import_with_bad_lines_imports_nothing(world, exc, tmp_path):
    before = _products(exc)
    path = _write(tmp_path, "malo.csv", CATALOG_HEAD
                  + "Servicios de Atención Médica,Cirugía,Cirugía general,Nuevo,Procedimiento\n"
                  + "Servicios de Atención Médica,,Cirugía general,Sin grupo,Procedimiento\n"
                  + "Servicios de Atención Médica,Cirugía,,Sin especialidad,Procedimiento\n"
                  + "Servicios de Atención Médica,Cirugía,Cirugía general,Nuevo,Procedimiento\n")
    with pytest.raises(ImportInvalid) as refused:
        exc.import_catalog()(ADMIN, "SS", path, "malo.csv")
    lines = sorted({e.line for e in refused.value.details})
    assert lines == [3, 4, 5]
    assert refused.value.message.startswith("No se importó ninguna línea: Línea 3:")
    assert _products(exc) == before
    with pytest.raises(NotFound):
        exc.import_catalog()(COORD_IMSS, "SS", path, "malo.csv")
    with pytest.raises(PermissionDenied):
        exc.import_catalog()(CAP_BC, "SS", path, "malo.csv")


def test_catalog_export_round_trip_xlsx(world, exc, tmp_path):
    out = tmp_path / "catalogo.xlsx"
    n = exc.export_catalog()(COORD_IMSS, "IMSS", out)
    assert n == 6
    sheet = load_workbook(out, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Servicio", "Grupo de Servicio", "Especialidad", "Producto",
                           "Unidad de Medida")
    body = [(r[0], r[1], r[2] or "", r[3], r[4]) for r in rows[1:]]
    assert ("Servicios de Atención Médica", "Cirugía", "", "Anestesia", "Procedimiento") in body
    summary = exc.import_catalog()(COORD_IMSS, "IMSS", out, "catalogo.xlsx")
    assert (summary.created, summary.unchanged) == (0, 6)


def test_units_import_and_export(world, exc, tmp_path):
    path = _write(tmp_path, "unidades.csv", UNITS_HEAD
                  + "BCSSA000999,CENTRO DE SALUD EL ROSARIO,PRIMER NIVEL,bc,ss\n"
                  + "BCSSA000633,ALGODONES (RENOVADO),SEGUNDO NIVEL,BC,SS\n"
                  + "BCSSA001152,3 DE OCTUBRE,PRIMER NIVEL,BC,SS\n")
    summary = exc.import_units()(COORD_SS, path, "unidades.csv")
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 1)
    listing = exc.queries().units(ADMIN_SCOPE, BC, YEAR)
    labels = {u.clues: u.label for u in listing.page.items}
    assert labels["BCSSA000999"] == "CENTRO DE SALUD EL ROSARIO, PRIMER NIVEL"
    assert labels["BCSSA000633"] == "ALGODONES (RENOVADO), SEGUNDO NIVEL"

    out = tmp_path / "unidades.csv"
    assert exc.export_units()(COORD_SS, "SS", out) == 5
    text = out.read_text(encoding="utf-8-sig")
    assert "BCSSA000999" in text and "NLIMS000331" not in text
    assert exc.export_units()(ADMIN, None, tmp_path / "todas.xlsx") == 8
    with pytest.raises(PermissionDenied):
        exc.export_units()(COORD_SS, None, tmp_path / "todas.xlsx")


def test_units_import_with_bad_lines_imports_nothing(world, exc, tmp_path):
    path = _write(tmp_path, "unidades.csv", UNITS_HEAD
                  + "BCSSA000998,BUENA,PRIMER NIVEL,BC,SS\n"
                  + "BCSSA99,MALA CLUES,PRIMER NIVEL,BC,SS\n"
                  + "BCSSA000997,OTRA,PRIMER NIVEL,ZZ,SS\n"
                  + "NLIMS000777,DE IMSS,PRIMER NIVEL,NL,IMSS\n"
                  + "BCSSA000998,REPETIDA,PRIMER NIVEL,BC,SS\n")
    with pytest.raises(ImportInvalid) as refused:
        exc.import_units()(COORD_SS, path, "unidades.csv")
    assert sorted({e.line for e in refused.value.details}) == [3, 4, 5, 6]
    assert exc.queries().units(ADMIN_SCOPE, BC, YEAR).page.total == 3
    with pytest.raises(PermissionDenied):
        exc.import_units()(CAP_BC, path, "unidades.csv")


def test_a_unit_with_records_cannot_move(world, exc, tmp_path):
    exc.answer_step2()(CAP_BC, AnswerStep2Command(BC, YEAR, "SI"))
    exc.save_grid()(CAP_BC, SaveGridCommand(BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
                                            world.sid("Cirugía general"),
                                            [shortage_row(world.pid("Anestesia"))]))
    path = _write(tmp_path, "mover.csv",
                  UNITS_HEAD + f"{U_OCTUBRE},3 DE OCTUBRE,PRIMER NIVEL,BS,SS\n")
    with pytest.raises(ImportInvalid, match="no puede cambiar de entidad"):
        exc.import_units()(ADMIN, path, "mover.csv")


def test_records_export(world, exc, tmp_path):
    exc.answer_step2()(CAP_BC, AnswerStep2Command(BC, YEAR, "SI"))
    exc.save_grid()(CAP_BC, SaveGridCommand(BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
                                            world.sid("Cirugía general"), [
        surplus_row(world.pid("Dilatación de esófago")),
        shortage_row(world.pid("Anestesia"), inpatient=True)]))
    exc.answer_step2()(CAP_NL, AnswerStep2Command(NL, YEAR, "SI"))
    exc.save_grid()(CAP_NL, SaveGridCommand(NL, YEAR, U_HGZ33, world.gid("Cirugía", "IMSS"),
                                            None, [shortage_row(world.pid("Anestesia", "IMSS"))]))
    out = tmp_path / "bc.xlsx"
    result = exc.export_records()(CAP_BC, ExportRecordsCommand(YEAR, out, "SS", "bc"))
    assert result.rows == 2
    rows = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Institución" and len(rows) == 3
    assert rows[1][:4] == ("Secretaría de Salud", "BAJA CALIFORNIA", U_OCTUBRE, "3 DE OCTUBRE")
    assert rows[1][8:15] == ("Anestesia", "Procedimiento", "Faltante", "Hospitalaria",
                             "Falta de Equipo", 3, 4)
    assert rows[1][15:] == (None, None)  # no comment, no outlier warning
    assert (rows[2][10], rows[2][11], rows[2][12] or "") == ("Excedente", "Ambulatoria", "")
    assert rows[1][7] == "Cirugía general"

    assert exc.export_records()(COORD_SS, ExportRecordsCommand(YEAR, out, "SS")).rows == 2
    assert exc.export_records()(ADMIN, ExportRecordsCommand(YEAR, out)).rows == 3
    with pytest.raises(PermissionDenied):
        exc.export_records()(CAP_BC, ExportRecordsCommand(YEAR, out, "SS"))
    with pytest.raises(PermissionDenied):
        exc.export_records()(COORD_SS, ExportRecordsCommand(YEAR, out))
    with pytest.raises(NotFound):
        exc.export_records()(COORD_SS, ExportRecordsCommand(YEAR, out, "IMSS"))
    with pytest.raises(NotFound):
        exc.export_records()(ADMIN, ExportRecordsCommand(2019, out, "SS"))
