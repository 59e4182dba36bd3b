"""`sanece-admin sanece …` refuses numbers beyond the domain's bounds with one ``Error:`` line
and a non-zero exit, on both databases (before: an 81-line traceback for ``--qty
2147483648`` on PostgreSQL)."""

from __future__ import annotations

import pytest

from ..support import F_PENDING

HUGE = "99999999999999999999"


def one_error_line(result) -> str:
    assert result.exit_code != 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize("qty", ["2147483648", "3000000000", HUGE])
def test_evaluate_refuses_an_impossible_quantity(run, world, qty):
    line = one_error_line(run("evaluate", F_PENDING, "--status", "validada", "--months", "6",
                              "--key", "5434", "--qty", qty, "--requirement", "Clave 5434."))
    assert "La cantidad de la clave 5434 no puede ser mayor de 99,999 unidades." in line
    assert world.folio(F_PENDING).status.value == "pending"  # nothing was written


def test_months_ids_and_days_beyond_the_bounds(run, world):
    line = one_error_line(run("evaluate", F_PENDING, "--status", "validada", "--months",
                              "2147483648", "--key", "5434", "--qty", "2",
                              "--requirement", "Clave 5434."))
    assert "El periodo debe ser un número entero de 1 a 60 meses." in line
    assert "no existe" in one_error_line(run("requests", "show", HUGE))
    assert "no existe" in one_error_line(run("requests", "approve", "2147483648"))
    assert "36,500" in one_error_line(run("requests", "list", "--days", HUGE))
