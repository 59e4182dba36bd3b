"""`sanece-admin sanece …` through click's runner, on both databases."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from sanece.application.use_cases.requests import FileExpiryChangeCommand
from shared.audit.domain import AuditFilter

from ..support import F_B, F_PENDING, F_VALID, pdf_upload


def _file(world, kind="extension", number=F_VALID, actor=None):
    motive = "Desabasto" if kind == "extension" else "Defunción"
    return world.san.file_expiry_change()(actor or world.director_a, FileExpiryChangeCommand(
        number, kind, motive, "Detalle del motivo.", [pdf_upload("nota.pdf")])).ids[0]


def test_requests_list_show_approve_and_reject(run, world, container):
    ext, baja = _file(world), _file(world, "cancellation", F_B, world.director_b)
    r = run("requests", "list")
    assert r.exit_code == 0, r.output
    _, rows = table_of(r.output)
    assert [(row[3], row[5], row[8]) for row in rows.values()] == [
        ("Ampliación de fecha de vencimiento", F_VALID, "En espera"),
        ("Baja de folio", F_B, "En espera")]
    assert "Mostrando 1 a 2 de 2 registros" in r.output
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
    # the default code OTRO needs the text
    assert r.exit_code == 1 and "Error: Escribe el motivo" in r.output
    r = run("requests", "reject", str(baja), "--reason", "El acta no es legible.")
    assert r.exit_code == 0 and "No Validado" in r.output
    r = run("requests", "reject", str(baja), "--reason", "Otra vez.")
    assert r.exit_code == 1 and "Error: La solicitud ya fue revisada" in r.output
    r = run("requests", "list", "--status", "todos")
    assert table_of(r.output)[1][str(baja)][-1] == "El acta no es legible."
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
    assert r.exit_code == 2 and "--reason" in r.output  # the reason is required
    r = run("merge", "undo", "999", "--reason", "Error de captura")
    assert r.exit_code == 1 and r.output.startswith("Error:")
    r = run("feedback", "list")
    assert r.exit_code == 0 and "Mostrando 0 a 0 de 0 registros" in r.output


def table_of(output: str) -> tuple[list[str], dict[str, list[str]]]:
    """A rich table as printed: its header and its rows by first cell, wrapped cells joined."""
    def merged(cells: list[str], more: str, bar: str) -> list[str]:
        parts = [c.strip() for c in more.split(bar)[1:-1]]
        return [" ".join(x for x in (a, b) if x) for a, b in zip(cells or [""] * len(parts),
                                                                 parts)]

    header: list[str] = []
    rows: dict[str, list[str]] = {}
    last = ""
    for line in output.splitlines():
        if line.startswith("┃"):
            header = merged(header, line, "┃")
        elif line.startswith("│"):
            first = line.split("│")[1].strip()
            last = first or last
            rows[last] = merged(rows.get(last, []) if not first else [], line, "│")
    return header, rows


def test_requests_list_shows_local_time_and_both_motives_apart(run, world):
    ext, baja = _file(world), _file(world, "cancellation", F_B, world.director_b)
    assert run("requests", "reject", str(baja), "--reason", "El acta no es legible.")\
        .exit_code == 0
    r = run("requests", "list", "--status", "todos")
    assert r.exit_code == 0, r.output
    header, rows = table_of(r.output)
    assert header[1] == "Fecha solicitud (America/Mexico_City)"
    assert header[-2:] == ["Motivo", "Motivo de la revisión"]
    # filed at 16:00 UTC: 10:00 in Mexico City, as the web shows it
    assert rows[str(ext)][1] == "10/03/2026 10:00"
    assert rows[str(ext)][-2:] == ["Desabasto", ""]
    assert rows[str(baja)][-2:] == ["Defunción", "El acta no es legible."]
    r = run("requests", "show", str(ext))
    assert "(10/03/2026 10:00, America/Mexico_City)" in r.output


def test_an_extension_past_the_longest_period_is_refused(run, world):
    ext = _file(world)
    r = run("requests", "approve", str(ext), "--expiry", "31/12/2099")
    assert r.exit_code == 1
    assert r.output == ("Error: La nueva fecha de vencimiento no puede ser posterior al "
                        "15/04/2031: una ampliación es de a lo más 60 meses (el periodo de "
                        "evaluación más largo) a partir de la fecha de vencimiento actual "
                        "(15/04/2026).\n")
    assert world.folio(F_VALID).expiry_date == date(2026, 4, 15)


@pytest.mark.parametrize("command", [
    ("pdf", F_VALID),
    ("extract", "--unit", "h gral zona mf 4", "--from", "10/03/2025", "--to", "10/03/2026"),
])
def test_an_output_file_that_cannot_be_written_is_one_spanish_line(run, world, tmp_path,
                                                                   command):
    r = run(*command, "--out", "/nonexistent/x.out")
    assert r.exit_code == 1
    assert r.output == ("Error: No se puede escribir el archivo «/nonexistent/x.out»: la "
                        "carpeta «/nonexistent» no existe.\n")
    folder = tmp_path / "salida" / "carpeta"
    folder.mkdir(parents=True)
    r = run(*command, "--out", str(folder))
    assert r.exit_code == 1
    assert r.output == (f"Error: No se puede escribir el archivo «{folder}»: es una carpeta; "
                        "indique el nombre del archivo.\n")
    assert list(folder.parent.iterdir()) == [folder]  # no .part left behind


def test_import_errors_are_one_sentence(run, world, tmp_path):
    bad = tmp_path / "pacientes.csv"
    bad.write_text("NSS,Agregado,Primer apellido,Segundo apellido,Nombre\n"
                   "12,1F1980OR,A,B,C\n123,1F1980OR,A,B,C\n", encoding="utf-8")
    r = run("import", "patients", str(bad))
    assert r.exit_code == 1
    assert "dígitos; Línea 3: El NSS debe tener exactamente 10 dígitos.\n" in r.output
    assert ".;" not in r.output and ".." not in r.output
