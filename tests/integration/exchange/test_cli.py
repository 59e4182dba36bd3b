"""`sanece-admin exchange analyze` (and its former name `excedentes exchange`) through click's
runner, on both databases."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from entrypoints.cli.main import cli
from shared.kernel.pagination import PageRequest
from tests.integration.excedentes.support import ADMIN


COMMAND = ["exchange", "analyze"]
ALIAS = ["excedentes", "exchange"]


@pytest.fixture
def run(container):
    runner = CliRunner()

    def invoke(*args: str, command: list[str] = COMMAND):
        return runner.invoke(cli, [*command, *args], obj={"container": container})

    return invoke


def test_exchange_saves_writes_and_summarises(run, tmp_path, xch, xworld):
    criteria = tmp_path / "criterios.json"
    criteria.write_text(json.dumps({"tiers": [1, 2, 3], "cross_institution": True,
                                    "min_patients": 1}), encoding="utf-8")
    out = tmp_path / "intercambios.xlsx"
    r = run("--period", "2026", "--criteria", str(criteria), "--out", str(out))
    assert r.exit_code == 0, r.output
    for text in ("Análisis 1 · periodo 2026: asignación voraz y óptima", "Lo que agrega el óptimo",
                 "Pacientes mensuales cubiertos", "21 (58.3 %)", "23 (63.9 %)", "+2",
                 "Potencial de intercambio por institución", "Análisis 1 guardado",
                 "8 intercambios propuestos", "Guardado del análisis", "Libro de Excel"):
        assert text in r.output, text
    assert load_workbook(out)["Intercambios"].max_row == 9
    assert xch.queries().analyses(ADMIN, PageRequest()).total == 1

    # --institution narrows the participants (code or name) and says it is the same data.
    r = run("--period", "2026", "--institution", "Secretaría de Salud", "--out",
            str(tmp_path / "ss.xlsx"))
    assert r.exit_code == 0, r.output
    assert "instituciones: SS" in r.output
    r = run("--period", "2026", "--institution", "ss", "--out", str(tmp_path / "ss2.xlsx"))
    assert "Mismos criterios y mismos datos que el análisis 2" in r.output


@pytest.mark.parametrize("content, message", [
    ("{tiers: [1]}", "no es JSON válido (línea 1"),
    ("[1, 2]", "debe contener un objeto JSON"),
    ('{"tier": [1]}', "Criterios desconocidos: tier"),
    ('{"min_patients": 0}', "min_patients: se espera un número entero mayor o igual a 1"),
])
def test_bad_criteria_files(run, tmp_path, content, message):
    criteria = tmp_path / "c.json"
    criteria.write_text(content, encoding="utf-8")
    r = run("--period", "2026", "--criteria", str(criteria), "--out", str(tmp_path / "x.xlsx"))
    assert r.exit_code == 1
    assert "Error:" in r.output and message in r.output
    assert not (tmp_path / "x.xlsx").exists()


def test_other_bad_input(run, tmp_path, xworld):
    cases = [
        (["--criteria", str(tmp_path / "no.json")], "No existe el archivo de criterios"),
        (["--out", str(tmp_path / "x.csv")], "debe terminar en .xlsx"),
        (["--period", "2031"], "El periodo de captura solicitado no existe"),
        (["--institution", "ZZZ"], "No existe la institución «ZZZ»"),
        (["--state", "Atlantis"], "Estado desconocido"),
        (["--group", "Astrología"], "El grupo de servicio «Astrología» no existe"),
    ]
    for extra, message in cases:
        args = {"--period": "2026", "--out": str(tmp_path / "x.xlsx")}
        i = 0
        while i < len(extra):
            args[extra[i]] = extra[i + 1]
            i += 2
        r = run(*[x for pair in args.items() for x in pair])
        assert r.exit_code == 1, (extra, r.output)
        assert "Error:" in r.output and message in r.output, (extra, r.output)


def test_the_former_name_is_the_same_command(run, tmp_path, xch, xworld):
    r = run("--period", "2026", "--out", str(tmp_path / "alias.xlsx"), command=ALIAS)
    assert r.exit_code == 0, r.output
    assert "Análisis 1 guardado" in r.output and "8 intercambios propuestos" in r.output
    assert xch.queries().analyses(ADMIN, PageRequest()).total == 1
    ctx = cli.make_context("sanece-admin", ["exchange", "--help"], resilient_parsing=True)
    excedentes = cli.get_command(ctx, "excedentes")
    exchange = cli.get_command(ctx, "exchange")
    assert excedentes.commands["exchange"] is exchange.commands["analyze"]
    r = run("--help", command=["excedentes"])
    assert "exchange" in r.output
