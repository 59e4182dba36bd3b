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
from exchange.application.agreements import (
    AcceptCommand,
    AgreementFilter,
    AgreementView,
    DecisionCommand,
    DeliveryCommand,
    ProposeCommand,
)
from exchange.application.model import ViewFilter
from exchange.application.views import comparison_rows, percent_text
from exchange.application.use_cases import RUN_STEPS, RunExchangeCommand
from exchange.domain.agreements import AgreementStatus, Month
from shared.kernel.pagination import PageRequest
from shared.kernel.scope import Actor, Role, Scope


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


# --------------------------------------------------------------------------- agreements
#
# ``sanece-admin exchange agreements …``: the same use cases and rules as the pages. The
# commands act as the administrator unless ``--as-institution CODE`` names the institution
# whose coordinación acts (then only that side's transitions are allowed, as on the pages).


def _agreement_actor(institution: str | None) -> Actor:
    if not institution:
        return admin_actor()
    return Actor(admin_actor().username, Scope(Role.COORDINADOR, institution.strip().upper()))


AS_INSTITUTION = click.option(
    "--as-institution", "as_institution", default=None, metavar="CÓDIGO",
    help="Actuar como la coordinación de esa institución (por omisión: administrador).")


def _print_agreement(view: AgreementView) -> None:
    s, a = view.stored, view.a
    t = a.terms
    table = Table("Concepto", "Valor", title=f"Acuerdo {s.id} · folio {s.folio}")
    for label, value in (
            ("Estado", view.status.label),
            ("Solicitante", f"{s.requesting.institution} · {s.requesting.entity_name} · "
                            f"{s.requesting.clues} {s.requesting.name}"),
            ("Proveedor", f"{s.providing.institution} · {s.providing.entity_name} · "
                          f"{s.providing.clues} {s.providing.name}"),
            ("Servicio", f"{a.product} ({a.modality.value})"),
            ("Pacientes por mes", f"{t.patients:,}"),
            ("Vigencia", f"{t.start.isoformat()} a {t.end.isoformat()}"),
            ("Análisis de origen", str(s.analysis_id or "—")),
            ("Motivo", f"{a.decision.code}: {a.decision.text}" if a.decision else "—"),
            ("Documento firmado", s.scan.name if s.scan else "—")):
        table.add_row(label, value)
    console.print(table)
    if view.months:
        months = Table("Mes", "Convenidos", "Atendidos", "Motivo",
                       title="Pacientes convenidos y atendidos por mes")
        for m in view.months:
            months.add_row(m.month, f"{m.agreed:,}", "—" if m.served is None else f"{m.served:,}",
                           m.reason)
        console.print(months)


@group.group("agreements")
def agreements_group() -> None:
    """Acuerdos de intercambio: proponer, aceptar, rechazar, cancelar y registrar servicios."""


@agreements_group.command("list")
@click.option("--status", default=None,
              type=click.Choice([s.value for s in AgreementStatus]), help="Solo un estado.")
@click.option("--institution", default=None, help="Solo donde esa institución es parte.")
@AS_INSTITUTION
@click.pass_context
@cli_errors
def agreements_list(ctx: click.Context, status: str | None, institution: str | None,
                    as_institution: str | None) -> None:
    """Los acuerdos (los más recientes primero)."""
    q = get_container(ctx).exchange.agreement_queries()
    flt = AgreementFilter(AgreementStatus(status) if status else None,
                          institution.strip().upper() if institution else None)
    page = q.list(_agreement_actor(as_institution), flt, PageRequest(1, 200))
    table = Table("Id", "Folio", "Estado", "Solicitante", "Proveedor", "Servicio",
                  "Pacientes/mes", "Vigencia", title=f"Acuerdos de intercambio ({page.total:,})")
    for v in page.items:
        s, t = v.stored, v.a.terms
        table.add_row(str(s.id), s.folio, v.status.label,
                      f"{s.requesting.institution} {s.requesting.clues}",
                      f"{s.providing.institution} {s.providing.clues}", v.a.product,
                      f"{t.patients:,}", f"{t.start.isoformat()} a {t.end.isoformat()}")
    console.print(table)


@agreements_group.command("show")
@click.argument("agreement_id", type=int)
@AS_INSTITUTION
@click.pass_context
@cli_errors
def agreements_show(ctx: click.Context, agreement_id: int, as_institution: str | None) -> None:
    """Un acuerdo, con sus pacientes convenidos y atendidos por mes."""
    q = get_container(ctx).exchange.agreement_queries()
    _print_agreement(q.agreement(_agreement_actor(as_institution), agreement_id))


@agreements_group.command("propose")
@click.option("--requesting", required=True, metavar="CLUES", help="Unidad solicitante.")
@click.option("--providing", required=True, metavar="CLUES", help="Unidad proveedora.")
@click.option("--product", required=True, help="Producto o servicio.")
@click.option("--modality", default="Ambulatorio", help="Ambulatorio u Hospitalario.")
@click.option("--patients", required=True, help="Pacientes por mes.")
@click.option("--start", required=True, help="Fecha de inicio (AAAA-MM-DD).")
@click.option("--end", required=True, help="Fecha de término (AAAA-MM-DD).")
@click.option("--notes", default="", help="Observaciones.")
@click.option("--analysis", "analysis_id", default=None, type=int,
              help="Análisis cuyo intercambio propuesto origina el acuerdo.")
@AS_INSTITUTION
@click.pass_context
@cli_errors
def agreements_propose(ctx: click.Context, requesting: str, providing: str, product: str,
                       modality: str, patients: str, start: str, end: str, notes: str,
                       analysis_id: int | None, as_institution: str | None) -> None:
    """Proponer un acuerdo (lo propone la parte solicitante)."""
    xch = get_container(ctx).exchange
    actor = _agreement_actor(as_institution)
    stored = xch.propose_agreement()(actor, ProposeCommand(
        requesting, providing, product, modality, patients, start, end, notes, analysis_id))
    console.print(f"Acuerdo {stored.id} propuesto (folio {stored.folio}): espera la respuesta "
                  f"de {stored.providing.institution_name}.")


@agreements_group.command("accept")
@click.argument("agreement_id", type=int)
@click.option("--patients", default=None, help="Menos pacientes por mes que los propuestos.")
@click.option("--start", default=None, help="Otra fecha de inicio (AAAA-MM-DD).")
@click.option("--end", default=None, help="Otra fecha de término (AAAA-MM-DD).")
@AS_INSTITUTION
@click.pass_context
@cli_errors
def agreements_accept(ctx: click.Context, agreement_id: int, patients: str | None,
                      start: str | None, end: str | None, as_institution: str | None) -> None:
    """Aceptar un acuerdo propuesto (la parte proveedora)."""
    stored = get_container(ctx).exchange.accept_agreement()(
        _agreement_actor(as_institution), AcceptCommand(agreement_id, patients, start, end))
    console.print(f"Acuerdo {stored.id} aceptado: {stored.agreement.status.label}.")


def _decision(ctx: click.Context, use_case: str, agreement_id: int, reason: str, text: str,
              as_institution: str | None) -> None:
    xch = get_container(ctx).exchange
    stored = getattr(xch, use_case)()(_agreement_actor(as_institution),
                                      DecisionCommand(agreement_id, reason, text))
    console.print(f"Acuerdo {stored.id}: {stored.agreement.status.label} "
                  f"({stored.agreement.decision.code}).")


REASON = click.option("--reason", required=True, metavar="CLAVE",
                      help="Clave del motivo (sanece-admin exchange agreements reasons).")
TEXT = click.option("--text", required=True, help="Explicación del motivo.")


@agreements_group.command("decline")
@click.argument("agreement_id", type=int)
@REASON
@TEXT
@AS_INSTITUTION
@click.pass_context
@cli_errors
def agreements_decline(ctx: click.Context, agreement_id: int, reason: str, text: str,
                       as_institution: str | None) -> None:
    """Rechazar un acuerdo propuesto (la parte proveedora), con motivo."""
    _decision(ctx, "decline_agreement", agreement_id, reason, text, as_institution)


@agreements_group.command("cancel")
@click.argument("agreement_id", type=int)
@REASON
@TEXT
@AS_INSTITUTION
@click.pass_context
@cli_errors
def agreements_cancel(ctx: click.Context, agreement_id: int, reason: str, text: str,
                      as_institution: str | None) -> None:
    """Cancelar un acuerdo aceptado o vigente (cualquiera de las partes), con motivo."""
    _decision(ctx, "cancel_agreement", agreement_id, reason, text, as_institution)


@agreements_group.command("deliver")
@click.argument("agreement_id", type=int)
@click.option("--month", required=True, help="Mes (AAAA-MM).")
@click.option("--served", required=True, help="Pacientes atendidos en el mes.")
@click.option("--reason", default="", help="Motivo, si se atendieron menos que los convenidos.")
@AS_INSTITUTION
@click.pass_context
@cli_errors
def agreements_deliver(ctx: click.Context, agreement_id: int, month: str, served: str,
                       reason: str, as_institution: str | None) -> None:
    """Registrar los pacientes atendidos en un mes (la parte proveedora; acuerdo vigente)."""
    stored = get_container(ctx).exchange.record_delivery()(
        _agreement_actor(as_institution), DeliveryCommand(agreement_id, month, served, reason))
    m = Month.parse(month)
    console.print(f"Acuerdo {stored.id}, {m}: {stored.agreement.served_in(m):,} de "
                  f"{stored.agreement.terms.patients:,} pacientes atendidos.")


@agreements_group.command("advance")
@click.pass_context
@cli_errors
def agreements_advance(ctx: click.Context) -> None:
    """Aplicar los cambios por fecha (Aceptado → Vigente → Concluido); para cron diario."""
    moved = get_container(ctx).exchange.advance_agreements()()
    console.print(f"{moved:,} acuerdos cambiaron de estado.")


@agreements_group.command("reasons")
@click.option("--set", "set_code", default=None, metavar="CLAVE",
              help="Agregar o cambiar el motivo con esa clave.")
@click.option("--text", default=None, help="Texto del motivo (con --set).")
@click.option("--active/--inactive", default=None, help="Activar o desactivar (con --set).")
@click.pass_context
@cli_errors
def agreements_reasons(ctx: click.Context, set_code: str | None, text: str | None,
                       active: bool | None) -> None:
    """El catálogo de motivos de rechazo y cancelación (lo mantiene la administración)."""
    xch = get_container(ctx).exchange
    if set_code:
        reason = xch.manage_reasons()(admin_actor(), set_code, text, active)
        console.print(f"Motivo {reason.code} guardado ({'activo' if reason.active else 'inactivo'}).")
    table = Table("Clave", "Motivo", "Activo", title="Motivos de rechazo y cancelación")
    for r in xch.agreement_queries().reasons(active_only=False):
        table.add_row(r.code, r.text, "Sí" if r.active else "No")
    console.print(table)
