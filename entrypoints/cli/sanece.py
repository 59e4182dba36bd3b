"""`sanece-admin sanece …` commands: the review queue (Catálogo II), evaluations, imports,
extractions, response PDFs and undoing a wrong merge.

The commands act as an administrator (audited as ``cli:<user>``) and call use cases and
queries only. Units are named by number or by name ("H Gral Zona MF 4", "CAMPECHE (H Gral Zona
MF 4)"), genéricos by number or name, both ignoring case and accents. Dates are dd/mm/aaaa or
aaaa-mm-dd. Bad input prints one Spanish line starting with ``Error:`` and exits non-zero.
"""

from __future__ import annotations

import errno
from datetime import datetime
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from entrypoints.cli.main import CliError, actor, cli_errors, console, err_console, get_container
from sanece.application.access import Actor
from sanece.application.inputs import parse_date, parse_optional_date
from sanece.application.use_cases.documents import ExtractionCommand
from sanece.application.use_cases.evaluation import EvaluationCommand
from sanece.application.inputs import parse_modifications
from sanece.application.use_cases.decisions import CancelCommand, PendCommand
from sanece.application.use_cases.review import ApproveCommand, RejectCommand
from sanece.domain.request_types import cli_type_names
from sanece.domain.rules import PeriodMonthsInRange
from sanece.domain.values import (
    EvaluationStatus,
    RequestStatus,
    format_date,
)
from sanece.domain.request_types import RequestType
from shared.kernel.pagination import PageRequest
from shared.kernel.scope import Role, Scope

ADMIN = Scope(Role.ADMIN)
# The CLI's words for the request types (each type's own, and its subtypes') and statuses.
TYPES: dict[str, tuple[RequestType, str | None]] = {
    name: (t.enum_member, subtype) for name, (t, subtype) in cli_type_names().items()}
STATUSES = {"en-espera": RequestStatus.PENDING, "validado": RequestStatus.APPROVED,
            "no-validado": RequestStatus.REJECTED,
            "requiere-informacion": RequestStatus.INFO_REQUESTED,
            "cancelada": RequestStatus.CANCELLED, "vencida": RequestStatus.EXPIRED,
            "todos": None}
EVALUATIONS = {"validada": EvaluationStatus.VALIDATED,
               "no-validada": EvaluationStatus.NOT_VALIDATED}
FILTER_STATUSES = {"pendiente": EvaluationStatus.PENDING, "validada": EvaluationStatus.VALIDATED,
                   "no-validada": EvaluationStatus.NOT_VALIDATED,
                   "baja": EvaluationStatus.CANCELLED}


def _san(ctx: click.Context) -> Any:
    return get_container(ctx).sanece


def _actor() -> Actor:
    return Actor.admin(actor())


TIME_FORMAT = "%d/%m/%Y %H:%M"  # as the web pages show instants


def _zone(ctx: click.Context) -> str:
    """The product's time zone (``APP_TIMEZONE``): instants are printed there, like the web."""
    return str(get_container(ctx).settings().timezone)


def _local(ctx: click.Context, at: datetime | None) -> str:
    return at.astimezone(ZoneInfo(_zone(ctx))).strftime(TIME_FORMAT) if at else ""


@click.group("sanece")
def group() -> None:
    """SAnECE: solicitudes de cambio, evaluaciones, importaciones, extracciones y PDF."""


# --- requests ------------------------------------------------------------------------------
@group.group("requests")
def requests() -> None:
    """Solicitudes de cambio (revisión de la Jefatura de área de Catálogo II)."""


@requests.command("list")
@click.option("--status", type=click.Choice(list(STATUSES)), default="en-espera",
              show_default=True)
@click.option("--type", "type_", type=click.Choice(list(TYPES)), default=None)
@click.option("--ooad", default=None, help="Solo las de unidades de esta OOAD/UMAE (nombre).")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Solo las registradas hace al menos N días.")
@click.option("--search", default="", help="Folio, NSS, agregado o nombre.")
@click.option("--limit", type=click.IntRange(1, 500), default=100, show_default=True)
@click.pass_context
@cli_errors
def requests_list(ctx: click.Context, status: str, type_: str | None, ooad: str | None,
                  days: int | None, search: str, limit: int) -> None:
    """Lista las solicitudes (en espera: la más antigua primero)."""
    san = _san(ctx)
    q = san.queries()
    request_type, kind = TYPES[type_] if type_ else (None, None)
    ooad_id = _ooad_id(q, ooad) if ooad else None
    page = q.review_queue(ADMIN, PageRequest(1, limit, search), request_type=request_type,
                          kind=kind, ooad_id=ooad_id, min_age_days=days,
                          status=STATUSES[status])
    # The director's motive and the reviewer's reason are different things: two columns.
    table = Table()
    for title in ("Id", f"Fecha solicitud ({_zone(ctx)})", "Días", "Tipo de solicitud",
                  "Unidad", "Folio", "Datos originales", "Datos solicitados",
                  "Estatus de cambio", "Motivo", "Motivo de la revisión"):
        table.add_column(title, no_wrap=title.startswith(("Id", "Fecha", "Días", "Folio")))
    for r in page.items:
        table.add_row(str(r.id), _local(ctx, r.filed_at), str(r.age_days), r.type_label,
                      r.unit_label, r.folio_number or "", r.original, r.requested,
                      r.status_label, r.motive, r.reason or "")
    console.print(table)
    console.print(page.summary)


def _ooad_id(queries: Any, text: str) -> int:
    return queries.resolve_ooad(ADMIN, text).id


@requests.command("show")
@click.argument("request_id", type=int)
@click.pass_context
@cli_errors
def requests_show(ctx: click.Context, request_id: int) -> None:
    """Muestra una solicitud: antes y después, adjuntos y motivo."""
    d = _san(ctx).queries().request(ADMIN, request_id)
    r = d.row
    console.print(f"Solicitud {r.id}: {r.type_label} — {r.status_label}")
    console.print(f"Unidad: {r.unit_label}  Registró: {r.filed_by} "
                  f"({_local(ctx, r.filed_at)}, {_zone(ctx)})")
    if r.motive:
        console.print(f"Motivo: {r.motive}. {d.detail}")
    table = Table("Dato", "Original", "Solicitado")
    for c in d.changes:
        table.add_row(c.label, c.before, c.after)
    console.print(table)
    for a in d.attachments:
        console.print(f"Adjunto {a.index}: {a.original_name} ({a.content_type}, {a.size} bytes)")
    if r.reason_code:
        console.print(f"Clave del motivo: {r.reason_code}"
                      + (f" ({d.reason_text})" if d.reason_text else ""))
    if r.reason:
        console.print(f"Motivo de la revisión: {r.reason}")
    for c in d.authorized:
        console.print(f"Autorizado {c.label}: solicitado {c.before or '—'} → "
                      f"autorizado {c.after or '—'}")
    for x in d.rounds:
        console.print(f"Información solicitada ({x.reason_code}) por {x.requested_by}: "
                      f"{x.missing}" + (f" — respuesta de {x.answered_by}: {x.note}"
                                        if x.answered_at else " — sin respuesta"))


@requests.command("approve")
@click.argument("request_id", type=int)
@click.option("--expiry", default=None,
              help=f"Fecha final de una ampliación (dd/mm/aaaa): a lo más "
                   f"{PeriodMonthsInRange.MAX} meses después de la fecha de vencimiento actual "
                   "(o de hoy, si ya venció).")
@click.option("--cancel-date", default=None, help="Fecha de baja (por omisión, hoy).")
@click.option("--key", "key1", default=None, help="Validado con modificación: clave 1 "
                                                  "autorizada (cambio de requerimiento).")
@click.option("--quantity", "quantity1", default=None,
              help="Validado con modificación: cantidad autorizada de la clave 1.")
@click.option("--key2", default=None, help="Clave 2 autorizada.")
@click.option("--quantity2", default=None, help="Cantidad autorizada de la clave 2.")
@click.option("--set", "fields", multiple=True, metavar="CAMPO=VALOR",
              help="Otro dato autorizado (requirement, nss, aggregate, given_names, "
                   "paternal_surname, maternal_surname); repetible.")
@click.pass_context
@cli_errors
def requests_approve(ctx: click.Context, request_id: int, expiry: str | None,
                     cancel_date: str | None, key1: str | None, quantity1: str | None,
                     key2: str | None, quantity2: str | None, fields: tuple[str, ...]) -> None:
    """Valida una solicitud y aplica el cambio (con modificación si se indican datos)."""
    raw: dict[str, object] = {"key1": key1, "quantity1": quantity1, "key2": key2,
                              "quantity2": quantity2}
    for pair in fields:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--set espera CAMPO=VALOR, no «{pair}».")
        raw[name.strip()] = value
    decision = _san(ctx).approve_request()(_actor(), ApproveCommand(
        request_id, parse_optional_date(expiry, "fecha final"),
        parse_optional_date(cancel_date, "fecha de baja"), parse_modifications(raw)))
    console.print(f"Solicitud {decision.request_id}: {decision.decision_label}.")
    for c in decision.authorized:
        console.print(f"  Autorizado {c.label}: solicitado {c.before or '—'} → "
                      f"autorizado {c.after or '—'}")
    for c in decision.applied:
        console.print(f"  {c.label}: {c.before or '—'} → {c.after or '—'}")


@requests.command("reject")
@click.argument("request_id", type=int)
@click.option("--code", "reason_code", default="OTRO", show_default=True,
              help="Clave del motivo (sanece reasons list).")
@click.option("--reason", default=None, help="Texto del motivo (lo verá el director; "
                                             "obligatorio con la clave OTRO).")
@click.pass_context
@cli_errors
def requests_reject(ctx: click.Context, request_id: int, reason_code: str,
                    reason: str | None) -> None:
    """Marca una solicitud como No Validado, con el motivo."""
    decision = _san(ctx).reject_request()(_actor(), RejectCommand(request_id, reason,
                                                                  reason_code))
    console.print(f"Solicitud {decision.request_id}: {decision.status_label}. "
                  f"Motivo: {decision.reason_code}"
                  + (f" — {decision.reason}" if decision.reason else ""))


@requests.command("pend")
@click.argument("request_id", type=int)
@click.option("--reason", "reason_code", required=True,
              help="Clave del motivo (sanece reasons list).")
@click.option("--missing", required=True, help="Qué información falta (lo verá el director).")
@click.pass_context
@cli_errors
def requests_pend(ctx: click.Context, request_id: int, reason_code: str, missing: str) -> None:
    """Requiere información: la solicitud sale de la cola hasta que la unidad responda."""
    request = _san(ctx).pend_request()(_actor(), PendCommand(request_id, reason_code, missing))
    console.print(f"Solicitud {request.id}: {request.status.label} ({request.reason_code}): "
                  f"{request.reason}")


@requests.command("cancel")
@click.argument("request_id", type=int)
@click.option("--reason", "reason_code", default="YA-NO-APLICA", show_default=True,
              help="Clave del motivo.")
@click.option("--note", default=None, help="Nota (opcional).")
@click.pass_context
@cli_errors
def requests_cancel(ctx: click.Context, request_id: int, reason_code: str,
                    note: str | None) -> None:
    """Cancelada por la unidad: retira una solicitud En espera o Requiere información."""
    request = _san(ctx).cancel_request()(_actor(), CancelCommand(request_id, reason_code, note))
    console.print(f"Solicitud {request.id}: {request.status.label} ({request.reason_code}).")


@requests.command("expire")
@click.pass_context
@cli_errors
def requests_expire(ctx: click.Context) -> None:
    """Vence las solicitudes «Requiere información» sin respuesta en el plazo
    (SANECE_INFO_EXPIRY_DAYS)."""
    expired = _san(ctx).expire_requests()()
    console.print(f"Solicitudes vencidas sin respuesta: {len(expired)}"
                  + (f" ({', '.join(str(i) for i in expired)})." if expired else "."))


# --- catalog of coded reasons --------------------------------------------------------------
@group.group("reasons")
def reasons() -> None:
    """Catálogo de motivos (No Validado, Requiere información, Cancelada, Vencida)."""


@reasons.command("list")
@click.pass_context
@cli_errors
def reasons_list(ctx: click.Context) -> None:
    """Lista los motivos (clave, texto, activo)."""
    table = Table("Clave", "Texto", "Activo")
    for r in _san(ctx).list_reasons()(_actor()):
        table.add_row(r.code, r.text, "sí" if r.active else "no")
    console.print(table)


@reasons.command("add")
@click.argument("code")
@click.argument("text")
@click.pass_context
@cli_errors
def reasons_add(ctx: click.Context, code: str, text: str) -> None:
    """Agrega un motivo al catálogo."""
    reason = _san(ctx).add_reason()(_actor(), code, text)
    console.print(f"Motivo agregado: {reason.label}")


@reasons.command("disable")
@click.argument("code")
@click.pass_context
@cli_errors
def reasons_disable(ctx: click.Context, code: str) -> None:
    """Desactiva un motivo (ya no se puede elegir; las decisiones que lo usaron lo
    conservan)."""
    reason = _san(ctx).disable_reason()(_actor(), code)
    console.print(f"Motivo desactivado: {reason.label}")


# --- queue statistics ----------------------------------------------------------------------
@group.command("queue-stats")
@click.pass_context
@cli_errors
def queue_stats(ctx: click.Context) -> None:
    """Estadísticas de la cola: pendientes por tipo y antigüedad, mediana de días a la
    decisión por tipo y mes, decisiones por revisor."""
    san = _san(ctx)
    san.expire_requests()()
    stats = san.queries().queue_stats(ADMIN)
    pending = Table("Tipo de solicitud", *stats.bands, "Total",
                    title=f"Pendientes (meta: {stats.target_days} días hábiles)")
    for row in stats.pending:
        pending.add_row(row.type_label, *(str(n) for n in row.counts), str(row.total))
    console.print(pending)
    medians = Table("Tipo de solicitud", "Mes", "Decisiones", "Mediana (días hábiles)",
                    title="Días a la decisión")
    for m in stats.medians:
        medians.add_row(m.type_label, m.month, str(m.decisions), f"{m.median_days:g}")
    console.print(medians)
    reviewers = Table("Revisor", "Decisiones", "Validado", "Con modificación", "No Validado",
                      "Requiere información", title="Decisiones por revisor")
    for r in stats.reviewers:
        reviewers.add_row(r.reviewer, str(r.total), str(r.approved), str(r.modified),
                          str(r.rejected), str(r.pended))
    console.print(reviewers)


# --- merge undo ----------------------------------------------------------------------------
@group.group("merge")
def merge() -> None:
    """Homologaciones."""


@merge.command("undo")
@click.argument("request_id", type=int)
@click.option("--reason", required=True, help="Por qué se deshace (obligatorio; queda en la "
                                             "bitácora).")
@click.pass_context
@cli_errors
def merge_undo(ctx: click.Context, request_id: int, reason: str) -> None:
    """Deshace una homologación Validada por error (los folios regresan al registro)."""
    undone = _san(ctx).undo_merge()(_actor(), request_id, reason)
    moved = ", ".join(undone.moved_back) or "ninguno"
    console.print(f"Homologación de la solicitud {undone.request_id} deshecha: el registro "
                  f"{undone.record_id} ya no está homologado; folios devueltos: {moved}.")


# --- evaluation ----------------------------------------------------------------------------
@group.command("evaluate")
@click.argument("folio")
@click.option("--status", type=click.Choice(list(EVALUATIONS)), required=True)
@click.option("--months", default=None, help="Periodo (meses) de una Validada.")
@click.option("--key", "key1", default=None, help="Clave 1.")
@click.option("--qty", "qty1", default=None, help="Cantidad clave 1.")
@click.option("--key2", default=None, help="Clave 2 (opcional).")
@click.option("--qty2", default=None, help="Cantidad clave 2.")
@click.option("--requirement", default="", help="Requerimiento.")
@click.option("--observations", default=None, help="Observaciones (obligatorias si No Validada).")
@click.pass_context
@cli_errors
def evaluate(ctx: click.Context, folio: str, status: str, months: str | None, key1: str | None,
             qty1: str | None, key2: str | None, qty2: str | None, requirement: str,
             observations: str | None) -> None:
    """Registra la evaluación de un folio Pendiente."""
    result = _san(ctx).register_evaluation()(_actor(), EvaluationCommand(
        folio, EVALUATIONS[status], months, key1, qty1, key2, qty2, requirement, observations))
    expiry = f"; fecha de vencimiento {format_date(result.expiry_date)}" \
        if result.expiry_date else ""
    console.print(f"Folio {result.number}: {result.status_label}{expiry}.")


# --- imports -------------------------------------------------------------------------------
IMPORTS = {"units": ("import_units", "unidades médicas"),
           "medicines": ("import_medicines", "claves de medicamentos"),
           "patients": ("import_patients", "pacientes"), "folios": ("import_folios", "folios")}


@group.command("import")
@click.argument("what", type=click.Choice(list(IMPORTS)))
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
@cli_errors
def import_(ctx: click.Context, what: str, file: Path) -> None:
    """Importa unidades, medicamentos, pacientes o folios de un CSV o XLSX (todo o nada)."""
    provider, noun = IMPORTS[what]
    use_case: Callable[..., Any] = getattr(_san(ctx), provider)()
    with err_console.status(f"Validando e importando {file.name}…"):
        summary = use_case(_actor(), file, file.name)
    console.print(f"Importación de {noun}: {summary.created} nuevos, {summary.updated} "
                  f"actualizados, {summary.unchanged} sin cambios.")


# --- extraction and PDF --------------------------------------------------------------------
@group.command("extract")
@click.option("--unit", required=True, help="Número o nombre de la unidad médica.")
@click.option("--from", "start", required=True, help="Fecha de inicio (dd/mm/aaaa).")
@click.option("--to", "end", required=True, help="Fecha de fin (dd/mm/aaaa).")
@click.option("--generic", default=None, help="Genérico (por omisión, TODOS).")
@click.option("--status", type=click.Choice(list(FILTER_STATUSES)), default=None,
              help="Estatus de evaluación (por omisión, TODOS).")
@click.option("--by", "mode", type=click.Choice(["folio", "patient"]), default="folio",
              show_default=True, help="POR FOLIO o POR PACIENTE.")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path))
@click.pass_context
@cli_errors
def extract(ctx: click.Context, unit: str, start: str, end: str, generic: str | None,
            status: str | None, mode: str, out_path: Path) -> None:
    """Extracción de datos de una unidad a Excel (.xlsx)."""
    san = _san(ctx)
    q = san.queries()
    cmd = ExtractionCommand(
        start=parse_date(start, "fecha de inicio"), end=parse_date(end, "fecha de fin"),
        unit_id=q.resolve_unit(ADMIN, unit).id,
        medicine_id=q.resolve_medicine(ADMIN, generic).id if generic else None,
        status=FILTER_STATUSES[status] if status else None,
        mode="by_folio" if mode == "folio" else "by_patient")
    with err_console.status("Generando el archivo de Excel…"):
        result = _write_file(out_path, lambda fh: san.extract()(_actor(), cmd, fh))
    console.print(f"{result.rows} filas escritas en {out_path}.")


def _write_file(out_path: Path, write: Callable[[Any], Any]) -> Any:
    """Write through a ``.part`` file renamed at the end: a refused or failed document never
    leaves a file behind (nor replaces an earlier one). A file that cannot be written is one
    Spanish line naming ``out_path`` (never the OS's English text nor the ``.part`` name)."""
    partial = out_path.with_name(out_path.name + ".part")
    try:
        try:
            fh = partial.open("wb")
        except OSError as exc:
            raise CliError(_cannot_write(out_path, exc)) from exc
        with fh:
            result = write(fh)
        try:
            partial.replace(out_path)
        except OSError as exc:
            raise CliError(_cannot_write(out_path, exc)) from exc
        return result
    finally:
        partial.unlink(missing_ok=True)


def _cannot_write(out_path: Path, exc: OSError) -> str:
    folder = out_path.parent
    if exc.errno == errno.ENOENT or not folder.exists():
        why = f"la carpeta «{folder}» no existe"
    elif not folder.is_dir():
        why = f"«{folder}» no es una carpeta"
    elif out_path.is_dir():
        why = "es una carpeta; indique el nombre del archivo"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "no hay permiso para escribir ahí"
    elif exc.errno == errno.ENOSPC:
        why = "no hay espacio en el disco"
    else:
        why = "el sistema no permitió escribirlo"
    return f"No se puede escribir el archivo «{out_path}»: {why}."


@group.command("pdf")
@click.argument("folio")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path))
@click.pass_context
@cli_errors
def pdf(ctx: click.Context, folio: str, out_path: Path) -> None:
    """Formato de respuesta de un folio en PDF (con los datos actuales)."""
    printed = _write_file(out_path, lambda fh: _san(ctx).print_response()(_actor(), folio, fh))
    console.print(f"Formato de respuesta del folio {printed.number} ({printed.pages} "
                  f"página{'s' if printed.pages != 1 else ''}) en {out_path}.")


# --- organisation and comentarios ----------------------------------------------------------
@group.command("units")
@click.option("--ooad", default=None, help="Solo las unidades de esta OOAD/UMAE.")
@click.pass_context
@cli_errors
def units(ctx: click.Context, ooad: str | None) -> None:
    """Lista las unidades médicas con su número (el ámbito de un director)."""
    q = _san(ctx).queries()
    table = Table("Número", "OOAD/UMAE", "Unidad médica")
    for u in q.units(ADMIN, _ooad_id(q, ooad) if ooad else None):
        table.add_row(str(u.id), u.ooad_name, u.name)
    console.print(table)


@group.group("feedback")
def feedback() -> None:
    """Comentarios o sugerencias de los usuarios."""


@feedback.command("list")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@click.pass_context
@cli_errors
def feedback_list(ctx: click.Context, limit: int) -> None:
    """Lista los comentarios o sugerencias, los más recientes primero."""
    page = _san(ctx).queries().feedback(ADMIN, PageRequest(1, limit))
    table = Table("Id", f"Fecha ({_zone(ctx)})", "Tipo", "Usuario", "Rol", "Unidad",
                  "Comentario")
    for r in page.items:
        table.add_row(str(r.id), _local(ctx, r.submitted_at), r.kind_label, r.author,
                      r.role_label, r.unit_label or "—", r.text)
    console.print(table)
    console.print(page.summary)
