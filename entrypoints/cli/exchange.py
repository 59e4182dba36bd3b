"""``sanece-admin exchange …``: the exchange context's commands.

``exchange analyze`` runs the exchange analysis (E15) of a period, saves it, writes its Excel
workbook and prints greedy vs optimum. ``sanece-admin excedentes exchange`` is the same
command object under its former name (``entrypoints.modules.CLI_ALIASES``).

Acts as an administrator (audited as ``cli:<user>``); bad input prints one Spanish line
starting with ``Error:`` and exits with a non-zero code.

The criteria file is the JSON an analysis saves, every key optional::

    {"tiers": [1, 2, 3], "cross_institution": true, "institutions": ["IMSS", "SS"],
     "min_patients": 1}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from entrypoints.cli.main import cli_errors, console, get_container, rich_progress
from entrypoints.cli.support import YEAR, admin_actor, institution_code
from exchange.application.model import ViewFilter
from exchange.application.views import comparison_rows, percent_text
from exchange.application.use_cases import RUN_STEPS, RunExchangeCommand


def read_criteria(path: Path | None) -> dict[str, Any]:
    """The criteria file as a dict ({} without a file); Spanish errors for the CLI."""
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"No existe el archivo de criterios «{path}».") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"No se pudo leer el archivo de criterios «{path}»: {exc}.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"El archivo de criterios no es JSON válido (línea {exc.lineno}, "
                         f"columna {exc.colno}).") from None
    if not isinstance(data, dict):
        raise ValueError("El archivo de criterios debe contener un objeto JSON, por ejemplo "
                         '{"tiers": [1, 2, 3], "min_patients": 1}.')
    return data


def _signed(value: int) -> str:
    return f"{value:+,}"


@click.group("exchange")
def group() -> None:
    """Oportunidades de intercambio: análisis de faltantes y excedentes entre unidades."""


@group.command("analyze")
@click.option("--period", "year", type=YEAR, required=True, help="Año del periodo.")
@click.option("--institution", "institutions", multiple=True,
              help="Institución participante (repetible; código o nombre). Sustituye "
                   "«institutions» del archivo de criterios.")
@click.option("--criteria", "criteria_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Archivo JSON con los criterios del análisis.")
@click.option("--state", default=None, help="Solo los faltantes de un estado (clave o nombre).")
@click.option("--group", "service_group", default=None, help="Solo un grupo de servicio.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Libro de Excel de salida (.xlsx).")
@click.pass_context
@cli_errors
def analyze(ctx: click.Context, year: int, institutions: tuple[str, ...],
             criteria_file: Path | None, state: str | None, service_group: str | None,
             out: Path) -> None:
    """Oportunidades de intercambio: asignación voraz y óptima de un periodo (se guarda)."""
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"El archivo de salida debe terminar en .xlsx: «{out}».")
    xch = get_container(ctx).exchange
    criteria = read_criteria(criteria_file)
    if institutions:
        criteria["institutions"] = [institution_code(ctx, text) for text in institutions]
    actor = admin_actor()
    with rich_progress() as progress:
        task = progress.add_task(RUN_STEPS[0], total=len(RUN_STEPS))

        def report(label: str, done: int, total: int) -> None:
            progress.update(task, description=label, completed=done, total=total)

        result = xch.run_analysis()(actor, RunExchangeCommand(year, criteria, state,
                                                             service_group), progress=report)
        writing = progress.add_task("Libro de Excel", total=1)
        exported = xch.export_workbook()(actor, result.analysis.id, ViewFilter(), out)
        progress.update(writing, completed=1)
    a = result.analysis
    table = Table("Indicador", "Voraz", "Óptima", "Lo que agrega el óptimo",
                  title=f"Análisis {a.id} · periodo {a.year}: asignación voraz y óptima")
    for name, greedy, optimal, g_share, o_share in comparison_rows(result.comparison):
        table.add_row(name, f"{greedy:,}" + (f" ({percent_text(g_share)})" if g_share is not None
                                              else ""),
                      f"{optimal:,}" + (f" ({percent_text(o_share)})" if o_share is not None
                                        else ""), _signed(optimal - greedy))
    console.print(table)
    per_inst = Table("Institución", "Registros faltantes", "% registros voraz",
                     "% registros óptima", "% pacientes voraz", "% pacientes óptima",
                     title="Potencial de intercambio por institución")
    for r in result.by_institution:
        per_inst.add_row(r.label, f"{r.optimal.shortage_records:,}",
                         percent_text(r.greedy.share_records_covered),
                         percent_text(r.optimal.share_records_covered),
                         percent_text(r.greedy.share_patients_covered),
                         percent_text(r.optimal.share_patients_covered))
    console.print(per_inst)
    console.print(f"Criterios: {a.criteria.text}")
    console.print(f"Análisis {a.id} guardado ({a.shortages:,} faltantes, {a.surpluses:,} "
                  f"excedentes, {a.elapsed_ms:,} ms). Excel: {exported.path} "
                  f"({exported.rows:,} intercambios propuestos).")
    if a.unplaced:
        console.print(f"Aviso: {a.unplaced:,} registros de unidades sin estado reconocido no se "
                      "compararon.")
    if result.same_as:
        console.print(f"Mismos criterios y mismos datos que el análisis {result.same_as}: el "
                      "resultado es el mismo.")
