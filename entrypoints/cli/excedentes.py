"""`sanece-admin excedentes …` commands.

Institutions are named by short code (IMSS, SS, IMSSB, ISSSTE, PEMEX) or name, entities by
code or name, both ignoring case and accents. The commands act as an administrator (audited
as ``cli:<user>``) and call use cases only; bad input prints one Spanish line starting with
``Error:`` and exits with a non-zero code.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import click
from rich.table import Table

from entrypoints.cli.main import actor, cli_errors, console, get_container
from entrypoints.cli.support import YEAR
from excedentes.application.access import Actor, EntityRef
from excedentes.application.use_cases.coordination import (
    CaptureWindowCommand,
    CreatePeriodCommand,
    PeriodCommand,
    ReopenCommand,
)
from excedentes.application.use_cases.catalog import file_format
from excedentes.application.use_cases.exports import ExportRecordsCommand
from excedentes.application.use_cases.reports import PrintReportCommand
from shared.kernel.errors import DomainError
from shared.kernel.scope import Role, Scope

ADMIN = Scope(Role.ADMIN)


def _exc(ctx: click.Context) -> Any:
    return get_container(ctx).excedentes


def _actor() -> Actor:
    return Actor.admin(actor())


def _institution(exc: Any, text: str) -> str:
    return exc.queries().resolve_institution(ADMIN, text).code


def _entity(exc: Any, institution: str, text: str) -> EntityRef:
    view = exc.queries().resolve_entity(ADMIN, institution, text)
    return EntityRef(view.institution_code, view.code)


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"Fecha no válida: «{value}» (use AAAA-MM-DD).") from None


def _os_error(exc: BaseException) -> OSError | None:
    """The I/O failure behind ``exc``, if any: writers wrap it (XlsxWriter raises its own
    ``FileCreateError`` from the ``OSError``)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


@contextlib.contextmanager
def output_file(out_path: Path) -> Iterator[Path]:
    """Where a command writes its file (PDF, XLSX, CSV). The folder is checked first, so that
    a wrong ``--out`` is one Spanish ``Error:`` line; the file is written under a temporary
    name in the same folder (same extension, the writers choose their format by it) and put
    in place only when complete: a failure never leaves a half-written file, nor replaces an
    earlier one."""
    target = Path(out_path).expanduser()
    folder = target.parent
    if target.is_dir():
        raise ValueError(f"«{target}» es una carpeta: indique el nombre del archivo de salida.")
    if not folder.is_dir():
        raise ValueError(f"No se puede escribir «{target}»: la carpeta «{folder}» no existe.")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix,
                                    dir=folder)
    except OSError as exc:
        raise ValueError(f"No se puede escribir «{target}»: {_reason(exc)}.") from exc
    os.close(fd)
    partial = Path(name)
    try:
        partial.chmod(0o666 & ~_umask())  # as a plainly created file, not mkstemp's 0600
        yield partial
        partial.replace(target)
    except DomainError:
        raise
    except Exception as exc:
        cause = _os_error(exc)
        if cause is None:
            raise
        raise ValueError(f"No se pudo escribir «{target}»: {_reason(cause)}.") from exc
    finally:
        partial.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _reason(exc: OSError) -> str:
    import errno

    reasons = {errno.EACCES: "no tiene permiso de escritura en la carpeta",
               errno.EPERM: "no tiene permiso de escritura en la carpeta",
               errno.ENOSPC: "no queda espacio en el disco",
               errno.EROFS: "la carpeta es de solo lectura",
               errno.ENOENT: "la carpeta no existe"}
    return reasons.get(exc.errno or 0, f"error del sistema ({exc.strerror or exc})")


@click.group("excedentes")
def group() -> None:
    """Excedentes y Faltantes: periodos, aperturas, reportes, catálogos, exportaciones."""


# --- periods -------------------------------------------------------------------------------
@group.group("period")
def period() -> None:
    """Periodos de captura («Captura del periodo AAAA»)."""


@period.command("open")
@click.option("--institution", required=True, help="IMSS, SS, IMSSB, ISSSTE o PEMEX.")
@click.option("--period", "year", type=YEAR, required=True, help="Año del periodo.")
@click.pass_context
@cli_errors
def period_open(ctx: click.Context, institution: str, year: int) -> None:
    """Abre la captura del periodo."""
    exc = _exc(ctx)
    change = exc.open_period()(_actor(), PeriodCommand(_institution(exc, institution), year))
    p = change.period
    state = "abierta" if change.changed else "ya estaba abierta"
    console.print(f"{p.label} ({p.institution_code}): captura {state}."
                  + (f" Aviso: {p.refusal}" if p.refusal else ""))


@period.command("close")
@click.option("--institution", required=True)
@click.option("--period", "year", type=YEAR, required=True)
@click.pass_context
@cli_errors
def period_close(ctx: click.Context, institution: str, year: int) -> None:
    """Cierra la captura del periodo (la herramienta queda de solo consulta)."""
    exc = _exc(ctx)
    change = exc.close_period()(_actor(), PeriodCommand(_institution(exc, institution), year))
    p = change.period
    state = "cerrada" if change.changed else "ya estaba cerrada"
    console.print(f"{p.label} ({p.institution_code}): captura {state}.")


@period.command("create")
@click.option("--institution", required=True)
@click.option("--period", "year", type=YEAR, required=True)
@click.option("--start", default=None, help="Inicio de la captura (AAAA-MM-DD).")
@click.option("--end", default=None, help="Fin de la captura (AAAA-MM-DD).")
@click.option("--closed", is_flag=True, help="Crearlo cerrado.")
@click.pass_context
@cli_errors
def period_create(ctx: click.Context, institution: str, year: int, start: str | None,
                  end: str | None, closed: bool) -> None:
    """Crea el periodo de captura de un año."""
    exc = _exc(ctx)
    view = exc.create_period()(_actor(), CreatePeriodCommand(
        _institution(exc, institution), year, not closed, _date(start), _date(end)))
    console.print(f"{view.label} ({view.institution_code}) creado: "
                  f"{'abierto' if view.is_open else 'cerrado'}.")


@period.command("window")
@click.option("--institution", required=True)
@click.option("--period", "year", type=YEAR, required=True)
@click.option("--start", default=None, help="Inicio (AAAA-MM-DD); vacío: sin fecha.")
@click.option("--end", default=None, help="Fin (AAAA-MM-DD); vacío: sin fecha.")
@click.pass_context
@cli_errors
def period_window(ctx: click.Context, institution: str, year: int, start: str | None,
                  end: str | None) -> None:
    """Fija las fechas de la captura."""
    exc = _exc(ctx)
    change = exc.set_capture_window()(_actor(), CaptureWindowCommand(
        _institution(exc, institution), year, _date(start), _date(end)))
    p = change.period
    console.print(f"{p.label} ({p.institution_code}): del {p.window_start or '—'} al "
                  f"{p.window_end or '—'}.")


# --- reopen --------------------------------------------------------------------------------
@group.command("reopen")
@click.option("--institution", required=True)
@click.option("--period", "year", type=YEAR, required=True)
@click.option("--entity", required=True, help="Código o nombre de la entidad.")
@click.option("--reason", required=True, help="Motivo de la apertura.")
@click.pass_context
@cli_errors
def reopen(ctx: click.Context, institution: str, year: int, entity: str, reason: str) -> None:
    """Apertura: regresa una entidad finalizada a «no finalizada»."""
    exc = _exc(ctx)
    ref = _entity(exc, _institution(exc, institution), entity)
    result = exc.reopen()(_actor(), ReopenCommand(ref, year, reason))
    extra = (f" Reporte firmado sustituido: versión "
             f"{', '.join(str(v) for v in result.superseded_versions)}."
             if result.superseded_versions else "")
    console.print(f"Apertura registrada para la {result.entity_title} ({ref.key}, "
                  f"{year}).{extra}")


# --- report --------------------------------------------------------------------------------
@group.command("report")
@click.option("--institution", required=True)
@click.option("--period", "year", type=YEAR, required=True)
@click.option("--entity", required=True)
@click.option("--kind", type=click.Choice(["preliminar", "final"]), required=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
@cli_errors
def report(ctx: click.Context, institution: str, year: int, entity: str, kind: str,
           out_path: Path) -> None:
    """Genera el reporte PDF Preliminar o Versión Final de una entidad."""
    exc = _exc(ctx)
    ref = _entity(exc, _institution(exc, institution), entity)
    use_case = exc.print_report()
    with output_file(out_path) as partial, partial.open("wb") as out:
        printed = use_case(_actor(), PrintReportCommand(ref, year, kind == "final"), out)
    extra = f"; folio {printed.folio}, huella {printed.fingerprint}" if printed.final else ""
    console.print(f"Reporte {kind} de {ref.key} ({year}): {out_path} "
                  f"({printed.pages} páginas{extra}).")


# --- catalog and units ---------------------------------------------------------------------
@group.group("catalog")
def catalog() -> None:
    """Catálogo de productos (Servicio > Grupo > Especialidad > Producto)."""


@catalog.command("import")
@click.option("--institution", required=True)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@cli_errors
def catalog_import(ctx: click.Context, institution: str, file: Path) -> None:
    """Importa el catálogo desde CSV o XLSX (todo o nada)."""
    exc = _exc(ctx)
    summary = exc.import_catalog()(_actor(), _institution(exc, institution), file, file.name)
    console.print(f"Catálogo importado: {summary.message}")


@catalog.command("export")
@click.option("--institution", required=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Por omisión, según la extensión de --out.")
@click.pass_context
@cli_errors
def catalog_export(ctx: click.Context, institution: str, out_path: Path, fmt: str | None) -> None:
    """Exporta el catálogo a CSV o XLSX."""
    exc = _exc(ctx)
    code = _institution(exc, institution)
    fmt = file_format(out_path, fmt)  # from the name asked for, not the temporary one
    with output_file(out_path) as partial:
        n = exc.export_catalog()(_actor(), code, partial, fmt)
    console.print(f"{n} productos exportados a {out_path}.")


@group.group("units")
def units() -> None:
    """Unidades médicas (CLUES, nombre, nivel, entidad, institución)."""


@units.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@cli_errors
def units_import(ctx: click.Context, file: Path) -> None:
    """Importa unidades médicas desde CSV o XLSX (todo o nada)."""
    summary = _exc(ctx).import_units()(_actor(), file, file.name)
    console.print(f"Unidades importadas: {summary.message}")


@units.command("export")
@click.option("--institution", default=None, help="Por omisión, todas.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None)
@click.pass_context
@cli_errors
def units_export(ctx: click.Context, institution: str | None, out_path: Path,
                 fmt: str | None) -> None:
    """Exporta las unidades médicas a CSV o XLSX."""
    exc = _exc(ctx)
    code = _institution(exc, institution) if institution else None
    fmt = file_format(out_path, fmt)
    with output_file(out_path) as partial:
        n = exc.export_units()(_actor(), code, partial, fmt)
    console.print(f"{n} unidades exportadas a {out_path}.")


# --- export --------------------------------------------------------------------------------
@group.command("export")
@click.option("--institution", default=None, help="Por omisión, todo el país.")
@click.option("--entity", default=None)
@click.option("--period", "year", type=YEAR, required=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
@cli_errors
def export(ctx: click.Context, institution: str | None, entity: str | None, year: int,
           out_path: Path) -> None:
    """Exporta a Excel los registros de una entidad, una institución o el país."""
    if out_path.suffix.lower() != ".xlsx":
        raise ValueError(f"El archivo de salida debe terminar en .xlsx: «{out_path.name}».")
    if entity and not institution:
        raise ValueError("Indique --institution junto con --entity.")
    exc = _exc(ctx)
    code = _institution(exc, institution) if institution else None
    entity_code = _entity(exc, code, entity).entity_code if code and entity else None
    with output_file(out_path) as partial:
        result = exc.export_records()(_actor(), ExportRecordsCommand(year, partial, code,
                                                                     entity_code))
    console.print(f"{result.rows} registros exportados a {out_path}.")


# --- status --------------------------------------------------------------------------------
@group.command("status")
@click.option("--institution", required=True)
@click.option("--period", "year", type=YEAR, required=True)
@click.pass_context
@cli_errors
def status(ctx: click.Context, institution: str, year: int) -> None:
    """Tablero de control (Paso 1) de una institución."""
    exc = _exc(ctx)
    view = exc.queries().dashboard(ADMIN, _institution(exc, institution), year)
    inst = view.institution
    table = Table("No.", inst.entity_word, "Total", "Con Excedentes/ Faltantes",
                  "Sin Excedentes/ Faltantes", "Preliminar", "Final (para firmas)",
                  "Subir (firmado)", "Semáforo",
                  title=f"{inst.name} — {view.title}")
    for e in view.entries:
        r = e.row
        table.add_row(str(r.number), r.entity_name, f"{r.total_units:,}",
                      f"{r.units_with_records:,}", f"{r.units_without_records:,}",
                      r.labels.preliminary, r.labels.final, r.labels.upload or "",
                      r.status_light.color)
    tot = view.totals
    table.add_row("", "Total", f"{tot.total_units:,}", f"{tot.units_with_records:,}",
                  f"{tot.units_without_records:,}", "", f"{tot.finalized} finalizadas",
                  f"{tot.signed_uploaded} firmados", "")
    console.print(table)
    p = view.period
    window = (f" (del {p.window_start:%d/%m/%Y} al {p.window_end:%d/%m/%Y})"
              if p.window_start and p.window_end else "")
    state = "abierta" + window if p.capture_open else (p.refusal or "cerrada")
    console.print(f"Captura: {state}")
    console.print(f"verde: {view.legend_finalized}")
    console.print(f"rojo: {view.legend_not_finalized}")
