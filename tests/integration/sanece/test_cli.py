"""`sanece-admin sanece …` through click's runner, on both databases."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from entrypoints.cli.main import cli
from sanece.application.use_cases.requests import FileExpiryChangeCommand
from shared.audit.domain import AuditFilter

from .support import F_B, F_PENDING, F_VALID, pdf_upload


@pytest.fixture
def run(container, world):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["sanece", *args], obj={"container": container})

    return invoke


def _file(world, kind="extension", number=F_VALID, actor=None):
    motive = "Desabasto" if kind == "extension" else "Defunción"
    return world.san.file_expiry_change()(actor or world.director_a, FileExpiryChangeCommand(
        number, kind, motive, "Detalle del motivo.", [pdf_upload("nota.pdf")])).ids[0]


def test_requests_list_show_approve_and_reject(run, world, container):
    ext, baja = _file(world), _file(world, "cancellation", F_B, world.director_b)
    r = run("requests", "list")
    assert r.exit_code == 0, r.output
    for text in ("Ampliación de fecha de", "Baja de folio", F_VALID, F_B, "En espera",
                 "Mostrando 1 a 2 de 2 registros"):
        assert text in r.output, text
    r = run("requests", "list", "--type", "baja", "--ooad", "aguascalientes")
    assert F_B in r.output and F_VALID not in r.output
    r = run("requests", "show", str(ext))
    assert r.exit_code == 0 and "Adjunto 1: nota.pdf (application/pdf" in r.output
    r = run("requests", "approve", str(ext))
    assert r.exit_code == 1 and r.output.startswith("Error: Indica la fecha final")
    r = run("requests", "approve", str(ext), "--expiry", "31/13/2026")
    assert r.exit_code == 1 and "no es una fecha válida" in r.output
    r = run("requests", "approve", str(ext), "--expiry", "15/10/2026")
    assert r.exit_code == 0, r.output
    assert "Validado" in r.output and "15/04/2026 → 15/10/2026" in r.output
    assert world.folio(F_VALID).expiry_date == date(2026, 10, 15)
    r = run("requests", "reject", str(baja))
    assert r.exit_code == 2  # --reason is required
    r = run("requests", "reject", str(baja), "--reason", "El acta no es legible.")
    assert r.exit_code == 0 and "No Validado" in r.output
    r = run("requests", "reject", str(baja), "--reason", "Otra vez.")
    assert r.exit_code == 1 and "Error: La solicitud ya fue revisada" in r.output
    r = run("requests", "list", "--status", "todos")
    assert "El acta no es legible." in r.output
    assert run("requests", "show", "999").output.startswith("Error: La solicitud de cambio no")
    entry = container.audit_query().list(AuditFilter(action="sanece.request_rejected"))[0]
    assert entry.entry.actor.startswith("cli")


def test_evaluate(run, world):
    r = run("evaluate", F_PENDING, "--status", "validada", "--months", "6", "--key", "5434",
            "--qty", "3", "--requirement", "Clave 5434 cada 21 días.")
    assert r.exit_code == 0, r.output
    assert f"Folio {F_PENDING}: Validada; fecha de vencimiento 01/09/2026." in r.output
    r = run("evaluate", F_PENDING, "--status", "no-validada", "--observations", "x")
    assert r.exit_code == 1 and "Error: Solo se puede registrar" in r.output
    r = run("evaluate", "123", "--status", "no-validada", "--observations", "x")
    assert r.exit_code == 1 and "11 dígitos" in r.output


def test_pdf_and_extract(run, world, tmp_path):
    out = tmp_path / "respuesta.pdf"
    r = run("pdf", F_VALID, "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "CERTOLIZUMAB PEGOL" in PdfReader(str(out)).pages[0].extract_text()
    missing = tmp_path / "no.pdf"
    r = run("pdf", "20250101999", "--out", str(missing))
    assert r.exit_code == 1 and r.output.startswith("Error:") and not missing.exists()
    xlsx = tmp_path / "extraccion.xlsx"
    r = run("extract", "--unit", "h gral zona mf 4", "--from", "10/03/2025", "--to",
            "2026-03-10", "--generic", "certolizumab", "--status", "validada", "--out",
            str(xlsx))
    assert r.exit_code == 0, r.output
    assert "3 filas escritas" in r.output
    assert load_workbook(xlsx).worksheets[0].max_row == 4
    r = run("extract", "--unit", "h gral zona mf 4", "--from", "01/01/2022", "--to",
            "10/03/2026", "--out", str(tmp_path / "x.xlsx"))
    assert r.exit_code == 1 and "tres años de antigüedad" in r.output
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "x.xlsx.part").exists()
    r = run("extract", "--unit", "campeche", "--from", "10/03/2025", "--to", "10/03/2026",
            "--by", "patient", "--out", str(tmp_path / "y.xlsx"))
    assert r.exit_code == 1 and "varias unidades" in r.output


def test_imports_units_listing_and_merge_undo(run, world, tmp_path):
    path = tmp_path / "unidades.csv"
    path.write_text("OOAD/UMAE,Unidad médica\nJALISCO,UMAE H Especialidades CMN Occidente\n",
                    encoding="utf-8")
    r = run("import", "units", str(path))
    assert r.exit_code == 0 and "1 nuevos, 0 actualizados, 0 sin cambios" in r.output
    bad = tmp_path / "malo.csv"
    bad.write_text("OOAD/UMAE,Unidad médica\nJALISCO,\n", encoding="utf-8")
    r = run("import", "units", str(bad))
    assert r.exit_code == 1 and "Línea 2: Falta la unidad médica." in r.output
    r = run("units", "--ooad", "jalisco")
    assert "UMAE H Especialidades CMN Occidente" in r.output
    r = run("merge", "undo", "999")
    assert r.exit_code == 1 and r.output.startswith("Error:")
    r = run("feedback", "list")
    assert r.exit_code == 0 and "Mostrando 0 a 0 de 0 registros" in r.output
