"""`sanece-admin excedentes …` through click's runner, on both databases."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from entrypoints.cli.main import cli
from excedentes.application.use_cases.capture import (
    AnswerStep2Command,
    FinalizeCommand,
    SaveGridCommand,
)
from shared.audit.domain import AuditFilter

from ..support import ADMIN_SCOPE, BC, CAP_BC, U_OCTUBRE, YEAR, shortage_row


@pytest.fixture
def run(container, world):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["excedentes", *args], obj={"container": container})

    return invoke


def _finalize_bc(world):
    exc = world.exc
    exc.answer_step2()(CAP_BC, AnswerStep2Command(BC, YEAR, "SI"))
    exc.save_grid()(CAP_BC, SaveGridCommand(BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
                                            world.sid("Cirugía general"),
                                            [shortage_row(world.pid("Anestesia"))]))
    exc.finalize()(CAP_BC, FinalizeCommand(BC, YEAR, True))


def test_status_table(run, world):
    _finalize_bc(world)
    r = run("status", "--institution", "ss", "--period", "2026")
    assert r.exit_code == 0, r.output
    for text in ("Captura del periodo 2026", "Entidad Federativa", "BAJA CALIFORNIA",
                 "Versión Final", "Subir", "Preliminar", "Finalizar Reporte", "verde",
                 "La Entidad Federativa ha finalizado el registro de información"):
        assert text in r.output, text


def test_periods_and_reopen(run, world, container):
    assert "captura cerrada" in run("period", "close", "--institution", "Secretaría de Salud",
                                    "--period", "2026").output
    assert "ya estaba cerrada" in run("period", "close", "--institution", "SS",
                                      "--period", "2026").output
    assert run("period", "open", "--institution", "SS", "--period", "2026").exit_code == 0
    r = run("period", "create", "--institution", "imss", "--period", "2027", "--start",
            "2027-02-01", "--end", "2027-03-31")
    assert r.exit_code == 0 and "Captura del periodo 2027 (IMSS) creado" in r.output
    _finalize_bc(world)
    r = run("reopen", "--institution", "SS", "--period", "2026", "--entity", "baja california",
            "--reason", "Solicitud por oficio")
    assert r.exit_code == 0, r.output
    assert "Apertura registrada para la Entidad Federativa BAJA CALIFORNIA (SS:BC, 2026)" in r.output
    entry = container.audit_query().list(AuditFilter(action="excedentes.reopen"))[0].entry
    assert entry.actor.startswith("cli") and entry.reason == "Solicitud por oficio"
    assert world.exc.queries().overview(ADMIN_SCOPE, BC, YEAR).lock_reason is None


def test_reports(run, world, tmp_path):
    out = tmp_path / "prelim.pdf"
    r = run("report", "--institution", "SS", "--period", "2026", "--entity", "BC", "--kind",
            "preliminar", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "Sin Validez Oficial." in PdfReader(str(out)).pages[0].extract_text()
    final = tmp_path / "final.pdf"
    r = run("report", "--institution", "SS", "--period", "2026", "--entity", "BC", "--kind",
            "final", "--out", str(final))
    assert r.exit_code == 1 and "Error:" in r.output and "Versión Final" in r.output
    assert not final.exists()
    _finalize_bc(world)
    r = run("report", "--institution", "SS", "--period", "2026", "--entity", "BC", "--kind",
            "final", "--out", str(final))
    assert r.exit_code == 0 and "folio SS-2026-BC-V1" in r.output
    assert "SS-2026-BC-V1" in PdfReader(str(final)).pages[0].extract_text()


def test_catalog_units_and_export(run, world, tmp_path):
    cat = tmp_path / "catalogo.csv"
    r = run("catalog", "export", "--institution", "IMSS", "--out", str(cat))
    assert r.exit_code == 0 and "6 productos" in r.output
    cat.write_text(cat.read_text(encoding="utf-8-sig")
                   + "Servicios de Atención Médica,Cirugía,,Apendicectomía,Procedimiento\n",
                   encoding="utf-8")
    r = run("catalog", "import", "--institution", "IMSS", str(cat))
    assert r.exit_code == 0, r.output
    assert "7 líneas: 1 nueva, 0 actualizadas, 6 sin cambios." in r.output

    units = tmp_path / "unidades.xlsx"
    assert run("units", "export", "--out", str(units)).exit_code == 0
    r = run("units", "import", str(units))
    assert r.exit_code == 0 and "7 sin cambios" in r.output

    _finalize_bc(world)
    xlsx = tmp_path / "registros.xlsx"
    r = run("export", "--institution", "SS", "--entity", "Baja California", "--period", "2026",
            "--out", str(xlsx))
    assert r.exit_code == 0 and "1 registro exportado a" in r.output
    assert load_workbook(xlsx, read_only=True).worksheets[0].max_row == 2
    assert run("export", "--period", "2026", "--out", str(xlsx)).exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["status", "--institution", "XYZ", "--period", "2026"], "No existe la institución"),
    (["status", "--institution", "SS", "--period", "2019"], "periodo de captura"),
    (["reopen", "--institution", "SS", "--period", "2026", "--entity", "Sonora", "--reason", "x"],
     "No existe la entidad «Sonora» en SS"),
    (["reopen", "--institution", "SS", "--period", "2026", "--entity", "BC", "--reason", "x"],
     "no es necesaria la apertura"),
    (["export", "--institution", "SS", "--period", "2026", "--out", "x.csv"], ".xlsx"),
    (["period", "create", "--institution", "SS", "--period", "2027", "--start", "mañana"],
     "Fecha no válida"),
])
def test_bad_input_is_one_clear_line(run, args, message):
    r = run(*args)
    assert r.exit_code != 0
    out = r.output.strip()
    assert message in out and "Traceback" not in out and out.startswith("Error:")
    assert len(out.splitlines()) == 1, out


def test_catalog_import_errors_name_the_lines(run, tmp_path):
    bad = tmp_path / "malo.csv"
    bad.write_text("Servicio,Grupo de Servicio,Especialidad,Producto,Unidad de Medida\n"
                   "Servicios de Atención Médica,Cirugía,,,Procedimiento\n", encoding="utf-8")
    r = run("catalog", "import", "--institution", "IMSS", str(bad))
    assert r.exit_code == 1 and "Línea 2:" in r.output and "No se importó ninguna línea" in r.output
